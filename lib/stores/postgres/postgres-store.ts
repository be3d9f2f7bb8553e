import { SessionOptionsError } from '../../core/errors.js';
import { BOOLEAN, checkedOption } from '../../core/option-checks.js';
import { SqlSessionStore } from '../sql/sql-session-store.js';
import { resolveSqlStoreConstruction } from '../sql/sql-store-options.js';
import { classifyPostgresError } from './postgres-errors.js';
import { createOwnPool } from './postgres-pool.js';
import { PostgresSessionTable } from './postgres-session-table.js';
import { PostgresStatementRunner } from './postgres-statement-runner.js';
import { DEFAULT_TABLE_NAME } from './postgres-store-options.js';
import type { PostgresPool, PostgresStoreOptions } from './postgres-store-options.js';

/**
 * Sessions in PostgreSQL through node-postgres, in connect-pg-simple's table (`sid`, `sess`,
 * `expire`): apps move between express-session + connect-pg-simple and nest-sessions, both
 * ways, without signing anyone out. The store adds a nullable `owner` column for
 * `UserSessions` (connect-pg-simple ignores it). Expiry is the database clock's alone; writes
 * are guarded (`'create'` only over no live row, `'update'` only over a live one); `merge`,
 * `take` and `takeFlashMessages` are each one statement. Expired rows are pruned by one
 * instance at a time, in batches. Statements are prepared (parsed and planned once per
 * connection) unless `preparedStatements: false`. Every call answers within `statementTimeout`: a database
 * out of reach is a 503 (`SessionStoreUnavailableError`), and the store comes back by itself.
 */
export class PostgresStore extends SqlSessionStore {
  /** The pool in use: the app's, or the one the store created from `connectionString`. */
  readonly pool: PostgresPool;
  /** Whether the store created the pool, and so ends it in `close()`. */
  readonly ownsPool: boolean;
  readonly #onPoolError = (error: Error) => this.connection.markDisconnected(error);

  constructor(options: PostgresStoreOptions) {
    const { resolved, name } = resolveSqlStoreConstruction('PostgresStore', options, DEFAULT_TABLE_NAME, '`{ pool }` (your pg.Pool) or `{ connectionString }`');
    const pool = options.pool === undefined ? createOwnPool(options, resolved.statementTimeoutMs) : validPool(options);
    const preparedStatements = checkedOption('PostgresStore.preparedStatements', options.preparedStatements, BOOLEAN) ?? true;
    const runner = new PostgresStatementRunner(pool, preparedStatements);
    const table = new PostgresSessionTable(pool, name, resolved.createTable, runner);
    super({ storeName: 'PostgresStore', databaseName: 'PostgreSQL', tableName: table.sqlName, table, options: resolved, classify: classifyPostgresError });
    this.pool = pool;
    this.ownsPool = options.pool === undefined;
    runner.warn = (message) => this.warn(message);
    // Without a listener, an idle pooled connection's error (the server restarting) would end the process.
    this.pool.on('error', this.#onPoolError);
    // Prepared now, so a missing table or driver shows in the log at start-up; the first call tries again.
    table.prepare().catch((error: unknown) => this.logStartFailure(error));
  }

  /** Stops pruning and probing; ends the pool the store created (the app's is left open). */
  override async close(): Promise<void> {
    await super.close();
    if (!this.ownsPool) {
      this.pool.off('error', this.#onPoolError);
      return;
    }
    await this.pool.end();
  }
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
