import { Injectable } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { SessionRequest, SessionResponse, SessionWithData } from '../core/http/http-types.js';
import { SessionStateError } from '../core/errors.js';
import { attachOutcomeOf, SessionManager } from '../core/management/session-manager.js';
import { graphqlRequestOf, graphqlResponseOf, isGraphqlContext, withGraphqlErrorExtensions } from './graphql/graphql-context.js';
import { logUnreportableError, replyWithHttpError, storeUnavailableException, toHttpException } from './http-errors.js';
// Express's response or Fastify's reply, as guards and pipes get them: the 503's Retry-After goes
// there (the core's view of a Fastify reply is bound only in onSend).
import type { RetryableResponse } from './http-errors.js';
import { SessionHttpPlatform } from './session-http-platform.js';
import { toWsException } from './websocket/session-ws.errors.js';
import { currentWsMessage, wsMessageOf } from './websocket/session-ws.message.js';

/**
 * Finds the session of whatever Nest is handling. Where the middleware already ran, that is
 * `req.session`; on a route the middleware was excluded from, the session is loaded here through
 * the same core (and committed when the response ends). A GraphQL resolver gets the session of
 * the HTTP request in its context. For a WebSocket message it is the session the handshake's
 * cookie names, loaded through the same core for each message.
 */
@Injectable()
export class SessionResolver {
  constructor(
    private readonly sessionManager: SessionManager,
    private readonly httpPlatform: SessionHttpPlatform,
  ) {}

  /** The session for an execution context, or undefined for a context without sessions. */
  async sessionFor(context: ExecutionContext): Promise<SessionWithData | undefined> {
    if (context.getType() === 'ws') return this.sessionForWsMessage(context);
    const request = this.requestFor(context);
    if (!request) return undefined;
    // A resolver's 503 gets the `extensions` Nest's Apollo driver gives it, on Mercurius too.
    return withGraphqlErrorExtensions(context, this.sessionForHttp(request, this.responseFor(context, request)));
  }

  /**
   * The HTTP request behind an execution context: the route's, or the one a GraphQL resolver's
   * context carries (`req`, as Apollo's default context has it, or Mercurius' `reply.request`).
   * Undefined for WebSocket, microservice and other contexts.
   */
  requestFor(context: ExecutionContext): SessionRequest | undefined {
    // The arguments switchToHttp() would wrap (request, response, next), without the closures it makes per call.
    if (context.getType() === 'http') return context.getArgByIndex<SessionRequest>(0);
    return isGraphqlContext(context) ? graphqlRequestOf(context) : undefined;
  }

  /**
   * The request the core attaches the session to, behind an execution context (see
   * `requestFor`): on Fastify the Node request its request wraps. Where request state for the
   * session's commit goes (`@SkipSessionTouch()`).
   */
  coreRequestFor(context: ExecutionContext): SessionRequest | undefined {
    const request = this.requestFor(context);
    return request && this.httpPlatform.toCoreHttp(request).request;
  }

  /**
   * The `WWW-Authenticate` challenge (`Bearer`) for a request that carries the `header`
   * option's header; undefined for others (browsers), without the option, or without a scheme.
   */
  headerChallengeFor(platformRequest: SessionRequest): string | undefined {
    const { request } = this.httpPlatform.toCoreHttp(platformRequest);
    return this.sessionManager.carriesSessionHeader(request) ? this.sessionManager.headerChallenge : undefined;
  }

  /** The HTTP response behind an execution context (see `requestFor`), if there is one. */
  responseFor(context: ExecutionContext, request = this.requestFor(context)): SessionResponse | undefined {
    if (context.getType() === 'http') return context.getArgByIndex<SessionResponse>(1);
    return isGraphqlContext(context) ? graphqlResponseOf(context, request) : undefined;
  }

  /**
   * The session of the WebSocket message being handled: the stored session the handshake's
   * cookie names, or undefined when there is none (a socket cannot set a cookie, so no session
   * is created). Inside `SessionWsInterceptor`, which saves it after the handler; elsewhere
   * only with `isReadOnly` (SessionGuard), as changes would be lost. Failures are thrown as
   * `WsException`s: 503 when the store is unavailable, 500 when it fails.
   */
  async sessionForWsMessage(
    context: ExecutionContext,
    { isReadOnly = false }: { isReadOnly?: boolean } = {},
  ): Promise<SessionWithData | undefined> {
    const message = currentWsMessage() ?? (isReadOnly ? wsMessageOf(context, this.sessionManager) : undefined);
    if (!message) {
      throw new SessionStateError(
        'nest-sessions: @Session() in a WebSocket gateway needs SessionWsInterceptor, which saves the session after each message: ' +
          'add @UseInterceptors(SessionWsInterceptor) to the gateway (or register it as APP_INTERCEPTOR)',
      );
    }
    const { session, outcome } = await message.load().catch(async (error: unknown) => {
      throw await toWsException(error);
    });
    if (session) return session;
    const isStoreOut = outcome === 'store-disconnected' || outcome === 'store-unavailable';
    if (isStoreOut && this.sessionManager.options.storeUnavailable === 'error') {
      throw await toWsException(storeUnavailableException());
    }
    return undefined;
  }

  /**
   * The request's session, loading it if no middleware did. Throws 503 when the store is
   * unavailable (unless `storeUnavailable: 'continue'`, which yields undefined).
   */
  async sessionForHttp(platformRequest: SessionRequest, platformResponse?: SessionResponse): Promise<SessionWithData | undefined> {
    const { request, response } = this.httpPlatform.toCoreHttp(platformRequest, platformResponse);
    let outcome = attachOutcomeOf(request);
    if (outcome === undefined && !request.session) {
      outcome = await this.sessionManager
        .attach(request, response, (error, finish) => {
          // No `next` here (the middleware did not run): answer with the error directly.
          if (response && !response.headersSent) replyWithHttpError(response, error, finish);
          else {
            logUnreportableError(error);
            finish();
          }
        })
        .catch((error: unknown) => {
          throw toHttpException(error, platformResponse as RetryableResponse | undefined);
        });
    }
    if (request.session) return request.session;
    const isStoreOut = outcome === 'store-disconnected' || outcome === 'store-unavailable';
    if (isStoreOut && this.sessionManager.options.storeUnavailable === 'error') throw storeUnavailableException(platformResponse as RetryableResponse | undefined);
    return undefined;
  }
}
