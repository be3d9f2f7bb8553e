import type { SessionResponse } from './http-types.js';
import { moveWriteHeadHeaders, restoreResponseHead, snapshotResponseHead } from './response-head.js';
import type { ResponseHeadSnapshot } from './response-head.js';
import type { SessionLifecycle } from './session-lifecycle.js';

/**
 * Called when committing the session at the end of the response failed: the store write, or
 * building the cookie. `finish()` ends the response as the handler meant to; while
 * `headersSent` is false a web layer may instead answer with an error, either through its own
 * error handling or with `finish(errorBody)`, which replaces the body. Called at most once per
 * response, never synchronously from inside the handler's `res.end()`.
 */
export type CommitErrorHandler = (error: unknown, finish: (replacementBody?: string) => void) => void;

/**
 * Hooks the response so the session is committed at the right moments: the store write when
 * the handler ends the response, then the cookie, then the real end. Unlike express-session,
 * no byte (and no header) is sent before the store has answered, so a failed save can still
 * become an error response, and a session the store turned out not to have gets no cookie.
 * A handler that writes its head itself (streaming) gets the cookie then, as on-headers does.
 *
 * Every failure in these steps, synchronous or not, goes to `onCommitError`: none escapes as
 * an exception from `res.end()` or as an unhandled rejection, and the response always ends.
 */
export function hookResponse(
  response: SessionResponse,
  lifecycle: SessionLifecycle,
  onCommitError: CommitErrorHandler,
): void {
  const originalWriteHead = response.writeHead;
  const originalEnd = response.end;
  let areHeadersHandled = false;
  /** Setting the cookie failed inside a head the handler wrote itself; reported at the end. */
  let headerError: unknown;
  /** The arguments of the first `end` call: the response the handler meant to send. */
  let endArgs: unknown[] | undefined;
  /** The head as the first `end` left it, while the store is being waited for. */
  let headAtEnd: ResponseHeadSnapshot | undefined;

  response.writeHead = function writeHeadWithSessionCookie(this: SessionResponse, ...args: unknown[]) {
    if (!areHeadersHandled) {
      // Headers passed here would replace the session's Set-Cookie: they join the others first.
      args = moveWriteHeadHeaders(this, args);
      areHeadersHandled = true;
      try {
        lifecycle.beforeHeaders(this);
      } catch (error) {
        // The head is going out now: it goes without the cookie, the error is reported at the end.
        lifecycle.abandon();
        headerError = error;
      }
    }
    return (originalWriteHead as (...a: unknown[]) => unknown).apply(this, args);
  } as SessionResponse['writeHead'];

  response.end = function endAfterSessionCommit(this: SessionResponse, ...args: unknown[]) {
    if (endArgs !== undefined) {
      // As in Node, the first `end` decides the response: whatever a later writer (a second
      // res.send, an error filter) changed in the head since is undone, or its Content-Length
      // would go out with the first body.
      if (headAtEnd) restoreResponseHead(this, headAtEnd);
      return this;
    }
    endArgs = args;
    let commit: Promise<void> | undefined;
    try {
      if (headerError !== undefined) throw headerError;
      commit = lifecycle.beforeEnd();
      if (commit === undefined && !areHeadersHandled) {
        areHeadersHandled = true;
        lifecycle.beforeHeaders(this);
      }
    } catch (error) {
      commit = Promise.reject(error);
    }
    if (commit === undefined) return originalEnd.apply(this, args);

    // Waiting for the store: the steps below exist only for responses that wait.
    headAtEnd = snapshotResponseHead(this);
    let isFinished = false;
    const finish = (replacementBody?: string) => {
      if (isFinished) return;
      isFinished = true;
      try {
        originalEnd.apply(response, replacementBody === undefined ? args : [replacementBody]);
      } catch {
        // The response cannot be completed (a body Node refuses): close it rather than leave it open.
        response.destroy?.();
      }
    };
    const fail = (error: unknown) => {
      headAtEnd = undefined;
      lifecycle.abandon();
      response.end = originalEnd;
      try {
        onCommitError(error, finish);
      } catch {
        // An error handler that throws must not leave the client waiting.
        if (!response.headersSent) response.statusCode = 500;
        finish();
      }
    };
    commit.then(() => {
      headAtEnd = undefined;
      if (!areHeadersHandled) {
        areHeadersHandled = true;
        try {
          lifecycle.beforeHeaders(response);
        } catch (error) {
          fail(error);
          return;
        }
      }
      finish();
    }, fail);
    return this;
  };
}
