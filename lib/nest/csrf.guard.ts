import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { decideCsrf, isForeignHandshake } from '../core/csrf/csrf-decision.js';
import type { CsrfDecision, CsrfRefusedReason } from '../core/csrf/csrf-decision.js';
import type { ResolvedCsrfOptions } from '../core/csrf/csrf-options.js';
import { isValidCsrfToken, maskedCsrfToken } from '../core/csrf/csrf-token.js';
import type { SessionRequest } from '../core/http/http-types.js';
import { requestOrigin } from '../core/http/request-security.js';
import { isHeaderAuthenticated } from '../core/lifecycle/request-state.js';
import { publishCsrfRefused } from '../core/lifecycle/session-events.js';
import { SessionManager } from '../core/management/session-manager.js';
import { SKIP_CSRF } from './csrf.decorator.js';
import { csrfTokenOf, methodOf, setCsrfCookie } from './csrf-request.js';
import { isGraphqlContext, withGraphqlExtensions } from './graphql/graphql-context.js';
import { SessionHttpPlatform } from './session-http-platform.js';
import { SessionResolver } from './session-resolver.service.js';
import { toWsException } from './websocket/session-ws.errors.js';
import { wsMessageOf } from './websocket/session-ws.message.js';

/** Injection token of the checked `csrf` option; null when the protection is off. */
export const RESOLVED_CSRF_OPTIONS = Symbol('nest-sessions:resolvedCsrfOptions');

