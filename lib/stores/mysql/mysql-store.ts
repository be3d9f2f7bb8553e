import { SessionOptionsError } from '../../core/errors.js';
import { SqlSessionStore } from '../sql/sql-session-store.js';
import { resolveSqlStoreConstruction } from '../sql/sql-store-options.js';
import { classifyMySqlError } from './mysql-errors.js';
import { createOwnMySqlPool } from './mysql-pool.js';
import { MySqlSessionTable } from './mysql-session-table.js';
import { DEFAULT_TABLE_NAME } from './mysql-store-options.js';
import type { MySqlPool, MySqlStoreOptions } from './mysql-store-options.js';

/**
 * Sessions in MySQL or MariaDB through mysql2, in express-mysql-session's table
 * (`session_id`, `expires` in Unix seconds, `data`): apps move between express-session +
 * express-mysql-session and nest-sessions, both ways, without signing anyone out. The store
 * adds a nullable `owner` column for `UserSessions` and the index on `expires` that table
 * lacks. Expiry is the database clock's alone (`UNIX_TIMESTAMP()`); writes are guarded;
 * `merge` is one UPDATE with JSON functions. Expired rows are pruned by one instance at a
 * time (`GET_LOCK`), in batches. Every call answers within `statementTimeout`: a database out
 * of reach is a 503 (`SessionStoreUnavailableError`), and the store comes back by itself.
 */
export class MySqlStore extends SqlSessionStore {
  /** The pool in use: the app's, or the one the store created from `uri`. */
  readonly pool: MySqlPool;
  /** Whether the store created the pool, and so ends it in `close()`. */
  readonly ownsPool: boolean;

  constructor(options: MySqlStoreOptions) {
    const { resolved, name } = resolveSqlStoreConstruction('MySqlStore', options, DEFAULT_TABLE_NAME, '`{ pool }` (your mysql2 promise pool) or `{ uri }`');
    const pool = options.pool === undefined ? createOwnMySqlPool(options, resolved.statementTimeoutMs) : validPool(options);
    const table = new MySqlSessionTable(pool, name, resolved.createTable);
    super({ storeName: 'MySqlStore', databaseName: 'MySQL', tableName: table.sqlName, table, options: resolved, classify: classifyMySqlError });
    this.pool = pool;
    this.ownsPool = options.pool === undefined;
    // Prepared now, so a missing table or driver shows in the log at start-up; the first call tries again.
    table.prepare().catch((error: unknown) => this.logStartFailure(error));
  }

  /** Stops pruning and probing; ends the pool the store created (the app's is left open). */
  override async close(): Promise<void> {
    await super.close();
    if (this.ownsPool) await this.pool.end();
  }
}

function validPool(options: MySqlStoreOptions): MySqlPool {
  const { pool } = options;
  if (options.uri !== undefined) throw new SessionOptionsError('MySqlStore.pool', 'give either `pool` or `uri`, not both');
  const looksLikePromisePool = typeof pool === 'object' && pool !== null && typeof pool.execute === 'function' && typeof pool.getConnection === 'function';
  // A callback pool's execute answers through callbacks: the store would wait forever.
  const isCallbackPool = typeof (pool as { promise?: unknown } | undefined)?.promise === 'function';
  if (!looksLikePromisePool || isCallbackPool) {
    throw new SessionOptionsError('MySqlStore.pool', "must be a mysql2 promise pool (createPool from 'mysql2/promise', or pool.promise())");
  }
  return pool;
}
