import { HttpException, InternalServerErrorException, Logger, ServiceUnavailableException } from '@nestjs/common';
import { SessionCookieError, SessionStoreError, SessionStoreUnavailableError } from '../core/errors.js';

const logger = new Logger('SessionModule');

/**
 * A core failure as the HTTP error Nest's exception handling renders: store down → 503,
 * other store failures → 500 with a clear message (the cause is logged, not sent). Errors
 * that already are HttpExceptions, or are unknown, pass through unchanged.
 */
export function toHttpException(error: unknown): unknown {
  if (error instanceof HttpException) return error;
  if (error instanceof SessionStoreUnavailableError) {
    logger.warn(`${error.message}${causeSuffix(error)}`);
    // `description` spelled out: Nest 11 drops the body's `error` field when options are passed.
    return new ServiceUnavailableException('Session store unavailable, try again later', {
      cause: error,
      description: 'Service Unavailable',
    });
  }
  if (error instanceof SessionCookieError) {
    // The attribute is named; its value (perhaps from a request header) only goes to the log.
    logger.error(error.message, error.stack);
    return new InternalServerErrorException(`Invalid session cookie attribute: ${error.attribute}`, {
      cause: error,
      description: 'Internal Server Error',
    });
  }
  if (error instanceof SessionStoreError) {
    logger.error(`${error.message}${causeSuffix(error)}`, error.stack);
    return new InternalServerErrorException('Session store error', { cause: error, description: 'Internal Server Error' });
  }
  return error;
}

/** The 503 for a route that needs a session while the store is disconnected. */
export function storeUnavailableException(): ServiceUnavailableException {
  return new ServiceUnavailableException('Session store unavailable, try again later');
}

function causeSuffix(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && !error.message.includes(cause.message) ? ` (cause: ${cause.message})` : '';
}

/** Logs a failure that can no longer reach the client (the response was already under way). */
export function logUnreportableError(error: unknown): void {
  logger.error(
    `nest-sessions: the session could not be saved after the response had started: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/**
 * Answers with the error's status and Nest's default JSON body, for a save that failed where no
 * `next` is at hand (a route the middleware was excluded from). Used only before headers are sent.
 */
export function replyWithHttpError(
  response: { statusCode: number; setHeader(name: string, value: string): unknown; removeHeader(name: string): void },
  error: unknown,
  finish: (body: string) => void,
): void {
  const exception = toHttpException(error);
  const httpException = exception instanceof HttpException ? exception : new InternalServerErrorException();
  const body = JSON.stringify(httpException.getResponse());
  response.statusCode = httpException.getStatus();
  response.removeHeader('etag');
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.setHeader('content-length', String(Buffer.byteLength(body)));
  finish(body);
}
