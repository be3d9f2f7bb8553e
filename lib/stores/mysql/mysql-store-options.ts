import type { SqlStoreOptions } from '../sql/sql-store-options.js';

/** A statement's answer as mysql2's promise API gives it: rows (a SELECT) or a result header (a write), then the fields. */
export type MySqlResult = [rows: unknown, fields: unknown];

/** The part of a mysql2 promise connection the store uses (transactions of `take` and flash messages, pruning's lock). */
export interface MySqlPoolConnection {
  execute(sql: string, values?: any): Promise<MySqlResult>;
  release(): void;
}

/**
 * The part of a mysql2 promise `Pool` the store uses: a structural type, so the pool of any
 * mysql2 3 copy fits (`mysql2/promise`'s `createPool`, or TypeORM's and Sequelize's mysql2 pool
 * through `.promise()`). Its callback pool (`pool`, on mysql2's promise pools) runs the single
 * statements when there (`statementRunnerOf`).
 */
export interface MySqlPool {
  execute(sql: string, values?: any): Promise<MySqlResult>;
  getConnection(): Promise<MySqlPoolConnection>;
  end(): Promise<void>;
}

/**
 * Options of `MySqlStore`. Give either `pool` (the app's mysql2 promise pool, left open) or
 * `uri` (the store creates a pool and ends it on application shutdown).
 */
export interface MySqlStoreOptions extends SqlStoreOptions {
  /** The app's mysql2 promise pool (`mysql2/promise` `createPool`, or `pool.promise()`); `trace: false` on it saves a stack capture per call. */
  pool?: MySqlPool;
  /** `mysql://user:password@host:3306/database` for a pool the store owns (mysql2's per-call stack capture, `trace`, off). */
  uri?: string;
  /** Most connections of the pool the store creates from `uri`. Default 10 (mysql2's). */
  maxConnections?: number;
  /** The table. Default `sessions` (express-mysql-session's), created when missing unless `createTable: false`. */
  tableName?: string;
  /** The table's database. Default: the connection's. */
  schemaName?: string;
}

export const DEFAULT_TABLE_NAME = 'sessions';
