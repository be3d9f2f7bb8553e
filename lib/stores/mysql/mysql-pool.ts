import { SessionOptionsError } from '../../core/errors.js';
import { loadOptionalDriver } from '../sql/optional-driver.js';
import type { MySqlPool, MySqlPoolConnection, MySqlResult, MySqlStoreOptions } from './mysql-store-options.js';

/** A statement's run on the pool: its rows (a SELECT) or its result header (a write). */
export type MySqlStatementRunner = (sql: string, values: unknown[]) => Promise<unknown>;

/** mysql2's callback pool, which a promise pool keeps as `pool` (in mysql2's typings). */
interface MySqlCallbackPool {
  execute(sql: string, values: unknown[], callback: (error: unknown, result: unknown) => void): void;
}

/**
 * How the store runs its per-request statements on `pool`: on a mysql2 promise pool through the
 * callback pool under it (`pool.pool`), as the promise API itself does, but without the stack
 * the promise API captures on every call for its errors (its `trace` option, on by default).
 * Errors are mysql2's own, with their code. Any other pool (the store's own, from `uri`)
 * through its `execute`.
 */
export function statementRunnerOf(pool: MySqlPool): MySqlStatementRunner {
  const callbackPool = (pool as { pool?: Partial<MySqlCallbackPool> }).pool;
  if (typeof callbackPool?.execute !== 'function') return async (sql, values) => (await pool.execute(sql, values))[0];
  const corePool = callbackPool as MySqlCallbackPool;
  return (sql, values) =>
    new Promise((resolve, reject) => {
      corePool.execute(sql, values, (error, result) => (error ? reject(error) : resolve(result)));
    });
}

/** What the store reads of `mysql2/promise`. */
interface MySql2Module {
  createPool(config: Record<string, unknown>): MySqlPool;
}

/**
 * A pool for `uri`, created when first used: `mysql2` is loaded only then (an optional peer
 * dependency, imported dynamically so the ESM and CommonJS builds both load it on demand), and
 * a missing `mysql2` is one error naming the package. Connecting is bounded by the store's deadline.
 */
export function createOwnMySqlPool(options: MySqlStoreOptions, statementTimeoutMs: number): MySqlPool {
  const { uri, maxConnections } = options;
  if (typeof uri !== 'string' || uri.length === 0) {
    throw new SessionOptionsError('MySqlStore.pool', 'pass your mysql2 promise pool as `pool`, or a `uri` (mysql://…) for a pool the store creates');
  }
  if (maxConnections !== undefined && !(Number.isSafeInteger(maxConnections) && maxConnections > 0)) {
    throw new SessionOptionsError('MySqlStore.maxConnections', `must be a positive whole number, got ${JSON.stringify(maxConnections)}`);
  }
  return new LazyMySqlPool(ownMySqlPoolConfig(uri, maxConnections, statementTimeoutMs));
}

/**
 * mysql2's `createPool` config for `uri`. `trace: false`: mysql2 otherwise captures a stack on
 * every call (for its errors' stacks), a cost every request pays; the store's errors name what failed.
 */
export function ownMySqlPoolConfig(uri: string, maxConnections: number | undefined, statementTimeoutMs: number): Record<string, unknown> {
  return { uri, connectionLimit: maxConnections ?? 10, connectTimeout: statementTimeoutMs, enableKeepAlive: true, trace: false };
}

class LazyMySqlPool implements MySqlPool {
  #pool: Promise<MySqlPool> | undefined;

  constructor(private readonly config: Record<string, unknown>) {}

  async execute(sql: string, values?: unknown[]): Promise<MySqlResult> {
    return (await this.#loaded()).execute(sql, values);
  }

  async getConnection(): Promise<MySqlPoolConnection> {
    return (await this.#loaded()).getConnection();
  }

  async end(): Promise<void> {
    if (this.#pool) await (await this.#pool.catch(() => undefined))?.end();
  }

  #loaded(): Promise<MySqlPool> {
    this.#pool ??= loadMySql2().then((mysql2) => mysql2.createPool(this.config));
    return this.#pool;
  }
}

async function loadMySql2(): Promise<MySql2Module> {
  const driver = { storeName: 'MySqlStore', packageName: 'mysql2', option: 'uri', majorVersion: 3 };
  const createPool = await loadOptionalDriver<MySql2Module['createPool']>(driver, () => import('mysql2/promise'), (mysql2) => mysql2.createPool);
  return { createPool };
}
