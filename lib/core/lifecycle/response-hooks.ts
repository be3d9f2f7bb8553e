import type { SessionResponse } from '../http/http-types.js';
import { moveWriteHeadHeaders, restoreResponseHead, snapshotResponseHead } from '../http/response-head.js';
import type { ResponseHeadSnapshot } from '../http/response-head.js';
import type { SessionLifecycle } from './session-lifecycle.js';
import { applicationHookBase, commitByResponse } from '../http/express/application-response-hooks.js';
import type { ResponseCommitHooks } from '../http/express/application-response-hooks.js';

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
 *
 * Where the hooks live: on an Express application's response prototype, installed once
 * (application-response-hooks.ts), when nothing has wrapped this response's `writeHead`/`end`
 * yet, so that the hooks are the first thing in the chain either way; otherwise, as own
 * properties of this response wrapping what is there, as express-session does. Later
 * wrappers (middleware after the session's) wrap the hooks in both cases.
 */
export function hookResponse(
  response: SessionResponse,
  lifecycle: SessionLifecycle,
  onCommitError: CommitErrorHandler,
): void {
  const baseMethods = applicationHookBase(response);
  if (baseMethods !== undefined) {
    const commit = new ResponseCommit(lifecycle, onCommitError, baseMethods.writeHead, baseMethods.end, forgetCommit);
    commitByResponse.set(response, commit);
    return;
  }
  const commit = new ResponseCommit(lifecycle, onCommitError, response.writeHead, response.end);
  response.writeHead = function writeHeadWithSessionCookie(this: SessionResponse, ...args: unknown[]) {
    return commit.writeHead(this, args);
  } as SessionResponse['writeHead'];
  response.end = function endAfterSessionCommit(this: SessionResponse, ...args: unknown[]) {
    return commit.end(this, args);
  };
}

/**
 * A finished response's commit leaves the WeakMap at once: kept there until the response is
 * collected, it would keep the request's whole session graph alive through young-generation
 * collections.
 */
function forgetCommit(response: SessionResponse): void {
  commitByResponse.delete(response);
}

/** The steps of one response's commit, whichever way the response is hooked. */
export class ResponseCommit implements ResponseCommitHooks {
  #areHeadersHandled = false;
  /** Setting the cookie failed inside a head the handler wrote itself; reported at the end. */
  #headerError: unknown;
  /** The arguments of the first `end` call: the response the handler meant to send. */
  #endArgs: unknown[] | undefined;
  /** The head as the first `end` left it, while the store is being waited for. */
  #headAtEnd: ResponseHeadSnapshot | undefined;
  /** After a failed commit every call goes straight through: the error answer is the web layer's. */
  #isBypassed = false;

  constructor(
    private readonly lifecycle: SessionLifecycle,
    private readonly onCommitError: CommitErrorHandler,
    private readonly originalWriteHead: SessionResponse['writeHead'],
    private readonly originalEnd: SessionResponse['end'],
    /**
     * Called once the response no longer needs the commit (it has ended, or a failed commit
     * handed it to the web layer): later calls then go straight to the original methods.
     */
    private readonly onSettled?: (response: SessionResponse) => void,
  ) {}

  writeHead(response: SessionResponse, args: unknown[]): unknown {
    if (!this.#areHeadersHandled && !this.#isBypassed) {
      // Headers passed here would replace the session's Set-Cookie: they join the others first.
      args = moveWriteHeadHeaders(response, args);
      this.#areHeadersHandled = true;
      try {
        this.lifecycle.writeSessionId(response);
      } catch (error) {
        // The head is going out now: it goes without the cookie, the error is reported at the end.
        this.lifecycle.abandon();
        this.#headerError = error;
      }
    }
    return (this.originalWriteHead as (...a: unknown[]) => unknown).apply(response, args);
  }

  end(response: SessionResponse, args: unknown[]): unknown {
    if (this.#isBypassed) return this.originalEnd.apply(response, args);
    if (this.#endArgs !== undefined) {
      // As in Node, the first `end` decides the response: whatever a later writer (a second
      // res.send, an error filter) changed in the head since is undone, or its Content-Length
      // would go out with the first body.
      if (this.#headAtEnd) restoreResponseHead(response, this.#headAtEnd);
      return response;
    }
    this.#endArgs = args;
    const statusCode = response.statusCode;
    let commit: Promise<void> | undefined;
    try {
      if (this.#headerError !== undefined) throw this.#headerError;
      commit = this.lifecycle.commitAtEnd(statusCode);
      if (commit === undefined && !this.#areHeadersHandled) {
        this.#areHeadersHandled = true;
        this.lifecycle.writeSessionIdAfterCommit(response);
      }
    } catch (error) {
      commit = Promise.reject(error);
    }
    if (commit === undefined) {
      this.onSettled?.(response);
      return this.originalEnd.apply(response, args);
    }

    // Waiting for the store: the steps below exist only for responses that wait. A head
    // already sent (a streamed response) cannot change any more: nothing to restore then.
    this.#headAtEnd = response.headersSent ? undefined : snapshotResponseHead(response, statusCode);
    commit.then(
      () => this.#afterCommit(response),
      (error: unknown) => this.#fail(response, error),
    );
    return response;
  }

  #afterCommit(response: SessionResponse): void {
    this.#headAtEnd = undefined;
    if (!this.#areHeadersHandled) {
      this.#areHeadersHandled = true;
      try {
        this.lifecycle.writeSessionId(response);
      } catch (error) {
        this.#fail(response, error);
        return;
      }
    }
    this.onSettled?.(response);
    this.#finish(response);
  }

  #fail(response: SessionResponse, error: unknown): void {
    this.#headAtEnd = undefined;
    this.lifecycle.abandon();
    this.#isBypassed = true;
    this.onSettled?.(response);
    let isFinished = false;
    const finish = (replacementBody?: string) => {
      if (isFinished) return;
      isFinished = true;
      this.#finish(response, replacementBody);
    };
    try {
      this.onCommitError(error, finish);
    } catch {
      // An error handler that throws must not leave the client waiting.
      if (!response.headersSent) response.statusCode = 500;
      finish();
    }
  }

  /** Ends the response as the handler meant to, or with `replacementBody`. */
  #finish(response: SessionResponse, replacementBody?: string): void {
    try {
      this.originalEnd.apply(response, replacementBody === undefined ? this.#endArgs! : [replacementBody]);
    } catch {
      // The response cannot be completed (a body Node refuses): close it rather than leave it open.
      response.destroy?.();
    }
  }
}
