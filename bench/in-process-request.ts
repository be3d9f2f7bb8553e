/**
 * One request through a session middleware without HTTP: an in-memory request/response pair
 * for `GET /counter` carrying a session cookie; the "handler" increments the session's counter
 * (unless `isReadOnly`: it then only reads it) and ends the response. Shared by core-micro.ts,
 * merge-cost.ts and touch-writes.ts.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/** A connect-style middleware (express-session's or ours). */
export type Middleware = (request: never, response: never, next: (error?: unknown) => void) => void;

/** Resolves when the response has finished. */
export function handle(middleware: Middleware, cookieHeader: string, isReadOnly = false): Promise<void> {
  const request = new IncomingMessage(new Socket());
  request.method = 'GET';
  request.url = '/counter';
  request.headers = { cookie: cookieHeader };
  const response = new ServerResponse(request);
  return new Promise((resolve, reject) => {
    // Without a socket 'finish' never comes: the real end() being reached is the finish line.
    const end = response.end;
    response.end = function endAndResolve(this: ServerResponse, ...args: unknown[]) {
      resolve();
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['end'];
    middleware(request as never, response as never, (error) => {
      if (error) return reject(error);
      const session = (request as unknown as { session?: { counter?: number } }).session;
      const counter = session ? (isReadOnly ? session.counter : (session.counter = (session.counter ?? 0) + 1)) : 0;
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify({ counter }));
    });
  });
}
