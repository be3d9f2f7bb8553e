import { SessionOptionsError, SessionStoreError } from '../../core/errors.js';
import type { SessionChanges } from '../../core/session/session-changes.js';
import { serializeSessionRecord } from '../../core/session/session-record.js';
import { SessionStore } from '../../core/store/session-store.js';
import type { SessionRecord, StoreWriteOptions } from '../../core/store/session-store.js';
import { SqlConnectionState } from '../sql/sql-connection-state.js';
import type { SqlStoreLogger } from '../sql/sql-connection-state.js';
import { validIdentifier } from '../sql/sql-identifier.js';
import { PRUNE_BATCH_ROWS, SqlPruner } from '../sql/sql-pruner.js';
import type { SqlPruneStats } from '../sql/sql-pruner.js';
import { lifetimeMsOf, parseSessionRow, sessionIdHint, sqlMergeChangesOf } from '../sql/sql-session-row.js';
import { resolveSqlStoreOptions } from '../sql/sql-store-options.js';
import { classifyPostgresError } from './postgres-errors.js';
import { PostgresStatements } from './postgres-statements.js';
import type { Statement } from './postgres-statements.js';
import { createOwnPool } from './postgres-pool.js';
import { DEFAULT_TABLE_NAME, PROBE_INTERVAL_MS } from './postgres-store-options.js';
import type { PostgresPool, PostgresQueryResult, PostgresStoreOptions } from './postgres-store-options.js';
import { advisoryLockKey, preparePostgresTable, sqlNameOf } from './postgres-table.js';

/**
 * Sessions in PostgreSQL through node-postgres, in connect-pg-simple's table (`sid`, `sess`,
 * `expire`): apps move between express-session + connect-pg-simple and nest-sessions, both
 * ways, without logging anyone out. The store adds a nullable `owner` column for
 * `UserSessions` (connect-pg-simple ignores it). Expiry is the database clock's alone; writes
 * are guarded (`'create'` only over no live row, `'update'` only over a live one); `merge`,
 * `take` and `takeFlashMessages` are each one statement. Expired rows are pruned by one
 * instance at a time, in batches. Every call answers within `statementTimeout`: a database
 * out of reach is a 503 (`SessionStoreUnavailableError`), and the store comes back by itself.
 */
export class PostgresStore extends SessionStore {
  /** The pool in use: the app's, or the one the store created from `connectionString`. */
  readonly pool: PostgresPool;
  /** Whether the store created the pool, and so ends it in `close()`. */
  readonly ownsPool: boolean;
  /** The table as written into SQL. */
  readonly tableName: string;
  readonly #ttlSeconds: number;
  readonly #connection: SqlConnectionState;
  readonly #pruner: SqlPruner;
  readonly #ready: () => Promise<PostgresStatements>;
  #logger: SqlStoreLogger;
  readonly #hasOwnLogger: boolean;
  readonly #onPoolError = (error: Error) => this.#connection.markDisconnected(error.message);

