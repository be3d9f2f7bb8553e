/**
 * Errors raised by nest-sessions. One class per failure a caller handles differently:
 * bad configuration (fix the options), a store that is down (retry later, 503) and a
 * store that failed otherwise (a bug or corrupted data, 500).
 */

/** An option passed to the session middleware is missing or invalid. Thrown at start-up. */
export class SessionOptionsError extends TypeError {
  override name = 'SessionOptionsError';

  constructor(
    /** The option at fault, as the user wrote it (`cookie.sameSite`). */
    readonly option: string,
    problem: string,
  ) {
    super(`nest-sessions: invalid option \`${option}\`: ${problem}`);
  }
}

/** Seconds a client is told to wait (`Retry-After`) before retrying after a 503. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * The session store failed to read, write or delete a session. Maps to HTTP 500. Shaped like
 * an `http-errors` error (`status`, `statusCode`, `expose: false`), so Express's final handler
 * and Nest's default filter answer with the status and never show the message.
 */
export class SessionStoreError extends Error {
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

/**
 * The session store cannot be reached right now (connection lost, timed out). Maps to
 * HTTP 503: the request may succeed once the store is back.
 */
export class SessionStoreUnavailableError extends SessionStoreError {
  override name = 'SessionStoreUnavailableError';
  override readonly statusCode: number = 503;
  /** Headers for the 503 (Express's final handler sends an error's `headers`). */
  readonly headers: Readonly<Record<string, string>> = { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) };
}

/** A session method was used in a way that cannot work (reload of a session the store lost). */
export class SessionStateError extends Error {
  override name = 'SessionStateError';
}

/** Store failures reach callers typed: unavailable (503) stays so, anything else becomes a 500. */
export function toStoreError(error: unknown, action: string): SessionStoreError {
  if (error instanceof SessionStoreError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new SessionStoreError(`nest-sessions: the session store failed to ${action}: ${reason}`, { cause: error });
}
