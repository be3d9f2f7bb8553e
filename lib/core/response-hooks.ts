import type { SessionResponse } from './http-types.js';
import type { SessionLifecycle } from './session-lifecycle.js';

/**
 * Called when saving at the end of the response failed. `finish()` ends the response as the
 * handler meant to; while `headersSent` is false a web layer may instead answer with an error,
 * either through its own error handling or with `finish(errorBody)`, which replaces the body.
 */
export type CommitErrorHandler = (error: unknown, finish: (replacementBody?: string) => void) => void;

/**
 * Hooks the response so the session is committed at the right moments: the cookie just
 * before the headers are written (as on-headers does for express-session), the store write
 * before the response is finished. Unlike express-session, no byte of the body is sent
 * before the store has answered, so a failed save can still become an error response.
 */
export function hookResponse(
  response: SessionResponse,
  lifecycle: SessionLifecycle,
  onCommitError: CommitErrorHandler,
): void {
  const originalWriteHead = response.writeHead;
  const originalEnd = response.end;
  let areHeadersHandled = false;
  let isEnding = false;

  response.writeHead = function writeHeadWithSessionCookie(this: SessionResponse, ...args: unknown[]) {
    if (!areHeadersHandled) {
      areHeadersHandled = true;
      lifecycle.beforeHeaders(response);
    }
    return (originalWriteHead as (...a: unknown[]) => unknown).apply(this, args);
  } as SessionResponse['writeHead'];

  response.end = function endAfterSessionCommit(this: SessionResponse, ...args: unknown[]) {
    if (isEnding) return this;
    isEnding = true;
    let commit: Promise<void> | undefined;
    try {
      commit = lifecycle.beforeEnd();
    } catch (error) {
      commit = Promise.reject(error);
    }
    if (!commit) return originalEnd.apply(this, args);
    const finish = (replacementBody?: string) => {
      originalEnd.apply(response, replacementBody === undefined ? args : [replacementBody]);
    };
    commit.then(() => finish(), (error: unknown) => {
      lifecycle.abandon();
      response.end = originalEnd;
      onCommitError(error, finish);
    });
    return this;
  };
}
