import { HttpException, InternalServerErrorException, Logger, ServiceUnavailableException } from '@nestjs/common';
import { STORE_RETRY_AFTER_SECONDS, SessionCookieError, SessionStoreError, SessionStoreUnavailableError } from '../core/errors.js';

const logger = new Logger('SessionModule');

/**
 * The part of a response a 503 needs: its `Retry-After` header, while the head is unsent. Node's
 * and Express's responses have `setHeader`; Fastify's reply has `header` and `sent`.
 */
export type RetryableResponse =
  | { readonly headersSent: boolean; setHeader(name: string, value: string): unknown }
  | { readonly sent: boolean; header(name: string, value: string): unknown };

/**
 * A core failure as the HTTP error Nest's exception handling renders: store down → 503,
 * other store failures → 500 with a clear message (the cause is logged, not sent). Errors
 * that already are HttpExceptions, or are unknown, pass through unchanged. Given the
 * response, a 503 also gets its `Retry-After` header.
 */
export function toHttpException(error: unknown, response?: RetryableResponse): unknown {
  if (error instanceof HttpException) return error;
  if (error instanceof SessionStoreUnavailableError) {
    logger.warn(`${error.message}${causeSuffix(error)}`);
    if (response) setRetryAfter(response);
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
export function storeUnavailableException(response?: RetryableResponse): ServiceUnavailableException {
  if (response) setRetryAfter(response);
  return new ServiceUnavailableException('Session store unavailable, try again later');
}

/** Tells the client when a 503 is worth retrying. */
export function setRetryAfter(response: RetryableResponse): void {
  const retryAfter = String(STORE_RETRY_AFTER_SECONDS);
  if ('setHeader' in response) {
    if (!response.headersSent) response.setHeader('Retry-After', retryAfter);
  } else if (!response.sent) {
    response.header('Retry-After', retryAfter);
  }
}

function causeSuffix(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && !error.message.includes(cause.message) ? ` (cause: ${cause.message})` : '';
}

/** Logs a failure that can no longer reach the client (the response was already under way). */
export function logUnreportableError(error: unknown): void {
  logger.error(
    `nest-sessions: the session could not be committed after the response had started: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/**
 * Answers with the error's status and Nest's default JSON body, for a save that failed where no
 * `next` is at hand (a route the middleware was excluded from). Used only before headers are sent.
 */
export function replyWithHttpError(
  response: { headersSent: boolean; statusCode: number; setHeader(name: string, value: string): unknown; removeHeader(name: string): void },
  error: unknown,
  finish: (body: string) => void,
): void {
  const exception = toHttpException(error, response);
  if (!(exception instanceof HttpException)) {
    logger.error(`nest-sessions: the session could not be committed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const httpException = exception instanceof HttpException ? exception : new InternalServerErrorException();
  const body = JSON.stringify(httpException.getResponse());
  response.statusCode = httpException.getStatus();
  response.removeHeader('etag');
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.setHeader('content-length', String(Buffer.byteLength(body)));
  finish(body);
}
