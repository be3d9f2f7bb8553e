import type { SessionRequest, SessionResponse } from './http-types.js';
import { emitOptionsWarning, resolveSessionOptions, unknownOptionNames } from './resolve-options.js';
import { SessionManager } from './session-manager.js';
import type { SessionOptions } from './session-options.js';
import type { SessionStore } from './session-store.js';

/**
 * The core as a plain `(req, res, next)` middleware for Express/connect apps outside Nest (and
 * for side-by-side comparisons with express-session). `store` is required here: the default
 * MemoryStore is chosen by SessionModule. A failure committing the session goes to `next(error)`
 * while the head is unsent (store errors carry `status`, `expose: false` and, for 503,
 * `headers` with `Retry-After`, which Express's final handler uses).
 */
export function createSessionMiddleware(
  options: SessionOptions & { store: SessionStore | NonNullable<SessionOptions['store']> },
): (request: SessionRequest, response: SessionResponse, next: (error?: unknown) => void) => void {
  const resolved = resolveSessionOptions(options);
  const unknownNames = unknownOptionNames(options);
  if (unknownNames.length > 0) emitOptionsWarning(`nest-sessions: unknown option(s) ignored: ${unknownNames.join(', ')}. Check the spelling.`);
  const sessionManager = new SessionManager(resolved, resolved.store!);
  return (request, response, next) => {
    sessionManager
      .attach(request, response, (error, finish) => {
        if (!response.headersSent) {
          next(error);
          return;
        }
        // Too late for an error response: the response completes, and the error is logged once.
        console.error(`nest-sessions: the session could not be committed after the response had started: ${describe(error)}`);
        finish();
      })
      .then(() => next(), next);
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
