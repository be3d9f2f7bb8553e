import { SessionOptionsError } from '../../core/errors.js';
import { loadOptionalDriver } from '../sql/optional-driver.js';
import type { PostgresNamedQuery, PostgresPool, PostgresPoolClient, PostgresQueryResult, PostgresStoreOptions } from './postgres-store-options.js';

/** What the store reads of the `pg` module. */
interface PgModule {
  Pool: new (config: Record<string, unknown>) => PostgresPool;
}

/**
 * A pool for `connectionString`, created when first used: `pg` is loaded only then (an
 * optional peer dependency, imported dynamically so the ESM and CommonJS builds both load it
 * on demand), and a missing `pg` is one error naming the package. Every connection gets the
 * store's deadline as its `statement_timeout`, and waiting for a free connection is bounded too.
 */
export function createOwnPool(options: PostgresStoreOptions, statementTimeoutMs: number): PostgresPool {
  const { connectionString, maxConnections } = options;
  if (typeof connectionString !== 'string' || connectionString.length === 0) {
    throw new SessionOptionsError('PostgresStore.pool', 'pass your pg.Pool as `pool`, or a `connectionString` (postgres://…) for a pool the store creates');
  }
  if (maxConnections !== undefined && !(Number.isSafeInteger(maxConnections) && maxConnections > 0)) {
    throw new SessionOptionsError('PostgresStore.maxConnections', `must be a positive whole number, got ${JSON.stringify(maxConnections)}`);
  }
  return new LazyPool({
    connectionString,
    max: maxConnections ?? 10,
    connectionTimeoutMillis: statementTimeoutMs,
    statement_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: statementTimeoutMs * 5,
  });
}

class LazyPool implements PostgresPool {
  #pool: Promise<PostgresPool> | undefined;
  readonly #errorListeners = new Set<(error: Error) => void>();

  constructor(private readonly config: Record<string, unknown>) {}

  query(text: string, values?: unknown[]): Promise<PostgresQueryResult>;
  query(config: PostgresNamedQuery): Promise<PostgresQueryResult>;
  async query(textOrConfig: string | PostgresNamedQuery, values?: unknown[]): Promise<PostgresQueryResult> {
    const pool = await this.#loaded();
    return typeof textOrConfig === 'string' ? pool.query(textOrConfig, values) : pool.query(textOrConfig);
  }

  async connect(): Promise<PostgresPoolClient> {
    return (await this.#loaded()).connect();
  }

  async end(): Promise<void> {
    if (this.#pool) await (await this.#pool.catch(() => undefined))?.end();
  }

  on(_event: 'error', listener: (error: Error) => void): this {
    this.#errorListeners.add(listener);
    return this;
  }

  off(_event: 'error', listener: (error: Error) => void): this {
    this.#errorListeners.delete(listener);
    return this;
  }

  #loaded(): Promise<PostgresPool> {
    this.#pool ??= loadPg().then(({ Pool }) => {
      const pool = new Pool(this.config);
      pool.on('error', (error) => {
        for (const listener of this.#errorListeners) listener(error);
      });
      return pool;
    });
    return this.#pool;
  }
}

async function loadPg(): Promise<PgModule> {
  const driver = { storeName: 'PostgresStore', packageName: 'pg', option: 'connectionString', majorVersion: 8 };
  const Pool = await loadOptionalDriver<PgModule['Pool']>(driver, () => import('pg'), (pg) => pg.Pool);
  return { Pool };
}
