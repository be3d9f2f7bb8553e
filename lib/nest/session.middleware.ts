import { HttpException, Injectable } from '@nestjs/common';
import type { NestMiddleware } from '@nestjs/common';
import type { SessionRequest, SessionResponse } from '../core/http/http-types.js';
import { continueInCohort } from '../core/lifecycle/request-cohort.js';
import { SessionManager } from '../core/management/session-manager.js';
import { logUnreportableError, toHttpException } from './http-errors.js';
import { SessionHttpPlatform } from './session-http-platform.js';

/** Headers that describe the handler's body, dropped when an error response replaces it. */
const BODY_HEADERS = ['content-type', 'content-length', 'etag', 'content-encoding', 'last-modified'];

/**
 * The session middleware SessionModule installs: attaches `req.session` through the core and
 * hands store failures to Nest's exception handling (503 when the store is down, 500 otherwise).
 * A failure committing the session (store write, cookie) after the handler ran reaches Nest's
 * error handling while the head is unsent, and is logged once when it is not.
 */
@Injectable()
export class SessionMiddleware implements NestMiddleware {
  constructor(
    private readonly sessionManager: SessionManager,
    private readonly httpPlatform: SessionHttpPlatform,
  ) {}

  use(request: SessionRequest, response: SessionResponse, next: (error?: unknown) => void): void {
    const onCommitError = (error: unknown, finish: () => void) => {
      if (response.headersSent) {
        logUnreportableError(error);
        finish();
        return;
      }
      // The handler's body is dropped: the client gets the error instead of a false success.
      for (const header of BODY_HEADERS) response.removeHeader(header);
      next(middlewareError(error, response));
    };
    const platform = this.httpPlatform.middlewareResponse(request, response, onCommitError);
    const { sessionManager } = this;
    const fail = (error: unknown) => next(middlewareError(error, response));
    sessionManager.attach(request, platform.response, platform.onCommitError).then(
      () => (sessionManager.continuesInCohorts ? continueInCohort(next, fail) : next()),
      fail,
    );
  }
}

/**
 * A failure as the middleware passes it on: the HTTP error, with its status also as `statusCode`
 * (as http-errors has it), for error handlers that read only that one, such as Mercurius' on a
 * GraphQL route, which would otherwise answer a store outage with 200.
 */
function middlewareError(error: unknown, response: SessionResponse): unknown {
  const exception = toHttpException(error, response);
  return exception instanceof HttpException ? Object.assign(exception, { statusCode: exception.getStatus() }) : exception;
}
