import { createParamDecorator, Injectable, Optional } from '@nestjs/common';
import type { ExecutionContext, PipeTransform, Type } from '@nestjs/common';
import type { SessionRequest, SessionResponse, SessionWithData } from '../core/http/http-types.js';
import type { SessionData } from '../core/session/session-data.js';
import { missingSessionModuleError } from './missing-session-module.js';
import { SessionResolver } from './session-resolver.service.js';

/**
 * What the parameter factory hands the pipe: where to find the session, and which key. Shared by
 * `@Session()` and `@Flash()`, whose pipes read it differently.
 */
export class SessionLookup {
  // Private: pipes before ours (a global ValidationPipe) may walk the value they get, and the
  // context reaches the whole request graph, cycles included.
  readonly #context: ExecutionContext;

  constructor(
    context: ExecutionContext,
    readonly key: string | undefined,
  ) {
    this.#context = context;
  }

  /** The execution context whose session is looked up. */
  get context(): ExecutionContext {
    return this.#context;
  }
}

/** Our parameter decorator factories (`Session`, `Flash`): never a parameter's real type. */
const PARAM_DECORATOR_FACTORIES = new WeakSet<object>();
const DESIGN_PARAM_TYPES = 'design:paramtypes';
type MetadataReflect = typeof Reflect & {
  getMetadata?(key: string, target: object, propertyKey: string | symbol): unknown;
  defineMetadata?(key: string, value: unknown, target: object, propertyKey: string | symbol): void;
};

/**
 * Marks `factory` as one of our parameter decorator factories, and returns a decorator that
 * applies `decorator` and then undoes what compilers without type information (SWC as
 * `nest start -b swc` runs it, ts-loader as `nest build --webpack` runs it) record for
 * `@Session() session: Session`: `Session` names both
 * the decorator and the type, so they emit the decorator function as the parameter's design
 * type, which a global `ValidationPipe({ validateCustomDecorators: true })` then tries to
 * validate. It becomes `Object`, what tsc records for a type alias.
 */
export function withPlainDesignType(factory: object, decorator: ParameterDecorator): ParameterDecorator {
  PARAM_DECORATOR_FACTORIES.add(factory);
  return (target, propertyKey, parameterIndex) => {
    decorator(target, propertyKey, parameterIndex);
    const reflect = Reflect as MetadataReflect;
    // Metadata decorators run before parameter decorators: the design types are recorded by now.
    if (propertyKey === undefined || !reflect.getMetadata || !reflect.defineMetadata) return;
    const paramTypes = reflect.getMetadata(DESIGN_PARAM_TYPES, target, propertyKey);
    if (!Array.isArray(paramTypes) || !PARAM_DECORATOR_FACTORIES.has(paramTypes[parameterIndex])) return;
    const plainParamTypes = paramTypes.map((type: unknown, index) => (index === parameterIndex ? Object : type));
    reflect.defineMetadata(DESIGN_PARAM_TYPES, plainParamTypes, target, propertyKey);
  };
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
  return withPlainDesignType(Session, SessionLookupParam(key as string | undefined, SessionParamPipe, ...pipes));
}

/** The type of a `@Session()` parameter: the session's methods plus your typed data. */
export type Session = SessionWithData;

/** For handlers that take the raw request (`@Req()`): its session fields, typed. */
export type RequestWithSession = SessionRequest;
/** The response as the session middleware hooks it. */
export type ResponseWithSession = SessionResponse;
