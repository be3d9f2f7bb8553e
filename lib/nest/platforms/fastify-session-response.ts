import type { OutgoingHttpHeaders } from 'node:http';
import type { SessionResponse } from '../../core/http/http-types.js';
import { withSetCookie } from '../../core/transport/session-cookie-header.js';
import { toHttpException } from '../http-errors.js';

/** The parts of a FastifyReply this adapter uses (no import of fastify: it is not a dependency). */
export interface FastifyReplyLike {
  readonly raw: { readonly headersSent: boolean; hasHeader(name: string): boolean };
  statusCode: number;
  code(statusCode: number): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  getHeaders(): OutgoingHttpHeaders;
  header(name: string, value: unknown): unknown;
  removeHeader(name: string): unknown;
}

/**
 * A Fastify reply as the core's `SessionResponse`. Fastify writes the headers (`writeHead`)
 * before it ends the raw response, so hooking the raw response would commit the session after
 * the headers: too late to set the cookie of a store write that failed, or to answer 503
 * instead. The core hooks this object's `end` and `writeHead` instead, and Fastify's `onSend`
 * hook calls them (`commitBeforeSend`) while the reply can still change: first the store
 * write, then the cookie, in the order the core follows on Express. It has no `getHeaders`: the
 * core's head snapshot for a repeated `end` is not needed, `commitBeforeSend` keeps the head itself.
 */
export class FastifySessionResponse implements SessionResponse {
  #reply: FastifyReplyLike | undefined;
  /** A body the core chose instead of the handler's (an error answer of a failed save). */
  #replacementBody: string | undefined;
  /** Told once the store write is done, while `commitBeforeSend` waits for it. */
  #whenCommitted: ((error: unknown) => void) | undefined;
  /** Whether the commit ended before `commitBeforeSend` began to wait (the MemoryStore's), and its error. */
  #hasSettledEarly = false;
  #earlyError: unknown;
  /** Whether something sent again while the commit was awaited (see `commitBeforeSend`). */
  #isSendRepeated = false;

  get headersSent(): boolean {
    return this.#reply?.raw.headersSent ?? false;
  }

  get statusCode(): number {
    return this.#boundReply().statusCode;
  }

  set statusCode(statusCode: number) {
    this.#boundReply().code(statusCode);
  }

  getHeader(name: string): number | string | string[] | undefined {
    return this.#boundReply().getHeader(name);
  }

  setHeader(name: string, value: number | string | readonly string[]): this {
    // Fastify appends to an existing Set-Cookie; the core passes the full list, so replace.
    const reply = this.#boundReply();
    reply.removeHeader(name);
    reply.header(name, value);
    return this;
  }

  removeHeader(name: string): void {
    this.#boundReply().removeHeader(name);
  }

  /**
   * Fastify's `header('set-cookie', …)` appends to the cookies the reply holds: no read of the
   * header and no `removeHeader`, whose `delete` leaves the reply's headers in dictionary mode.
   * A cookie set on the raw response (`reply.raw.setHeader`) would be replaced by Fastify's
   * own at `writeHead`, so then the whole list is set as before.
   */
  appendSetCookie(setCookieValue: string): void {
    const reply = this.#boundReply();
    if (!reply.raw.hasHeader('set-cookie')) {
      reply.header('set-cookie', setCookieValue);
      return;
    }
    this.setHeader('set-cookie', withSetCookie(reply.getHeader('set-cookie'), setCookieValue));
  }

  /** Fastify writes the headers itself; the core's hook on this call sets the cookie. */
  writeHead(_statusCode: number, _headers?: OutgoingHttpHeaders | string): this {
    return this;
  }

  /** The core calls this once the store write is done (with a body when it replaces the handler's). */
  end(...args: unknown[]): this {
    if (typeof args[0] === 'string') this.#replacementBody = args[0];
    this.#settle(undefined);
    return this;
  }

  /**
   * The `onCommitError` for sessions attached in a middleware: the failure is thrown from the
   * `onSend` hook, so Nest's exception handling answers (503 with Retry-After when the store
   * is unavailable).
   */
  readonly failCommit = (error: unknown): void => {
    this.#settle(toHttpException(error, this));
  };

