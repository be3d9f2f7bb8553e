import type { EventEmitter } from 'node:events';
import { SessionStoreUnavailableError } from '../errors.js';

/** How the store and its backend are named in the log and in errors: `RedisStore`, `Redis`. */
export interface StoreNames {
  readonly store: string;
  readonly backend: string;
}

/**
 * Whether a store's backend can be reached, as its client reports it. Each change is emitted on
 * the store (`'disconnect'`, `'connect'`: the session middleware follows them) and logged once;
 * while the connection is down every call fails at once with a 503 naming the last error,
 * instead of waiting for a client that cannot answer.
 */
export class StoreConnectionState {
  #isConnected: boolean;
  #lastError: Error | undefined;

  constructor(
    private readonly store: EventEmitter,
    private readonly names: StoreNames,
    isConnected: boolean,
    /** Where the changes are logged; read at each change, so the store may swap its logger. */
    private readonly log: (message: string) => void,
  ) {
    this.#isConnected = isConnected;
  }

  get isConnected(): boolean {
    return this.#isConnected;
  }

  /** Keeps the client's latest error for the messages (the change is logged by `setConnected`). */
  recordError(error: Error): void {
    this.#lastError = error;
  }

  setConnected(isConnected: boolean): void {
    if (this.#isConnected === isConnected) return;
    this.#isConnected = isConnected;
    const { store, backend } = this.names;
    if (isConnected) {
      this.#lastError = undefined;
      this.log(`nest-sessions: ${store} reconnected to ${backend}; sessions are available again`);
      this.store.emit('connect');
    } else {
      const reason = this.#lastError ? ` (${this.#lastError.message})` : '';
      this.log(`nest-sessions: ${store} lost its connection to ${backend}${reason}; requests needing a session answer 503 until it is back`);
      this.store.emit('disconnect');
    }
  }

  /** The error a call fails with at once while the connection is down; `undefined` while it is up. */
  unavailableError(action: string): SessionStoreUnavailableError | undefined {
    if (this.#isConnected) return undefined;
    const reason = this.#lastError ? `: ${this.#lastError.message}` : '';
    return new SessionStoreUnavailableError(`nest-sessions: ${this.names.backend} is unavailable (connection lost${reason}), could not ${action}`);
  }
}
