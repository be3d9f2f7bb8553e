import { SessionStoreError } from '../../core/errors.js';
import type { SessionChanges } from '../../core/session/session-changes.js';
import { serializeRecordCookie, serializeSessionRecord } from '../../core/session/session-record.js';
import { isRewritableLoadedText } from '../../core/session/session-changes.js';
import { SessionStore } from '../../core/store/session-store.js';
import type { CompareAndSetOutcome, SessionRecord, StoreWriteOptions } from '../../core/store/session-store.js';
import { SqlConnectionState } from './sql-connection-state.js';
import type { SqlFailureKind, SqlStoreLogger } from './sql-connection-state.js';
import { SqlPruner } from './sql-pruner.js';
import type { SqlPruneStats } from './sql-pruner.js';
import { lifetimeMsOf, parseSessionRow, sessionIdHint, sqlMergeChangesOf } from './sql-session-row.js';
import type { SqlSessionTable } from './sql-session-table.js';
import type { ResolvedSqlStoreOptions } from './sql-store-options.js';

/** While the database is out of reach, the store probes it this often. */
const PROBE_INTERVAL_MS = 1_000;

/** What a SQL store gives the shared implementation. */
export interface SqlStoreSettings {
  /** `PostgresStore`, `MySqlStore`. */
  storeName: string;
  /** `PostgreSQL`, `MySQL`. */
  databaseName: string;
  /** The table as written into SQL. */
  tableName: string;
  table: SqlSessionTable;
  options: ResolvedSqlStoreOptions;
  classify(error: unknown): SqlFailureKind;
}

/**
 * The session store both SQL stores are: every `SessionStore` method on a `SqlSessionTable`,
 * within the deadline and with the connection state (`SqlConnectionState`), the lifetimes
 * (`lifetimeMsOf`), the guarded write modes, unreadable rows dropped, and pruning. A store
 * subclass only builds its table (statements of its database) and its pool.
 */
export abstract class SqlSessionStore extends SessionStore {
  /** The table as written into SQL: quoted, with its schema when one was given. */
  readonly tableName: string;
  protected readonly connection: SqlConnectionState;
  readonly #table: SqlSessionTable;
  readonly #storeName: string;
  readonly #ttlSeconds: number;
  readonly #pruner: SqlPruner;
  #logger: SqlStoreLogger;
  readonly #hasOwnLogger: boolean;
  /**
   * Per record `get` returned, the row's text it was parsed from, for `compareAndSet` and for
   * merges written whole: kept from the start when the table writes whole values of unchanged
   * rows (PostgreSQL), else only from the first `compareAndSet` on (with `encryption`).
   */
  #loadedTexts: WeakMap<SessionRecord, string> | undefined;

