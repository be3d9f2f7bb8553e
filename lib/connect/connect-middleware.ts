import type { SessionRequest, SessionResponse } from '../core/http/http-types.js';
import { continueInCohort } from '../core/lifecycle/request-cohort.js';
import { emitOptionsWarning } from '../core/options/options-warning.js';
import { resolveSessionOptions, unknownOptionNames } from '../core/options/resolve-options.js';
import { SessionManager } from '../core/management/session-manager.js';
import type { SessionOptions } from '../core/options/session-options.js';
import { MemoryStore } from '../stores/memory/memory-store.js';

/**
 * The core as a plain `(req, res, next)` middleware for Express/connect apps outside Nest (and
 * for side-by-side comparisons with express-session). Without a `store`, sessions go to a new
 * `MemoryStore`, as with SessionModule. Options are checked as SessionModule checks them: a
 * wrong one throws `SessionOptionsError` naming it. A failure committing the session goes to
 * `next(error)` while the head is unsent (store errors carry `status`, `expose: false` and, for
 * 503, `headers` with `Retry-After`, which Express's final handler uses).
 */
export function createSessionMiddleware(
  options: SessionOptions,
): (request: SessionRequest, response: SessionResponse, next: (error?: unknown) => void) => void {
  const resolved = resolveSessionOptions(options);
  const unknownNames = unknownOptionNames(options);
  if (unknownNames.length > 0) emitOptionsWarning(`nest-sessions: unknown option(s) ignored: ${unknownNames.join(', ')}. Check the spelling.`);
  const sessionManager = new SessionManager(resolved, resolved.store ?? new MemoryStore());
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
      .then(() => (sessionManager.continuesInCohorts ? continueInCohort(next, next) : next()), next);
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
