/**
 * The SQL servers the SQL modes and `--prune` use (PostgreSQL and MariaDB on this machine, or
 * BENCH_POSTGRES_URL / BENCH_MYSQL_URL), each pool opened by a first query so that a server that
 * is not there makes the mode unavailable instead of failing the run.
 */
import type { SqlDatabase } from '../modes.js';

export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** The database server cannot be reached: the mode is reported unavailable. */
export class DatabaseUnavailableError extends Error {}

/** A table name no other run or mode uses (letters, digits and `_` only: safe to write into SQL unquoted). */
export function uniqueTableName(purpose: string): string {
  return `bench_${purpose.replace(/[^a-z0-9]/gi, '_')}_${process.pid}_${Date.now().toString(36)}`;
}

function unavailable(database: SqlDatabase, url: string, error: unknown): DatabaseUnavailableError {
  return new DatabaseUnavailableError(`no ${database} server at ${url} (${error instanceof Error ? error.message : String(error)})`);
}

export type PgPool = import('pg').Pool;
export type MySqlPool = import('mysql2/promise').Pool;

/** A node-postgres pool, as an app creates it, checked with one query. */
export async function openPostgresPool(): Promise<PgPool> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: POSTGRES_URL });
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw unavailable('postgres', POSTGRES_URL, error);
  }
  return pool;
}

/** A mysql2 promise pool, as an app creates it, checked with one query. */
export async function openMySqlPool(): Promise<MySqlPool> {
  const { createPool } = await import('mysql2/promise');
  const pool = createPool({ uri: MYSQL_URL });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw unavailable('mysql', MYSQL_URL, error);
  }
  return pool;
}
