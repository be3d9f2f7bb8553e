import type { SqlStoreOptions } from '../sql/sql-store-options.js';

/** A query's result, as node-postgres answers. */
export interface PostgresQueryResult {
  rows: Array<Record<string, unknown>>;
  rowCount: number | null;
}

/** A statement sent with a name, so that each connection parses and plans it once. */
export interface PostgresNamedQuery {
  name: string;
  text: string;
  values: unknown[];
}

/** One connection checked out of the pool (for the locks of table creation and pruning). */
export interface PostgresPoolClient {
  query(text: string, values?: unknown[]): Promise<PostgresQueryResult>;
  release(error?: Error | boolean): void;
}

/**
 * The part of a node-postgres `Pool` the store uses: a structural type, so the pool of any
 * `pg` 8 copy fits (the app's own, TypeORM's or MikroORM's driver pool).
 */
export interface PostgresPool {
  query(text: string, values?: unknown[]): Promise<PostgresQueryResult>;
  /** A named statement: prepared once per connection (node-postgres' query config). */
  query(config: PostgresNamedQuery): Promise<PostgresQueryResult>;
  connect(): Promise<PostgresPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Options of `PostgresStore`. Give either `pool` (the app's node-postgres `Pool`: the store
 * adds no second pool, and leaves it open) or `connectionString` (the store creates a pool
 * and ends it on application shutdown).
 */
export interface PostgresStoreOptions extends SqlStoreOptions {
  /** The app's `pg.Pool`. */
  pool?: PostgresPool;
  /** `postgres://user:password@host:5432/database` for a pool the store owns. */
  connectionString?: string;
  /** Most connections of the pool the store creates from `connectionString`. Default 10 (node-postgres'). */
  maxConnections?: number;
  /** The table. Default `session` (connect-pg-simple's), created when missing unless `createTable: false`. */
  tableName?: string;
  /** The table's schema. Default: the connection's `search_path` (usually `public`). */
  schemaName?: string;
  /**
   * Whether statements are prepared: each connection parses and plans a statement once instead
   * of on every call. Default `true`. Set `false` behind a pooler that does not keep prepared
   * statements (PgBouncer in transaction mode before 1.21 or without `max_prepared_statements`);
   * a store that finds them lost switches itself off them, with one warning.
   */
  preparedStatements?: boolean;
}

export const DEFAULT_TABLE_NAME = 'session';
