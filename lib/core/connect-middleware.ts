import type { SessionRequest, SessionResponse } from './http-types.js';
import { emitOptionsWarning, resolveSessionOptions, unknownOptionNames } from './resolve-options.js';
import { SessionManager } from './session-manager.js';
import type { SessionOptions } from './session-options.js';
import type { SessionStore } from './session-store.js';

/**
 * The core as a plain `(req, res, next)` middleware for Express/connect apps outside Nest (and
 * for side-by-side comparisons with express-session). `store` is required here: the default
 * MemoryStore is chosen by SessionModule.
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
        if (response.headersSent) finish();
        else next(error);
      })
      .then(() => next(), next);
  };
}