/**
 * The CSRF protection, registered as a global guard by SessionModule when its `csrf` option is
 * on (never otherwise, so apps without it pay nothing). Checks every HTTP request and GraphQL
 * operation whose method is not ignored (see `decideCsrf` for the order), and every WebSocket
 * message for the Origin of its handshake. `@SkipCsrf()` opens a route. A request whose session a
 * valid token of the `header` option named passes (a browser never adds that header by itself);
 * one that merely carries the header is checked, and never gets the readable token cookie. A refusal is a 403
 * (`Invalid or missing CSRF token`), a GraphQL error with code `FORBIDDEN`, or a `WsException`,
 * and is published on `SESSION_CHANNELS.csrfRefused`. Not for `@UseGuards()`: the module
 * registers it, with what it needs.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  /** One decision per HTTP request of a GraphQL operation, which runs the guard once per resolver. */
  readonly #graphqlDecisions = new WeakMap<object, CsrfDecision | Promise<CsrfDecision>>();
  /** `@SkipCsrf()` by handler, then class: metadata does not change once the app runs, and reading it is not free. */
  readonly #skipped = new WeakMap<object, WeakMap<object, boolean>>();

  constructor(
    protected readonly reflector: Reflector,
    protected readonly sessionResolver: SessionResolver,
    protected readonly sessionManager: SessionManager,
    protected readonly httpPlatform: SessionHttpPlatform,
    @Inject(RESOLVED_CSRF_OPTIONS) protected readonly csrfOptions: ResolvedCsrfOptions,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.#isSkipped(context.getHandler(), context.getClass())) return true;
    if (context.getType() === 'ws') return this.#checkWsMessage(context);
    const request = this.sessionResolver.requestFor(context);
    // No HTTP request behind it (a microservice, a subscription over a socket): no cookie to abuse.
    if (!request) return true;
    let decision: CsrfDecision | Promise<CsrfDecision> | undefined;
    if (isGraphqlContext(context)) {
      decision = this.#graphqlDecisions.get(request);
      if (!decision) this.#graphqlDecisions.set(request, (decision = this.#decide(request, context)));
    } else {
      decision = this.#decide(request, context);
    }
    // Synchronous when the session is at hand (the middleware ran): no promise on the hot path.
    return decision instanceof Promise ? decision.then((settled) => this.#verdict(settled, context)) : this.#verdict(decision, context);
  }

  /**
   * The check of a WebSocket message alone, for `SessionWsInterceptor`: Nest 11 runs no global
   * guard for gateways, so there the interceptor is what checks them. `true` when the protection
   * is off or the gateway skips it; rejects with the `WsException` of a refusal.
   */
  checkWsMessage(context: ExecutionContext): true | Promise<boolean> {
    if (!this.csrfOptions || this.#isSkipped(context.getHandler(), context.getClass())) return true;
    return this.#checkWsMessage(context);
  }

  /** The error a refused request gets. Default: 403 `Invalid or missing CSRF token`, whatever the reason. */
  protected refusal(_reason: CsrfRefusedReason, _context: ExecutionContext): Error {
    return new ForbiddenException('Invalid or missing CSRF token');
  }

  /** The error a message of a socket opened from another origin gets (as a `WsException`). */
  protected crossOriginSocket(_context: ExecutionContext): Error {
    return new ForbiddenException('Cross-origin WebSocket connection refused');
  }

  #isSkipped(handler: object, controller: object): boolean {
    let byClass = this.#skipped.get(handler);
    if (!byClass) this.#skipped.set(handler, (byClass = new WeakMap()));
    let isSkipped = byClass.get(controller);
    if (isSkipped === undefined) {
      isSkipped = this.reflector.getAllAndOverride<boolean>(SKIP_CSRF, [handler as never, controller as never]) === true;
      byClass.set(controller, isSkipped);
    }
    return isSkipped;
  }

  #verdict(decision: CsrfDecision, context: ExecutionContext): boolean {
    if (decision.allowed) return true;
    const error = this.refusal(decision.reason, context);
    throw isGraphqlContext(context) ? withGraphqlExtensions(error) : error;
  }

  #decide(request: SessionRequest, context: ExecutionContext): CsrfDecision | Promise<CsrfDecision> {
    const { csrfOptions } = this;
    const method = methodOf(request);
    const isIgnoredMethod = csrfOptions.ignoreMethods.has(method);
    const token = isIgnoredMethod ? undefined : csrfTokenOf(request, csrfOptions);
    const coreRequest = this.httpPlatform.toCoreHttp(request).request;
    // A request that carries the session header has no cookie to hand out, and is let through
    // when its session came from a valid token in that header: the session tells.
    const carriesSessionHeader = this.sessionManager.carriesSessionHeader(coreRequest);
    // The session is needed only when a token must be checked or handed out.
    const needsSession =
      (token !== undefined && token !== '') || (isIgnoredMethod && csrfOptions.cookieName !== undefined) || (carriesSessionHeader && !isIgnoredMethod);
    const attached = coreRequest.session ?? undefined;
    if (!needsSession || attached) return this.#decideWith(request, coreRequest, context, { method, isIgnoredMethod, token, session: attached });
    const platformResponse = this.sessionResolver.responseFor(context, request);
    return this.sessionResolver
      .sessionForHttp(request, platformResponse)
      .then((session) => this.#decideWith(request, coreRequest, context, { method, isIgnoredMethod, token, session }));
  }

  #decideWith(
    request: SessionRequest,
    coreRequest: SessionRequest,
    context: ExecutionContext,
    { method, isIgnoredMethod, token, session }: { method: string; isIgnoredMethod: boolean; token: unknown; session: object | undefined },
  ): CsrfDecision {
    const { csrfOptions } = this;
    const { headers } = coreRequest;
    const { trustProxy } = this.sessionManager.options;
    const decision = decideCsrf(
      {
        method,
        isIgnoredMethod,
        secFetchSite: headers['sec-fetch-site'],
        origin: headers.origin,
        referer: headers.referer,
        ownOrigin: () => requestOrigin(coreRequest, trustProxy),
        token,
        isHeaderAuthenticated: isHeaderAuthenticated(coreRequest),
      },
      { trustedOrigins: csrfOptions.trustedOrigins, isValidToken: (candidate) => isValidCsrfToken(session, candidate) },
    );
    const isCookieClient = !this.sessionManager.carriesSessionHeader(coreRequest);
    if (decision.allowed && isIgnoredMethod && session && csrfOptions.cookieName !== undefined && isCookieClient) {
      const platformResponse = this.sessionResolver.responseFor(context, request);
      setCsrfCookie(coreRequest, platformResponse, csrfOptions.cookieName, maskedCsrfToken(session), this.sessionManager.options);
    }
    if (!decision.allowed) {
      const stored = coreRequest.session ?? undefined;
      publishCsrfRefused(decision.reason, method, stored?.id, stored, this.sessionManager.options);
    }
    return decision;
  }

  async #checkWsMessage(context: ExecutionContext): Promise<boolean> {
    const handshake = wsMessageOf(context, this.sessionManager).request;
    const ownOrigin = requestOrigin(handshake, this.sessionManager.options.trustProxy);
    if (!isForeignHandshake(handshake.headers.origin, ownOrigin, this.csrfOptions.trustedOrigins)) return true;
    publishCsrfRefused('foreign-origin', 'WEBSOCKET', undefined, undefined, this.sessionManager.options);
    throw await toWsException(this.crossOriginSocket(context));
  }
}

/** The global guard's factory: the guard when `csrf` is on, else nothing (Nest then registers none). */
export function csrfGuardWhenEnabled(csrfOptions: ResolvedCsrfOptions | null, guard: CsrfGuard): CsrfGuard | null {
  return csrfOptions ? guard : null;
}
