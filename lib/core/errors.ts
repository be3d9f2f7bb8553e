/**
 * Errors raised by nest-sessions. One class per failure a caller handles differently:
 * bad configuration (fix the options), a store that is down (retry later, 503) and a
 * store that failed otherwise (a bug or corrupted data, 500).
 *
 * Each class is shared by the ESM and the CommonJS build (see shared-across-builds.ts), so
 * `instanceof` holds whichever build threw the error, and is named as exported.
 */
import { sharedClass } from './shared-across-builds.js';

/** An option passed to the session middleware is missing or invalid. Thrown at start-up. */
class LocalSessionOptionsError extends TypeError {
  override name = 'SessionOptionsError';

  constructor(
    /** The option at fault, as the user wrote it (`cookie.sameSite`). */
    readonly option: string,
    problem: string,
  ) {
    super(`nest-sessions: invalid option \`${option}\`: ${problem}`);
  }
}
export const SessionOptionsError: typeof LocalSessionOptionsError = sharedClass('SessionOptionsError', LocalSessionOptionsError);
export type SessionOptionsError = LocalSessionOptionsError;

/** Seconds a client is told to wait (`Retry-After`) before retrying after a 503. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * The session store failed to read, write or delete a session. Maps to HTTP 500. Shaped like
 * an `http-errors` error (`status`, `statusCode`, `expose: false`), so Express's final handler
 * and Nest's default filter answer with the status and never show the message.
 */
class LocalSessionStoreError extends Error {
  override name = 'SessionStoreError';
  /** The HTTP status a web layer should answer with. */
  readonly statusCode: number = 500;
  /** The message names internals (hosts, store replies): not for clients. */
  readonly expose = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** `statusCode` under the name Express's final handler reads first. */
  get status(): number {
    return this.statusCode;
  }
}
export const SessionStoreError: typeof LocalSessionStoreError = sharedClass('SessionStoreError', LocalSessionStoreError);
export type SessionStoreError = LocalSessionStoreError;

/**
 * The session store cannot be reached right now (connection lost, timed out). Maps to
 * HTTP 503: the request may succeed once the store is back.
 */
class LocalSessionStoreUnavailableError extends SessionStoreError {
  override name = 'SessionStoreUnavailableError';
  override readonly statusCode: number = 503;
  /** Headers for the 503 (Express's final handler sends an error's `headers`). */
  readonly headers: Readonly<Record<string, string>> = { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) };
}
export const SessionStoreUnavailableError: typeof LocalSessionStoreUnavailableError = sharedClass('SessionStoreUnavailableError', LocalSessionStoreUnavailableError);
export type SessionStoreUnavailableError = LocalSessionStoreUnavailableError;

/**
 * A session cookie attribute got a value no browser can take, while a request was served: from
 * a `cookie` function's result or from a handler's assignment to `session.cookie.*`. That
 * request fails (500); the message names the attribute. Invalid static options fail at
 * start-up with `SessionOptionsError` instead.
 */
class LocalSessionCookieError extends TypeError {
  override name = 'SessionCookieError';
  /** The HTTP status a web layer should answer with. */
  readonly statusCode: number = 500;

  constructor(
    /** The attribute at fault (`domain`, `maxAge`…). */
    readonly attribute: string,
    problem: string,
  ) {
    super(`nest-sessions: invalid session cookie \`${attribute}\`: ${problem}`);
  }
}
export const SessionCookieError: typeof LocalSessionCookieError = sharedClass('SessionCookieError', LocalSessionCookieError);
export type SessionCookieError = LocalSessionCookieError;

/** A session method was used in a way that cannot work (reload of a session the store lost). */
class LocalSessionStateError extends Error {
  override name = 'SessionStateError';
}
export const SessionStateError: typeof LocalSessionStateError = sharedClass('SessionStateError', LocalSessionStateError);
export type SessionStateError = LocalSessionStateError;

/** Store failures reach callers typed: unavailable (503) stays so, anything else becomes a 500. */
export function toStoreError(error: unknown, action: string): SessionStoreError {
  if (error instanceof SessionStoreError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new SessionStoreError(`nest-sessions: the session store failed to ${action}: ${reason}`, { cause: error });
}