  protected constructor(settings: SqlStoreSettings) {
    super();
    const { storeName, table, options } = settings;
    this.tableName = settings.tableName;
    this.#table = table;
    if (table.writesWholeWhenUnchanged) this.#loadedTexts = new WeakMap();
    this.#storeName = storeName;
    this.#ttlSeconds = options.ttlSeconds;
    this.#hasOwnLogger = options.logger !== undefined;
    this.#logger = options.logger ?? console;
    this.connection = new SqlConnectionState({
      storeName,
      databaseName: settings.databaseName,
      deadlineMs: options.statementTimeoutMs,
      probeIntervalMs: PROBE_INTERVAL_MS,
      probe: () => table.probe(),
      classify: settings.classify,
      events: this,
      logger: () => this.#logger,
    });
    this.#pruner = new SqlPruner(options.pruneIntervalMs, { store: storeName, table: this.tableName }, {
      withPruneLock: (prune) => table.withPruneLock(prune),
      onStats: (stats) => this.emit('pruned', stats),
      onError: (error) => this.#logger.warn(`nest-sessions: ${storeName} could not prune expired sessions: ${error instanceof Error ? error.message : String(error)}`),
      isConnected: () => this.connection.isConnected,
    });
    this.#pruner.start();
  }

  /** Sends the store's messages to `logger` unless the `logger` option was given. `SessionModule` calls it with Nest's `Logger`. */
  useDefaultLogger(logger: SqlStoreLogger): void {
    if (!this.#hasOwnLogger) this.#logger = logger;
  }

  /** False from a connection failure until the database answers again; calls then fail at once with a 503 error. */
  override get isConnected(): boolean {
    return this.connection.isConnected;
  }

  /** The live session, or `undefined`. A row that is not a usable session is logged, deleted, and reported as absent. */
  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const text = await this.#run('load the session', () => this.#table.load(sessionId));
    if (text === undefined) return undefined;
    const record = this.#parse(sessionId, text);
    if (record !== undefined) this.#loadedTexts?.set(record, text);
    return record;
  }

  /**
   * Writes `record` if the row still holds the text `get` read `expected` from (one UPDATE; a
   * second statement tells a changed row from a gone one when nothing was written). A record
   * read before the first `compareAndSet` has no text kept: its JSON as this store writes it
   * stands in, and a row another program formatted its own way answers `'changed'` (read
   * again and retry, as for any other write between).
   */
  override async compareAndSet(
    sessionId: string,
    expected: SessionRecord,
    record: SessionRecord,
    options?: Pick<StoreWriteOptions, 'owner'>,
  ): Promise<CompareAndSetOutcome> {
    this.#loadedTexts ??= new WeakMap();
    const expectedText = this.#loadedTexts.get(expected) ?? this.#stringify(expected);
    const table = this.#table;
    const lifetimeMs = lifetimeMsOf(record, this.#ttlSeconds);
    if (lifetimeMs <= 0) return (await this.set(sessionId, record, { mode: 'update' })) ? 'written' : 'gone';
    const sessJson = this.#stringify(record);
    const isWritten = await this.#run('save the session', () => table.compareAndSet(sessionId, expectedText, sessJson, lifetimeMs, options?.owner));
    if (isWritten) return 'written';
    return (await this.#run('check the session id', () => table.isLive(sessionId))) ? 'changed' : 'gone';
  }

  /** Writes within the mode: `'create'` only where no live row has the id, `'update'` only over a live one. */
  async set(sessionId: string, record: SessionRecord, options?: StoreWriteOptions): Promise<boolean> {
    const table = this.#table;
    const mode = options?.mode ?? 'upsert';
    const lifetimeMs = lifetimeMsOf(record, this.#ttlSeconds);
    if (lifetimeMs <= 0) {
      // An expired cookie deletes instead, within the mode: 'create' never deletes a live session.
      if (mode === 'create') return !(await this.#run('check the session id', () => table.isLive(sessionId)));
      const wasLive = await this.#run('delete the expired session', () => table.deleteReportingLive(sessionId));
      return mode === 'upsert' || wasLive;
    }
    const sessJson = this.#stringify(record);
    const owner = options?.owner;
    return this.#run('save the session', async () => {
      if (mode === 'upsert') await table.upsert(sessionId, sessJson, lifetimeMs, owner);
      else return table[mode](sessionId, sessJson, lifetimeMs, owner);
      return true;
    });
  }

  /** One statement applying the request's changes to the stored value: `false` when no live row has the id. */
  override async merge(sessionId: string, record: SessionRecord, changes: SessionChanges, options?: Pick<StoreWriteOptions, 'owner'>): Promise<boolean> {
    const lifetimeMs = lifetimeMsOf(record, this.#ttlSeconds);
    if (lifetimeMs <= 0) return this.set(sessionId, record, { mode: 'update' });
    const cookieJson = serializeRecordCookie(record);
    const mergeChanges = sqlMergeChangesOf(changes);
    const loadedText = changes.baseRecord === undefined ? undefined : this.#loadedTexts?.get(changes.baseRecord);
    if (loadedText !== undefined && this.#table.writesWholeWhenUnchanged && isRewritableLoadedText(loadedText, changes)) {
      mergeChanges.unchangedSinceLoad = { loadedText, wholeJson: this.#stringify(record) };
    }
    const outcome = await this.#run('save the session', () => this.#table.merge(sessionId, lifetimeMs, cookieJson, mergeChanges, options?.owner));
    return outcome === 'write-whole' ? this.set(sessionId, record, { ...options, mode: 'update' }) : outcome;
  }

  override async takeFlashMessages(sessionId: string, messageIds: readonly string[]): Promise<string[] | undefined> {
    return this.#run('read the flash messages', () => this.#table.takeFlashMessages(sessionId, messageIds));
  }

  /** Moves the expiry to the cookie's new one without rewriting the value; `false` when no live row has the id. */
  override async touch(sessionId: string, record: SessionRecord): Promise<boolean> {
    const lifetimeMs = lifetimeMsOf(record, this.#ttlSeconds);
    if (lifetimeMs <= 0) {
      await this.destroy(sessionId);
      return false;
    }
    return this.#run('touch the session', () => this.#table.touch(sessionId, lifetimeMs));
  }

  async destroy(sessionId: string): Promise<void> {
    await this.#run('destroy the session', () => this.#table.destroy(sessionId));
  }

  /** Removes the session and answers it, if it was live, to one caller only. */
  override async take(sessionId: string): Promise<SessionRecord | undefined> {
    const text = await this.#run('take the session', () => this.#table.take(sessionId));
    return text === undefined ? undefined : this.#parse(sessionId, text);
  }

  /** The owner's live sessions, through the index on the owner column. */
  override async ownerSessionIds(ownerId: string): Promise<string[]> {
    return this.#run("list the owner's sessions", () => this.#table.ownerSessionIds(ownerId));
  }

  override async removeFromOwnerIndex(ownerId: string, sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length > 0) await this.#run("update the owner's index", () => this.#table.removeFromOwnerIndex(ownerId, sessionIds));
  }

  /** Every live, readable session, keyed by id. */
  override async all(): Promise<Record<string, SessionRecord>> {
    const rows = await this.#run('list the sessions', () => this.#table.all());
    const sessions: Record<string, SessionRecord> = {};
    for (const [sessionId, text] of rows) {
      const record = this.#parse(sessionId, text);
      if (record) sessions[sessionId] = record;
    }
    return sessions;
  }

  override async ids(): Promise<string[]> {
    return this.#run('list the session ids', () => this.#table.ids());
  }

  override async length(): Promise<number> {
    return this.#run('count the sessions', () => this.#table.length());
  }

  /** Deletes every row of the table. */
  override async clear(): Promise<void> {
    await this.#run('clear the sessions', () => this.#table.clear());
  }

  /** Deletes expired rows now, as the pruning timer does: its statistics, or `undefined` when another instance is pruning. */
  async prune(): Promise<SqlPruneStats | undefined> {
    return this.#pruner.pruneNow();
  }

  /** Resolves once the table is found, or created with its indexes: `SessionModule` waits for it at start-up. */
  override async whenReady(): Promise<void> {
    await this.#table.prepare();
  }

  /** Stops pruning and probing; subclasses release their pool after. */
  override async close(): Promise<void> {
    this.#pruner.stop();
    this.connection.close();
  }

  /** Logs one of the store's warnings through its logger. */
  protected warn(message: string): void {
    this.#logger.warn(message);
  }

  /** Logs a failure to prepare the table at start-up (a missing table or driver), unless it is a lost connection (logged already). */
  protected logStartFailure(error: unknown): void {
    const storeError = this.connection.toStoreError(error, 'prepare its table');
    if (this.connection.isConnected) this.#logger.warn(storeError.message);
  }

  #run<T>(action: string, call: () => Promise<T>): Promise<T> {
    return this.connection.run(action, call);
  }

  #parse(sessionId: string, text: string): SessionRecord | undefined {
    const parsed = parseSessionRow(text);
    if ('record' in parsed) return parsed.record;
    this.#logger.warn(`nest-sessions: ${this.#storeName} ignored and deleted the row of session ${sessionIdHint(sessionId)} because ${parsed.problem}; the request starts a new session`);
    this.#run('delete the unreadable session', () => this.#table.destroyUnreadable(sessionId, text)).catch(() => undefined);
    return undefined;
  }

  #stringify(record: SessionRecord): string {
    try {
      return serializeSessionRecord(record);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SessionStoreError(`nest-sessions: ${this.#storeName} cannot serialize the session: ${reason}`, { cause: error });
    }
  }
}
