import { createParamDecorator, Injectable, Optional } from '@nestjs/common';
import type { ExecutionContext, PipeTransform, Type } from '@nestjs/common';
import type { SessionRequest, SessionResponse, SessionWithData } from '../core/http-types.js';
import type { SessionData } from '../core/session-data.js';
import { missingSessionModuleError } from './missing-session-module.js';
import { SessionResolver } from './session-resolver.service.js';

/**
 * What the parameter factory hands the pipe: where to find the session, and which key. Shared by
 * `@Session()` and `@Flash()`, whose pipes read it differently.
 */
export class SessionLookup {
  constructor(
    readonly context: ExecutionContext,
    readonly key: string | undefined,
  ) {}
}

/**
 * Resolves a `@Session()` parameter. A pipe, because pipes may be async and injected: on a
 * route the middleware was excluded from, the session is loaded here.
 */
@Injectable()
export class SessionParamPipe implements PipeTransform {
  private readonly sessionResolver: SessionResolver;

  constructor(@Optional() sessionResolver?: SessionResolver) {
    if (!sessionResolver) throw missingSessionModuleError('@Session()');
    this.sessionResolver = sessionResolver;
  }

  async transform(value: unknown): Promise<unknown> {
    if (!(value instanceof SessionLookup)) return value;
    const session = await this.sessionResolver.sessionFor(value.context);
    if (value.key === undefined) return session;
    return session ? (session as unknown as Record<string, unknown>)[value.key] : undefined;
  }
}

/** The parameter factory of `@Session()` and `@Flash()`: a `SessionLookup` for their pipe. */
export const SessionLookupParam = createParamDecorator(
  (key: string | undefined, context: ExecutionContext) => new SessionLookup(context, key),
);

/**
 * The request's session (`@Session() session: Session`) or one of its values
 * (`@Session('userId') userId?: string`), typed by your `SessionData` augmentation. Works in
 * controllers, GraphQL resolvers (the session of the HTTP request in the GraphQL context) and
 * WebSocket gateways (with `SessionWsInterceptor`).
 *
 * Unlike `@nestjs/common`'s `@Session()`, which returns `req.session` as whatever middleware
 * left it (undefined if none ran), this one loads the session itself where the middleware was
 * excluded, answers 503 when the store is down, and is typed. Further pipes may follow the key.
 */
export function Session(key?: keyof SessionData | (string & {}), ...pipes: Array<PipeTransform | Type<PipeTransform>>): ParameterDecorator {
  return SessionLookupParam(key as string | undefined, SessionParamPipe, ...pipes);
}

/** The type of a `@Session()` parameter: the session's methods plus your typed data. */
export type Session = SessionWithData;

/** For handlers that take the raw request (`@Req()`): its session fields, typed. */
export type RequestWithSession = SessionRequest;
/** The response as the session middleware hooks it. */
export type ResponseWithSession = SessionResponse;
