import { ForbiddenException, Inject, Injectable, Optional, UnauthorizedException } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { SessionRequest, SessionResponse, SessionWithData } from '../core/http/http-types.js';
import { REQUIRED_SESSION_KEYS, SKIP_SESSION_GUARD } from './session-guard.decorators.js';
import type { SessionModuleOptions } from './session-module-options.interface.js';
import { missingSessionModuleError } from './missing-session-module.js';
import { SESSION_MODULE_OPTIONS } from './session.module-definition.js';
import { isGraphqlContext, withGraphqlErrorExtensions, withGraphqlExtensions } from './graphql/graphql-context.js';
import { SessionResolver } from './session-resolver.service.js';
import { toWsException } from './websocket/session-ws.errors.js';

/** A response as a guard gets it: Express's or Node's (`setHeader`), or Fastify's reply (`header`). */
interface HeaderSettingResponse {
  header(name: string, value: string): unknown;
  setHeader(name: string, value: string): unknown;
}

/**
 * The default sign-in test: a `userId` or `user` value in the session, or a Passport user.
 */
export function hasSignedInUser(session: SessionWithData): boolean {
  const values = session as unknown as { userId?: unknown; user?: unknown; passport?: { user?: unknown } };
  return values.userId != null || values.user != null || values.passport?.user != null;
}

/**
 * Lets a request through only with a signed-in session (the module's `isAuthenticated`
 * option), else 401, that holds every key `@RequireSessionKeys()` names, else 403 naming the
 * missing keys (the user is still signed in: a front end that signs out on 401 must not here).
 * Use it with `@UseGuards(SessionGuard)` or globally (`APP_GUARD`), where `@SkipSessionGuard()`
 * opens a route. Override the protected methods to change a rule or an answer. A 401 to a
 * request that carried the `header` option's header has `WWW-Authenticate: Bearer` (its scheme).
 *
 * In a GraphQL resolver it checks the session of the HTTP request in the GraphQL context
 * (`req`, which `GraphQLModule`'s default context holds), and the 401 reaches the client as a
 * GraphQL error with `extensions.code` `UNAUTHENTICATED` (403: `FORBIDDEN`), on Apollo and
 * Mercurius alike. Another transport that carries an HTTP request is added by overriding
 * `getRequest` (and `getResponse`).
 *
 * In a WebSocket gateway it checks the session the handshake's cookie names, and rejects a
 * message with a `WsException` (`{ status: 'error', statusCode: 401, message }` in the
 * client's `exception` event, 403 for missing keys) instead of an HTTP error. It needs no
 * `SessionWsInterceptor`.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  protected readonly sessionResolver: SessionResolver;
  protected readonly options: SessionModuleOptions;

  constructor(
    protected readonly reflector: Reflector,
    // Optional only to fail with a message saying what to import when SessionModule is missing.
    @Optional() sessionResolver?: SessionResolver,
    @Optional() @Inject(SESSION_MODULE_OPTIONS) options?: SessionModuleOptions,
  ) {
    if (!sessionResolver || !options) throw missingSessionModuleError('SessionGuard');
    this.sessionResolver = sessionResolver;
    this.options = options;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(SKIP_SESSION_GUARD, targets)) return true;
    const session = await this.#sessionOf(context);
    if (!session || !(await this.isAuthenticated(session, context))) {
      this.#challengeHeaderClient(context);
      throw await this.#rejection(this.unauthorized(context), context);
    }
    const requiredKeys = this.reflector.getAllAndMerge<string[]>(REQUIRED_SESSION_KEYS, targets) ?? [];
    const values = session as unknown as Record<string, unknown>;
    const missingKeys = requiredKeys.filter((key) => values[key] == null);
    if (missingKeys.length > 0) throw await this.#rejection(this.missingSessionKeys(missingKeys, context), context);
    return true;
  }

  /**
   * The HTTP request whose session is checked: the route's, or the `req` of a GraphQL
   * resolver's context. Undefined (the request is rejected) where there is none. Override it to
   * find the request elsewhere, as with `@nestjs/passport`'s `AuthGuard`. Not used in WebSocket
   * gateways, where the session comes from the socket's handshake.
   */
  protected getRequest(context: ExecutionContext): SessionRequest | undefined {
    return this.sessionResolver.requestFor(context);
  }

  /**
   * The response that commits the session when the guard loads it itself (on a route the
   * middleware was excluded from). Override it together with `getRequest`.
   */
  protected getResponse(context: ExecutionContext): SessionResponse | undefined {
    return this.sessionResolver.responseFor(context, this.getRequest(context));
  }

  /** Whether the session is signed in. Default: the module's `isAuthenticated`, else `hasSignedInUser`. */
  protected isAuthenticated(session: SessionWithData, context: ExecutionContext): boolean | Promise<boolean> {
    return this.options.isAuthenticated ? this.options.isAuthenticated(session, context) : hasSignedInUser(session);
  }

  /** The error thrown when the session is not signed in (an HTTP error becomes a `WsException` in gateways). */
  protected unauthorized(_context: ExecutionContext): Error {
    return new UnauthorizedException('A signed-in session is required');
  }

  /**
   * The error thrown when a signed-in session lacks keys `@RequireSessionKeys()` names: 403,
   * not 401, so that clients do not take it for a sign-out. Override it to answer otherwise.
   */
  protected missingSessionKeys(missingKeys: readonly string[], _context: ExecutionContext): Error {
    return new ForbiddenException(`The session lacks required key(s): ${missingKeys.join(', ')}`);
  }

  /**
   * A 401 to a client of the `header` option (a request that carried the header) says how to
   * authenticate: `WWW-Authenticate: Bearer` (the configured scheme), as RFC 9110 asks of a 401.
   * Browsers (cookie clients) get none: it would mean nothing to them. HTTP routes only.
   */
  #challengeHeaderClient(context: ExecutionContext): void {
    if (context.getType() !== 'http') return;
    const request = this.getRequest(context);
    const challenge = request && this.sessionResolver.headerChallengeFor(request);
    if (!challenge) return;
    const response = this.getResponse(context) as Partial<HeaderSettingResponse> | undefined;
    // Express's response and Fastify's reply both have `header(name, value)`; Node's only `setHeader`.
    if (typeof response?.header === 'function') response.header('WWW-Authenticate', challenge);
    else response?.setHeader?.('WWW-Authenticate', challenge);
  }

  async #sessionOf(context: ExecutionContext): Promise<SessionWithData | undefined> {
    if (context.getType() === 'ws') return this.sessionResolver.sessionForWsMessage(context, { isReadOnly: true });
    const request = this.getRequest(context);
    if (!request) return undefined;
    return withGraphqlErrorExtensions(context, this.sessionResolver.sessionForHttp(request, this.getResponse(context)));
  }

  async #rejection(error: Error, context: ExecutionContext): Promise<unknown> {
    if (context.getType() === 'ws') return toWsException(error);
    return isGraphqlContext(context) ? withGraphqlExtensions(error) : error;
  }
}
