import type { EventEmitter } from 'node:events';
import { SessionStoreError, SessionStoreUnavailableError } from '../../core/errors.js';

/** Where a SQL store reports connection changes and unreadable rows. `console` fits. */
export interface SqlStoreLogger {
  warn(message: string, ...details: unknown[]): void;
}

/** How a driver's failure counts: the database is out of reach, busy for now, or refused the statement. */
export type SqlFailureKind = 'connection' | 'transient' | 'refused';

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
 * connection failure marks the store disconnected (one `disconnect` event and one log line),
 * calls then fail at once, and a probe every `probeIntervalMs` brings it back (`connect`).
 * A driver's pool reconnects on its own: only the store's view needs this.
 */
export class SqlConnectionState {
  #isConnected = true;
  #lastFailure: string | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #isClosed = false;

  constructor(private readonly settings: SqlConnectionSettings) {}

  get isConnected(): boolean {
    return this.#isConnected;
  }

  /** Runs one store call: at once a 503 while disconnected, else within the deadline, failures typed. */
  run<T>(action: string, call: () => Promise<T>): Promise<T> {
    const { databaseName, deadlineMs } = this.settings;
    if (!this.#isConnected) {
      const reason = this.#lastFailure ? ` (${this.#lastFailure})` : '';
      return Promise.reject(new SessionStoreUnavailableError(`nest-sessions: ${databaseName} is unavailable${reason}, could not ${action}`));
    }
    // The statement is not cancelled: a late write is harmless (guarded writes), its outcome dropped.
    const timedOut = () => new SessionStoreUnavailableError(`nest-sessions: ${databaseName} is unavailable, could not ${action}: no answer within ${deadlineMs} ms`);
    return settledWithin(call(), deadlineMs, timedOut).then(undefined, (error: unknown) => {
      throw this.toStoreError(error, action);
    });
  }

  /** A driver's failure as a store error; a connection failure also marks the store disconnected. */
  toStoreError(error: unknown, action: string): SessionStoreError {
    if (error instanceof SessionStoreError) return error;
    const { databaseName } = this.settings;
    const reason = error instanceof Error ? error.message : String(error);
    const kind = this.settings.classify(error);
    if (kind === 'refused') return new SessionStoreError(`nest-sessions: ${databaseName} refused to ${action}: ${reason}`, { cause: error });
    if (kind === 'connection') this.markDisconnected(reason);
    return new SessionStoreUnavailableError(`nest-sessions: ${databaseName} is unavailable, could not ${action}: ${reason}`, { cause: error });
  }

  /** The database is out of reach (a failed call, or the pool's `error` event): probe until it answers. */
  markDisconnected(reason: string): void {
    this.#lastFailure = reason;
    if (!this.#isConnected || this.#isClosed) return;
    this.#isConnected = false;
    const { storeName, databaseName } = this.settings;
    this.settings.logger().warn(`nest-sessions: ${storeName} lost its connection to ${databaseName} (${reason}); requests needing a session answer 503 until it is back`);
    this.settings.events.emit('disconnect');
    this.#scheduleProbe();
  }

  /** Stops probing (application shutdown). */
  close(): void {
    this.#isClosed = true;
    clearTimeout(this.#probeTimer);
  }

  #scheduleProbe(): void {
    const { probeIntervalMs, deadlineMs } = this.settings;
    this.#probeTimer = setTimeout(async () => {
      if (this.#isClosed) return;
      try {
        await settledWithin(this.settings.probe(), deadlineMs, () => new Error(`no answer within ${deadlineMs} ms`));
      } catch (error) {
        this.#lastFailure = error instanceof Error ? error.message : String(error);
        this.#scheduleProbe();
        return;
      }
      this.#markConnected();
    }, probeIntervalMs);
    this.#probeTimer.unref();
  }

  #markConnected(): void {
    if (this.#isConnected || this.#isClosed) return;
    this.#isConnected = true;
    this.#lastFailure = undefined;
    const { storeName, databaseName } = this.settings;
    this.settings.logger().warn(`nest-sessions: ${storeName} reconnected to ${databaseName}; sessions are available again`);
    this.settings.events.emit('connect');
  }
}

/** `pending`, or the error `timedOut` makes once `timeoutMs` have passed, whichever comes first. */
function settledWithin<T>(pending: Promise<T>, timeoutMs: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), timeoutMs);
  });
  return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
}
