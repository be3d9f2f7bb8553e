import { Catch } from '@nestjs/common';
import type { ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { SessionStoreError } from '../core/errors.js';
import type { SessionResponse } from '../core/http/http-types.js';
import { toHttpException } from './http-errors.js';

/**
 * Answers store failures raised inside handlers (`session.destroy()`, `regenerate()`, `save()`,
 * `reload()`, Passport's login) as the middleware answers failed loads: 503 with `Retry-After`
 * when the store is unavailable, 500 otherwise, with Nest's default body and the cause logged.
 * SessionModule registers it globally (`APP_FILTER`); filters the application binds to a
 * controller or route take precedence.
 */
@Catch(SessionStoreError)
export class SessionStoreExceptionFilter extends BaseExceptionFilter {
  override catch(error: SessionStoreError, host: ArgumentsHost): void {
    // Sessions exist only over HTTP here; a gateway's errors never reach global filters.
    if (host.getType() !== 'http') throw error;
    super.catch(toHttpException(error, host.switchToHttp().getResponse<SessionResponse>()), host);
  }
}
