import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { decideCsrf, isForeignHandshake } from '../core/csrf/csrf-decision.js';
import type { CsrfDecision, CsrfRefusedReason } from '../core/csrf/csrf-decision.js';
import type { ResolvedCsrfOptions } from '../core/csrf/csrf-options.js';
import { isValidCsrfToken, maskedCsrfToken } from '../core/csrf/csrf-token.js';
import type { SessionRequest } from '../core/http/http-types.js';
import { requestOrigin } from '../core/http/request-security.js';
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
 * message for the Origin of its handshake. `@SkipCsrf()` opens a route. A refusal is a 403
 * (`Invalid or missing CSRF token`), a GraphQL error with code `FORBIDDEN`, or a `WsException`,
 * and is published on `SESSION_CHANNELS.csrfRefused`. Override the protected methods to change
 * an answer.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  /** One decision per HTTP request: a GraphQL operation runs the guard once per resolver. */
  readonly #decisions = new WeakMap<object, Promise<CsrfDecision>>();

  constructor(
    protected readonly reflector: Reflector,
    protected readonly sessionResolver: SessionResolver,
    protected readonly sessionManager: SessionManager,
    protected readonly httpPlatform: SessionHttpPlatform,
    @Inject(RESOLVED_CSRF_OPTIONS) protected readonly csrfOptions: ResolvedCsrfOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(SKIP_CSRF, [context.getHandler(), context.getClass()])) return true;
    if (context.getType() === 'ws') return this.#checkWsMessage(context);
    const request = this.sessionResolver.requestFor(context);
    // No HTTP request behind it (a microservice, a subscription over a socket): no cookie to abuse.
    if (!request) return true;
    let decision = this.#decisions.get(request);
    if (!decision) this.#decisions.set(request, (decision = this.#decide(request, context)));
    const { allowed, reason } = await decision;
    if (allowed) return true;
    const error = this.refusal(reason, context);
    throw isGraphqlContext(context) ? withGraphqlExtensions(error) : error;
  }

  /** The error a refused request gets. Default: 403 `Invalid or missing CSRF token`, whatever the reason. */
  protected refusal(_reason: CsrfRefusedReason, _context: ExecutionContext): Error {
    return new ForbiddenException('Invalid or missing CSRF token');
  }

  /** The error a message of a socket opened from another origin gets (as a `WsException`). */
  protected crossOriginSocket(_context: ExecutionContext): Error {
    return new ForbiddenException('Cross-origin WebSocket connection refused');
  }

  async #decide(request: SessionRequest, context: ExecutionContext): Promise<CsrfDecision> {
    const { csrfOptions } = this;
    const platformResponse = this.sessionResolver.responseFor(context, request);
    const core = this.httpPlatform.toCoreHttp(request);
    const method = methodOf(request);
    const isIgnoredMethod = csrfOptions.ignoreMethods.has(method);
    const token = isIgnoredMethod ? undefined : csrfTokenOf(request, csrfOptions);
    // The session is loaded only when a token must be checked or handed out.
    const needsSession = (token !== undefined && token !== '') || (isIgnoredMethod && csrfOptions.cookieName !== undefined);
    const session = needsSession ? await this.sessionResolver.sessionForHttp(request, platformResponse) : undefined;
    const { headers } = core.request;
    const decision = decideCsrf(
      {
        method,
        isIgnoredMethod,
        secFetchSite: headers['sec-fetch-site'],
        origin: headers.origin,
        referer: headers.referer,
        ownOrigin: requestOrigin(core.request, this.sessionManager.options.trustProxy),
        token,
      },
      { trustedOrigins: csrfOptions.trustedOrigins, isValidToken: (candidate) => isValidCsrfToken(session, candidate) },
    );
    if (decision.allowed && isIgnoredMethod && session && csrfOptions.cookieName !== undefined) {
      setCsrfCookie(core.request, platformResponse, csrfOptions.cookieName, maskedCsrfToken(session), this.sessionManager.options);
    }
    if (!decision.allowed) {
      const stored = core.request.session ?? undefined;
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
