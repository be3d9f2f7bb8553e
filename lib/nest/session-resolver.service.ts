import { Injectable } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { SessionRequest, SessionResponse, SessionWithData } from '../core/http-types.js';
import { attachOutcomeOf, SessionManager } from '../core/session-manager.js';
import { logUnreportableError, replyWithHttpError, storeUnavailableException, toHttpException } from './http-errors.js';

/**
 * Finds the session of whatever Nest is handling. Where the middleware already ran, that is
 * `req.session`; on a route the middleware was excluded from, the session is loaded here through
 * the same core (and committed when the response ends).
 */
@Injectable()
export class SessionResolver {
  constructor(private readonly sessionManager: SessionManager) {}

  /** The session for an execution context, or undefined for a context without sessions. */
  async sessionFor(context: ExecutionContext): Promise<SessionWithData | undefined> {
    if (context.getType() !== 'http') return undefined;
    const http = context.switchToHttp();
    return this.sessionForHttp(http.getRequest<SessionRequest>(), http.getResponse<SessionResponse>());
  }

  /**
   * The request's session, loading it if no middleware did. Throws 503 when the store is
   * unavailable (unless `storeUnavailable: 'continue'`, which yields undefined).
   */
  async sessionForHttp(request: SessionRequest, response?: SessionResponse): Promise<SessionWithData | undefined> {
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
          throw toHttpException(error);
        });
    }
    if (request.session) return request.session;
    const isStoreOut = outcome === 'store-disconnected' || outcome === 'store-unavailable';
    if (isStoreOut && this.sessionManager.options.storeUnavailable === 'error') throw storeUnavailableException();
    return undefined;
  }
}
