import type { EventEmitter } from 'node:events';
import { SessionStoreError, SessionStoreUnavailableError } from '../../core/errors.js';
import { StoreConnectionState } from '../../core/store/store-connection-state.js';
import { storeCall, withinDeadline } from '../../core/store/store-deadline.js';
import type { StoreBackend } from '../../core/store/store-deadline.js';

/** Where a SQL store reports connection changes and unreadable rows. `console` fits. */
export interface SqlStoreLogger {
  warn(message: string, ...details: unknown[]): void;
}

/** How a driver's failure counts: the database is out of reach, busy for now, or refused the statement. */
export type SqlFailureKind = 'connection' | 'transient' | 'refused';

/** JavaScript's own errors, which a driver throws before anything is sent (a bind value it cannot take): never the network. */
const PROGRAMMING_ERROR_NAMES = new Set(['TypeError', 'RangeError', 'SyntaxError', 'ReferenceError']);

/**
 * Whether a driver's failure is a bug on this side (`undefined` bound as a parameter) rather
 * than a database out of reach: a 500, without marking the store disconnected. By name, so
 * errors of another realm (a test's VM context) count too.
 */
export function isProgrammingError(error: unknown): boolean {
  return error instanceof Object && PROGRAMMING_ERROR_NAMES.has((error as { name?: unknown }).name as string);
}

/** What the connection state needs to know of its store. */
export interface SqlConnectionSettings {
  /** `PostgresStore`, `MySqlStore`: the start of log lines. */
  storeName: string;
  /** `PostgreSQL`, `MySQL`: named in messages. */
  databaseName: string;
  /** Longest wait of one store call, pool queue included. */
  deadlineMs: number;
  /** How long to wait between two probes while the database is out of reach. */
  probeIntervalMs: number;
  /** One cheap statement (`SELECT 1`): resolves once the database answers again. */
  probe(): Promise<unknown>;
  classify(error: unknown): SqlFailureKind;
  /** The emitter of `connect` / `disconnect` (the store). */
  events: EventEmitter;
  logger(): SqlStoreLogger;
}

/**
 * The connection state both SQL stores share: every call runs within the deadline and its
 * failure is typed (503 when the database is out of reach or busy, 500 when it refused); a
 * connection failure marks the store disconnected (one `disconnect` event and one log line,
 * through the store kit's StoreConnectionState), calls then fail at once, and a probe every
 * `probeIntervalMs` brings it back (`connect`). A driver's pool reconnects on its own: only the
 * store's view needs this.
 */
export class SqlConnectionState {
  readonly #state: StoreConnectionState;
  readonly #backend: StoreBackend;
  /** A probe's failure only needs its message (kept for the next 503). */
  readonly #probeBackend: StoreBackend;
  #probeTimer: NodeJS.Timeout | undefined;
  #isClosed = false;

  constructor(private readonly settings: SqlConnectionSettings) {
    const { storeName, databaseName, events } = settings;
    this.#state = new StoreConnectionState(events, { store: storeName, backend: databaseName }, true, (message) => settings.logger().warn(message));
    this.#backend = { name: databaseName, toStoreError: (error, action) => this.toStoreError(error, action) };
    this.#probeBackend = { name: databaseName, toStoreError: (error) => new SessionStoreUnavailableError(asError(error).message, { cause: error }) };
  }

  get isConnected(): boolean {
    return this.#state.isConnected;
  }

  /** Runs one store call: at once a 503 while disconnected, else within the deadline, failures typed. */
  run<T>(action: string, call: () => Promise<T>): Promise<T> {
    const unavailable = this.#state.unavailableError(action);
    if (unavailable) return Promise.reject(unavailable);
    return storeCall(this.#backend, action, call, this.settings.deadlineMs);
  }

  /** A driver's failure as a store error; a connection failure also marks the store disconnected. */
  toStoreError(error: unknown, action: string): SessionStoreError {
    if (error instanceof SessionStoreError) return error;
    const { databaseName } = this.settings;
    const reason = error instanceof Error ? error.message : String(error);
    const kind = this.settings.classify(error);
    if (kind === 'refused') return new SessionStoreError(`nest-sessions: ${databaseName} refused to ${action}: ${reason}`, { cause: error });
    if (kind === 'connection') this.markDisconnected(error);
    return new SessionStoreUnavailableError(`nest-sessions: ${databaseName} is unavailable, could not ${action}: ${reason}`, { cause: error });
  }

  /** The database is out of reach (a failed call, or the pool's `error` event): probe until it answers. */
  markDisconnected(failure: unknown): void {
    this.#state.recordError(asError(failure));
    if (!this.#state.isConnected || this.#isClosed) return;
    this.#state.setConnected(false);
    this.#scheduleProbe();
  }

  /** Stops probing (application shutdown). */
  close(): void {
    this.#isClosed = true;
    clearTimeout(this.#probeTimer);
  }

  #scheduleProbe(): void {
    this.#probeTimer = setTimeout(async () => {
      if (this.#isClosed) return;
      try {
        await withinDeadline(this.settings.probe(), this.settings.deadlineMs, 'answer a probe', this.#probeBackend);
      } catch (error) {
        this.#state.recordError(asError(error));
        this.#scheduleProbe();
        return;
      }
      if (!this.#isClosed) this.#state.setConnected(true);
    }, this.settings.probeIntervalMs);
    this.#probeTimer.unref();
  }
}

function asError(failure: unknown): Error {
  return failure instanceof Error ? failure : new Error(String(failure));
}
