/**
 * The SQL modes' stores, each on a table of its own created for the run and dropped when the app
 * closes, filled with the cell's pre-created sessions: connect-pg-simple and express-mysql-session
 * as their READMEs set them up (on the app's pool), PostgresStore and MySqlStore on the app's
 * pool as docs/postgres.md and docs/mysql.md show.
 */
import { createRequire } from 'node:module';
import type { Cell } from '../matrix.js';
import { MODES } from '../modes.js';
import type { ModeName } from '../modes.js';
import { loadNestSessionsMySql, loadNestSessionsPostgres } from './nest-sessions-build.js';
import { storedSession } from './session-data.js';
import { openMySqlPool, openPostgresPool, uniqueTableName } from './sql-databases.js';
import type { MySqlPool, PgPool } from './sql-databases.js';
import { fillCallbackStore, inBatches } from './stores.js';
import type { OpenStore } from './stores.js';

type ClosableStore = { close(): unknown };

/** An SQL mode's store and the table it was given. */
export interface SqlOpenStore extends OpenStore {
  tableName: string;
}

/** Closes the store, then drops its table and ends the pool, whatever failed before. */
function closing(store: ClosableStore, dropTable: () => Promise<unknown>, endPool: () => Promise<unknown>): OpenStore['close'] {
  return async () => {
    try {
      await store.close();
    } finally {
      try {
        await dropTable();
      } finally {
        await endPool();
      }
    }
  };
}

/** Waits (at most 2 s) for the statements of requests whose client left during shutdown, so that none runs on a dropped table. */
async function idle(pool: PgPool): Promise<void> {
  for (let waited = 0; pool.totalCount > pool.idleCount && waited < 2_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
}

function postgresClosing(store: ClosableStore, pool: PgPool, tableName: string): OpenStore['close'] {
  return closing(store, async () => (await idle(pool), pool.query(`DROP TABLE IF EXISTS ${tableName}`)), () => pool.end());
}

function mySqlClosing(store: ClosableStore, pool: MySqlPool, tableName: string): OpenStore['close'] {
  return closing(store, () => pool.query(`DROP TABLE IF EXISTS ${tableName}`), () => pool.end());
}

async function connectPgSimpleStore(mode: ModeName, cell: Cell, sessionIds: string[]): Promise<SqlOpenStore> {
  const { default: expressSession } = await import('express-session');
  const { default: connectPgSimple } = await import('connect-pg-simple');
  const pool = await openPostgresPool();
  const tableName = uniqueTableName(mode);
  const PgStore = connectPgSimple(expressSession);
  const store = new PgStore({ pool, tableName, createTableIfMissing: true });
  await fillCallbackStore(store as never, cell, sessionIds);
  return { store, tableName, close: postgresClosing(store, pool, tableName) };
}

async function expressMySqlSessionStore(mode: ModeName, cell: Cell, sessionIds: string[]): Promise<SqlOpenStore> {
  const { default: expressSession } = await import('express-session');
  type MySqlSessionStore = new (options: object, connection: MySqlPool) => ClosableStore & { onReady(): Promise<void> };
  const MySQLStore = (createRequire(import.meta.url)('express-mysql-session') as (session: unknown) => MySqlSessionStore)(expressSession);
  const pool = await openMySqlPool();
  const tableName = uniqueTableName(mode);
  const store = new MySQLStore({ schema: { tableName } }, pool);
  await store.onReady();
  await fillCallbackStore(store as never, cell, sessionIds);
  return { store, tableName, close: mySqlClosing(store, pool, tableName) };
}

async function postgresStore(mode: ModeName, cell: Cell, sessionIds: string[]): Promise<SqlOpenStore> {
  const { PostgresStore } = await loadNestSessionsPostgres(cell.build);
  const pool = await openPostgresPool();
  const tableName = uniqueTableName(mode);
  const store = new PostgresStore({ pool, tableName });
  await inBatches(sessionIds, (sessionId) => store.set(sessionId, storedSession(cell)));
  return { store, tableName, close: postgresClosing(store, pool, tableName) };
}

async function mySqlStore(mode: ModeName, cell: Cell, sessionIds: string[]): Promise<SqlOpenStore> {
  const { MySqlStore } = await loadNestSessionsMySql(cell.build);
  const pool = await openMySqlPool();
  const tableName = uniqueTableName(mode);
  const store = new MySqlStore({ pool, tableName });
  await inBatches(sessionIds, (sessionId) => store.set(sessionId, storedSession(cell)));
  return { store, tableName, close: mySqlClosing(store, pool, tableName) };
}

/** The store of an SQL mode (one whose `database` is set), filled with the sessions. */
export function sqlModeStore(mode: ModeName, cell: Cell, sessionIds: string[]): Promise<SqlOpenStore> {
  const isOurs = MODES[mode].baseline !== undefined;
  if (MODES[mode].database === 'postgres') return (isOurs ? postgresStore : connectPgSimpleStore)(mode, cell, sessionIds);
  if (MODES[mode].database === 'mysql') return (isOurs ? mySqlStore : expressMySqlSessionStore)(mode, cell, sessionIds);
  throw new Error(`${mode} is not an SQL mode`);
}