  /**
   * Commits the session before Fastify sends the reply: the store write (the core's `end`),
   * then the cookie (its `writeHead`). `done` (Fastify's onSend callback) gets the payload to
   * send, or the error to answer with when the store write failed: at once when the store
   * answered at once (the MemoryStore), else when it does.
   *
   * The first send decides the reply, as the first `end` does on Node: when a later send was
   * held while the store was awaited (the handler's second `reply.send()`, Nest's error answer
   * to an error thrown after the send), the status and headers it changed are undone, unless
   * the core answers with an error body of its own.
   */
  commitBeforeSend(reply: FastifyReplyLike, payload: unknown, done: CommitListener): void {
    this.#reply = reply;
    this.end();
    if (this.#hasSettledEarly) return this.#send(payload, this.#earlyError, done);
    // Nothing has run since the send: the head is still the one it left.
    const headAtSend = { statusCode: reply.statusCode, headers: reply.getHeaders() };
    const releaseSends = holdFurtherSends(reply, this);
    this.#whenCommitted = (error) => {
      releaseSends();
      // An error answer the core chose instead (a replacement body) keeps the head it set.
      if (error === undefined && this.#isSendRepeated && this.#replacementBody === undefined) restoreHeadExceptCookies(reply, headAtSend);
      this.#send(payload, error, done);
    };
  }

  /** Called by the onSend hook's hold for each `reply.send()` it ignored while the commit was awaited. */
  noteRepeatedSend(): void {
    this.#isSendRepeated = true;
  }

  #settle(error: unknown): void {
    const whenCommitted = this.#whenCommitted;
    if (whenCommitted === undefined) {
      this.#hasSettledEarly = true;
      this.#earlyError = error;
      return;
    }
    this.#whenCommitted = undefined;
    whenCommitted(error);
  }

  #send(payload: unknown, error: unknown, done: CommitListener): void {
    if (error !== undefined) return done(error as Error);
    this.writeHead(this.#boundReply().statusCode);
    done(null, this.#replacementBody ?? payload);
  }

  #boundReply(): FastifyReplyLike {
    if (!this.#reply) throw new Error('nest-sessions: the Fastify reply is read before onSend bound it');
    return this.#reply;
  }
}

/** Fastify's onSend callback: the error to answer with, or the payload to send. */
export type CommitListener = (error: Error | null, payload?: unknown) => void;

/**
 * Ignores `reply.send()` until the returned function is called. Fastify sends again when an
 * async handler that called `reply.send()` resolves while an onSend hook is still waiting (its
 * "return reply" rule, which Nest 11's `@Redirect()` and `@Res()` routes do not follow): that
 * second send would write the response before the session is committed, then fail. A send
 * held this way (that one, the handler's own second send, Nest's error answer to an error
 * thrown after the send) is told to the session response, which then keeps the first reply.
 */
function holdFurtherSends(reply: FastifyReplyLike, sessionResponse: FastifySessionResponse): () => void {
  const heldReply = reply as FastifyReplyLike & { send: unknown };
  const send = heldReply.send;
  heldReply.send = function heldSend(this: unknown): unknown {
    sessionResponse.noteRepeatedSend();
    return this;
  };
  return () => {
    // Assigned back rather than deleted: a delete would slow every later access to the reply.
    heldReply.send = send;
  };
}

/**
 * Puts the reply's status and headers back as `head` had them, except Set-Cookie: by now it
 * holds the session's cookie beside the handler's (only a cookie added by a late writer is kept).
 */
function restoreHeadExceptCookies(reply: FastifyReplyLike, head: { statusCode: number; headers: OutgoingHttpHeaders }): void {
  if (reply.statusCode !== head.statusCode) reply.code(head.statusCode);
  for (const name of Object.keys(reply.getHeaders())) {
    if (name !== 'set-cookie' && !(name in head.headers)) reply.removeHeader(name);
  }
  for (const [name, value] of Object.entries(head.headers)) {
    if (name !== 'set-cookie' && value !== undefined && reply.getHeader(name) !== value) reply.header(name, value);
  }
}
