import { SessionOptionsError } from '../../core/errors.js';
import { loadOptionalDriver } from '../sql/optional-driver.js';
import type { MySqlPool, MySqlPoolConnection, MySqlResult, MySqlStoreOptions } from './mysql-store-options.js';

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