  constructor(options: PostgresStoreOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new SessionOptionsError('PostgresStore', 'pass options: `{ pool }` (your pg.Pool) or `{ connectionString }`');
    }
    const resolved = resolveSqlStoreOptions('PostgresStore', options);
    const name = {
      tableName: validIdentifier('PostgresStore.tableName', options.tableName, DEFAULT_TABLE_NAME),
      schemaName: validIdentifier('PostgresStore.schemaName', options.schemaName, undefined),
    };
    this.tableName = sqlNameOf(name);
    this.#ttlSeconds = resolved.ttlSeconds;
    this.#hasOwnLogger = resolved.logger !== undefined;
    this.#logger = resolved.logger ?? console;
    this.ownsPool = options.pool === undefined;
    this.pool = options.pool === undefined ? createOwnPool(options, resolved.statementTimeoutMs) : validPool(options);
    this.#connection = new SqlConnectionState({
      storeName: 'PostgresStore',
      databaseName: 'PostgreSQL',
      deadlineMs: resolved.statementTimeoutMs,
      probeIntervalMs: PROBE_INTERVAL_MS,
      probe: () => this.pool.query('SELECT 1'),
      classify: classifyPostgresError,
      events: this,
      logger: () => this.#logger,
    });
    // Without a listener, an idle pooled connection's error (the server restarting) would end the process.
    this.pool.on('error', this.#onPoolError);
    this.#ready = onceSucceeded(async () => new PostgresStatements(await preparePostgresTable(this.pool, name, resolved.createTable)));
    // Started now, so a missing table or driver shows in the log at start-up; retried by the first call otherwise.
    this.#ready().catch((error: unknown) => {
      const storeError = this.#connection.toStoreError(error, 'prepare its table');
      if (this.#connection.isConnected) this.#logger.warn(storeError.message);
    });
    this.#pruner = new SqlPruner(resolved.pruneIntervalMs, { store: 'PostgresStore', table: this.tableName }, {
      withPruneLock: (prune) => this.#withPruneLock(prune),
      onStats: (stats) => this.emit('pruned', stats),
      onError: (error) => this.#logger.warn(`nest-sessions: PostgresStore could not prune expired sessions: ${error instanceof Error ? error.message : String(error)}`),
      isConnected: () => this.#connection.isConnected,
    });
    this.#pruner.start();
  }

  /**
   * Sends the store's messages to `logger` unless the `logger` option was given. `SessionModule`
   * calls it with Nest's `Logger`.
   */
  useDefaultLogger(logger: SqlStoreLogger): void {
    if (!this.#hasOwnLogger) this.#logger = logger;
  }

  /** False from a connection failure until PostgreSQL answers again; calls then fail at once with a 503 error. */
  override get isConnected(): boolean {
    return this.#connection.isConnected;
  }

  /** The live session, or `undefined`. A row that is not a usable session is logged, deleted, and reported as absent. */
  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const { rows } = await this.#query('load the session', (statements) => statements.get(sessionId));
    return rows.length === 0 ? undefined : this.#parse(sessionId, String(rows[0]!.sess));
  }

  async set(sessionId: string, record: SessionRecord, options?: StoreWriteOptions): Promise<boolean> {
    const mode = options?.mode ?? 'upsert';
    const lifetimeMs = lifetimeMsOf(record, this.#ttlSeconds);
    if (lifetimeMs <= 0) {
      // An expired cookie deletes instead, within the mode: 'create' never deletes a live session.
      if (mode === 'create') return (await this.#query('check the session id', (statements) => statements.isLive(sessionId))).rows.length === 0;
      const { rows } = await this.#query('delete the expired session', (statements) => statements.deleteReportingLive(sessionId));
      return mode === 'upsert' || rows.some((row) => row.live === true);
    }
    const sessJson = stringify(record);
    const { rowCount } = await this.#query('save the session', (statements) => statements[mode](sessionId, sessJson, lifetimeMs, options?.owner));
    return rowCount === 1;
  }

  /** One UPDATE with jsonb operators (see `PostgresStatements.merge`): `false` when no live row has the id. */
  override async merge(sessionId: string, record: SessionRecord, changes: SessionChanges, options?: Pick<StoreWriteOptions, 'owner'>): Promise<boolean> {
    const lifetimeMs = lifetimeMsOf(record, this.#ttlSeconds);
    if (lifetimeMs <= 0) return this.set(sessionId, record, { mode: 'update' });
    const cookieJson = JSON.stringify(record.cookie);
    const mergeChanges = sqlMergeChangesOf(changes);
    const { rowCount } = await this.#query('save the session', (statements) => statements.merge(sessionId, lifetimeMs, cookieJson, mergeChanges, options?.owner));
    return rowCount === 1;
  }

  override async takeFlashMessages(sessionId: string, messageIds: readonly string[]): Promise<string[]> {
    const { rows } = await this.#query('read the flash messages', (statements) => statements.takeFlashMessages(sessionId, messageIds));
    return (rows[0]?.taken as string[] | undefined) ?? [];
  }

  /** Moves `expire` to the cookie's new expiry without rewriting the value; `false` when no live row has the id. */
  override async touch(sessionId: string, record: SessionRecord): Promise<boolean> {
    const lifetimeMs = lifetimeMsOf(record, this.#ttlSeconds);
    if (lifetimeMs <= 0) {
      await this.destroy(sessionId);
      return false;
    }
    const { rowCount } = await this.#query('touch the session', (statements) => statements.touch(sessionId, lifetimeMs));
    return rowCount === 1;
  }

  async destroy(sessionId: string): Promise<void> {
    await this.#query('destroy the session', (statements) => statements.destroy(sessionId));
  }

  /** DELETE … RETURNING: the session, if it was live, to one caller only. */
  override async take(sessionId: string): Promise<SessionRecord | undefined> {
    const { rows } = await this.#query('take the session', (statements) => statements.take(sessionId));
    const row = rows[0];
    return row?.live === true ? this.#parse(sessionId, String(row.sess)) : undefined;
  }

  /** The owner's live sessions, through the index on `owner`. */
  override async ownerSessionIds(ownerId: string): Promise<string[]> {
    const { rows } = await this.#query("list the owner's sessions", (statements) => statements.ownerSessionIds(ownerId));
    return rows.map((row) => String(row.sid));
  }

  override async removeFromOwnerIndex(ownerId: string, sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length > 0) await this.#query("update the owner's index", (statements) => statements.removeFromOwnerIndex(ownerId, sessionIds));
  }

  /** Every live, readable session, keyed by id. */
  override async all(): Promise<Record<string, SessionRecord>> {
    const { rows } = await this.#query('list the sessions', (statements) => statements.all());
    const sessions: Record<string, SessionRecord> = {};
    for (const row of rows) {
      const record = this.#parse(String(row.sid), String(row.sess));
      if (record) sessions[String(row.sid)] = record;
    }
    return sessions;
  }

  override async ids(): Promise<string[]> {
    const { rows } = await this.#query('list the session ids', (statements) => statements.ids());
    return rows.map((row) => String(row.sid));
  }

  override async length(): Promise<number> {
    const { rows } = await this.#query('count the sessions', (statements) => statements.length());
    return Number(rows[0]?.count ?? 0);
  }

  /** Deletes every row of the table. */
  override async clear(): Promise<void> {
    await this.#query('clear the sessions', (statements) => statements.clear());
  }

  /** Deletes expired rows now, as the pruning timer does: its statistics, or `undefined` when another instance is pruning. */
  async prune(): Promise<SqlPruneStats | undefined> {
    return this.#pruner.pruneNow();
  }

  /** Stops pruning and probing; ends the pool the store created (the app's is left open). */
  override async close(): Promise<void> {
    this.#pruner.stop();
    this.#connection.close();
    if (!this.ownsPool) {
      this.pool.off('error', this.#onPoolError);
      return;
    }
    await this.pool.end();
  }

  #query(action: string, statementOf: (statements: PostgresStatements) => Statement): Promise<PostgresQueryResult> {
    return this.#connection.run(action, async () => {
      const { text, values } = statementOf(await this.#ready());
      return this.pool.query(text, values);
    });
  }

  /** Runs `prune` on one connection holding the table's pruning lock, if no other instance holds it. */
  async #withPruneLock(prune: (deleteBatch: () => Promise<number>) => Promise<void>): Promise<boolean> {
    const statements = await this.#ready();
    const lockKey = advisoryLockKey('prune', this.tableName);
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [lockKey]);
      if (rows[0]?.locked !== true) return false;
      try {
        const batch = statements.pruneBatch(PRUNE_BATCH_ROWS);
        await prune(async () => (await client.query(batch.text, batch.values)).rowCount ?? 0);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey]);
      }
      return true;
    } finally {
      client.release();
    }
  }

  #parse(sessionId: string, text: string): SessionRecord | undefined {
    const parsed = parseSessionRow(text);
    if ('record' in parsed) return parsed.record;
    this.#logger.warn(`nest-sessions: PostgresStore ignored and deleted the row of session ${sessionIdHint(sessionId)} because ${parsed.problem}; the request starts a new session`);
    this.#query('delete the unreadable session', (statements) => statements.destroyUnreadable(sessionId, text)).catch(() => undefined);
    return undefined;
  }
}

/** `create` once, and again after a failure (the database was down at start-up). */
function onceSucceeded<T>(create: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= create().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

function validPool(options: PostgresStoreOptions): PostgresPool {
  const { pool } = options;
  if (options.connectionString !== undefined) {
    throw new SessionOptionsError('PostgresStore.pool', 'give either `pool` or `connectionString`, not both');
  }
  const looksLikePool = typeof pool === 'object' && pool !== null && typeof pool.query === 'function' && typeof pool.connect === 'function' && typeof pool.on === 'function';
  if (!looksLikePool) throw new SessionOptionsError('PostgresStore.pool', 'must be a node-postgres Pool (new pg.Pool(...))');
  return pool;
}

function stringify(record: SessionRecord): string {
  try {
    return serializeSessionRecord(record);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SessionStoreError(`nest-sessions: PostgresStore cannot serialize the session: ${reason}`, { cause: error });
  }
}
