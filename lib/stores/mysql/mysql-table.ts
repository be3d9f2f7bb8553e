import { createHash } from 'node:crypto';
import { SessionStoreError } from '../../core/errors.js';
import type { MySqlPool, MySqlPoolConnection } from './mysql-store-options.js';

/** What the store found of its table: express-mysql-session's, or its own, with or without the owner column. */
export interface MySqlTable {
  /** The table as written into SQL: backquoted, with its database when one was given. */
  sqlName: string;
  hasOwnerColumn: boolean;
}

/** The names the table is built from. */
export interface MySqlTableName {
  schemaName: string | undefined;
  tableName: string;
}

/** How long instances starting together wait for the one creating the table. */
const CREATE_LOCK_WAIT_SECONDS = 10;

export function mySqlNameOf({ schemaName, tableName }: MySqlTableName): string {
  return schemaName === undefined ? `\`${tableName}\`` : `\`${schemaName}\`.\`${tableName}\``;
}

/** A `GET_LOCK` name for `purpose` on this table (at most 64 characters), the same in every instance. */
export function mySqlLockName(purpose: string, sqlName: string): string {
  return `nest-sessions:${purpose}:${createHash('sha256').update(sqlName).digest('hex').slice(0, 32)}`;
}

/**
 * Reads the table's columns; with `createTable`, first creates what is missing under a
 * `GET_LOCK` (instances starting together wait for one another): the table with its indexes,
 * or, on express-mysql-session's table, the `owner` column and the indexes on `owner` and
 * `expires` (which that store never had). Nothing is altered when everything is there.
 */
export async function prepareMySqlTable(pool: MySqlPool, name: MySqlTableName, createTable: boolean): Promise<MySqlTable> {
  const sqlName = mySqlNameOf(name);
  let columns = await columnsOf(pool, name);
  if (createTable && !columns.has('owner')) {
    const connection = await pool.getConnection();
    try {
      await withLock(connection, mySqlLockName('create-table', sqlName), () => createMissing(connection, name, sqlName));
    } finally {
      connection.release();
    }
    columns = await columnsOf(pool, name);
  }
  if (columns.size === 0) {
    throw new SessionStoreError(`nest-sessions: MySqlStore's table ${sqlName} does not exist (create it, or leave the option createTable at true)`);
  }
  if (!columns.has('session_id') || !columns.has('expires') || !columns.has('data')) {
    throw new SessionStoreError(`nest-sessions: MySqlStore's table ${sqlName} needs columns session_id, expires and data; it has ${[...columns].join(', ')}`);
  }
  return { sqlName, hasOwnerColumn: columns.has('owner') };
}

async function columnsOf(pool: MySqlPool, { schemaName, tableName }: MySqlTableName): Promise<Set<string>> {
  const [rows] = await pool.execute(
    'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?',
    [schemaName ?? null, tableName],
  );
  return new Set((rows as Array<{ name: string }>).map((row) => row.name.toLowerCase()));
}

async function createMissing(connection: MySqlPoolConnection, { schemaName, tableName }: MySqlTableName, sqlName: string): Promise<void> {
  await connection.execute(
    `CREATE TABLE IF NOT EXISTS ${sqlName} (` +
      '`session_id` varchar(255) COLLATE utf8mb4_bin NOT NULL, `expires` int(11) unsigned NOT NULL, `data` mediumtext COLLATE utf8mb4_bin, ' +
      '`owner` varchar(255) COLLATE utf8mb4_bin DEFAULT NULL, ' +
      `PRIMARY KEY (\`session_id\`), KEY \`IDX_${tableName}_expires\` (\`expires\`), KEY \`IDX_${tableName}_owner\` (\`owner\`)` +
      ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  );
  const [rows] = await connection.execute(
    `SELECT (SELECT COUNT(*) FROM information_schema.columns c WHERE c.table_schema = COALESCE(?, DATABASE()) AND c.table_name = ? AND c.column_name = 'owner') AS has_owner, ` +
      `(SELECT COUNT(*) FROM information_schema.statistics s WHERE s.table_schema = COALESCE(?, DATABASE()) AND s.table_name = ? AND s.column_name = 'expires' AND s.seq_in_index = 1) AS has_expires_index`,
    [schemaName ?? null, tableName, schemaName ?? null, tableName],
  );
  const [{ has_owner: hasOwner, has_expires_index: hasExpiresIndex }] = rows as Array<{ has_owner: number; has_expires_index: number }>;
  const changes = [];
  if (Number(hasOwner) === 0) changes.push('ADD COLUMN `owner` varchar(255) COLLATE utf8mb4_bin DEFAULT NULL', `ADD KEY \`IDX_${tableName}_owner\` (\`owner\`)`);
  if (Number(hasExpiresIndex) === 0) changes.push(`ADD KEY \`IDX_${tableName}_expires\` (\`expires\`)`);
  if (changes.length > 0) await connection.execute(`ALTER TABLE ${sqlName} ${changes.join(', ')}`);
}

async function withLock(connection: MySqlPoolConnection, lockName: string, work: () => Promise<void>): Promise<void> {
  const [rows] = await connection.execute(`SELECT GET_LOCK(?, ${CREATE_LOCK_WAIT_SECONDS}) AS locked`, [lockName]);
  if (Number((rows as Array<{ locked: unknown }>)[0]?.locked) !== 1) {
    throw new SessionStoreError(`nest-sessions: MySqlStore waited ${CREATE_LOCK_WAIT_SECONDS} s for another instance creating its table`);
  }
  try {
    await work();
  } finally {
    await connection.execute('SELECT RELEASE_LOCK(?)', [lockName]);
  }
}
