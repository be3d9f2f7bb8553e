import type { OutgoingHttpHeaders } from 'node:http';
import type { SessionResponse } from '../../core/http/http-types.js';
import { toHttpException } from '../http-errors.js';

/** The parts of a FastifyReply this adapter uses (no import of fastify: it is not a dependency). */
export interface FastifyReplyLike {
  readonly raw: { readonly headersSent: boolean };
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
  #settleCommit: { resolve: () => void; reject: (error: unknown) => void } | undefined;
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

  /** Fastify writes the headers itself; the core's hook on this call sets the cookie. */
  writeHead(_statusCode: number, _headers?: OutgoingHttpHeaders | string): this {
    return this;
  }

  /** The core calls this once the store write is done (with a body when it replaces the handler's). */
  end(...args: unknown[]): this {
    if (typeof args[0] === 'string') this.#replacementBody = args[0];
    this.#settleCommit?.resolve();
    return this;
  }

  /**
   * The `onCommitError` for sessions attached in a middleware: the failure is thrown from the
   * `onSend` hook, so Nest's exception handling answers (503 with Retry-After when the store
   * is unavailable).
   */
  readonly failCommit = (error: unknown): void => {
    this.#settleCommit?.reject(toHttpException(error, this));
  };

  /** Called by the onSend hook for each `reply.send()` it held while the commit was awaited. */
  noteRepeatedSend(): void {
    this.#isSendRepeated = true;
  }

  /**
   * Commits the session before Fastify sends the reply: the store write (the core's `end`),
   * then the cookie (its `writeHead`). Resolves to the payload to send; rejects with the error
   * to answer with when the store write failed.
   *
   * The first send decides the reply, as the first `end` does on Node: when a later send was
   * held (the handler's second `reply.send()`, Nest's error answer to an error thrown after the
   * send), the status and headers it changed while the store was awaited are undone, unless
   * the core answers with an error body of its own.
   */
  async commitBeforeSend(reply: FastifyReplyLike, payload: unknown): Promise<unknown> {
    this.#reply = reply;
    const headAtSend = { statusCode: reply.statusCode, headers: reply.getHeaders() };
    const committed = new Promise<void>((resolve, reject) => {
      this.#settleCommit = { resolve, reject };
    });
    this.end();
    await committed;
    // An error answer the core chose instead (a replacement body) keeps the head it set.
    if (this.#isSendRepeated && this.#replacementBody === undefined) restoreHeadExceptCookies(reply, headAtSend);
    this.writeHead(reply.statusCode);
    return this.#replacementBody ?? payload;
  }

  #boundReply(): FastifyReplyLike {
    if (!this.#reply) throw new Error('nest-sessions: the Fastify reply is read before onSend bound it');
    return this.#reply;
  }
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
