import { HttpException } from '@nestjs/common';
import { toHttpException } from '../http-errors.js';

/**
 * A failure as a gateway client should see it. Nest's WebSocket exception filter turns a
 * `WsException` into an `exception` event, and anything else into "Internal server error":
 * HTTP-style errors (401 from SessionGuard, 503/500 from the store) become
 * `{ status: 'error', statusCode, message }`. Other errors pass through unchanged.
 *
 * `@nestjs/websockets` is loaded only here, on a WebSocket path, so HTTP-only applications
 * need not install it.
 */
export async function toWsException(error: unknown): Promise<unknown> {
  const exception = toHttpException(error);
  if (!(exception instanceof HttpException)) return exception;
  const { WsException } = await import('@nestjs/websockets');
  return new WsException({ status: 'error', statusCode: exception.getStatus(), message: exception.message });
}
