import { createHash } from 'node:crypto';
import { SessionStoreError } from '../../core/errors.js';
import type { PostgresPool } from './postgres-store-options.js';

/**
 * What the store found of its table: connect-pg-simple's (`sess json`, `expire timestamp(6)`),
 * the store's own (`json`, `timestamptz`) or one with `sess jsonb`, with or without the `owner` column.
 */
export interface PostgresTable {
  /** The table as written into SQL: quoted, schema-qualified when a schema was given. */
  sqlName: string;
  /** `json` or `jsonb`: merged values (computed as jsonb) are cast back to it. */
  sessType: 'json' | 'jsonb';
  /** Whether the `owner` column (for `UserSessions`) is there. */
  hasOwnerColumn: boolean;
}

/** The names the table is built from. */
export interface PostgresTableName {
  schemaName: string | undefined;
  tableName: string;
}

/** The table's name as written into SQL. Both parts are validated identifiers, quoted as connect-pg-simple quotes them. */
export function sqlNameOf({ schemaName, tableName }: PostgresTableName): string {
  return schemaName === undefined ? `"${tableName}"` : `"${schemaName}"."${tableName}"`;
}

/** A 64-bit advisory lock key for `purpose` on this table, the same in every instance. */
export function advisoryLockKey(purpose: string, sqlName: string): string {
  return createHash('sha256').update(`nest-sessions:${purpose}:${sqlName}`).digest().readBigInt64BE(0).toString();
}

/**
 * Reads the table's columns; with `createTable`, first creates what is missing under a
 * transaction-scoped advisory lock (instances starting together wait for one another instead
 * of racing): the table (`sess json`, as connect-pg-simple's: jsonb cannot hold the U+0000 a
 * JSON string may; `expire timestamptz`, unambiguous whatever the connection's TimeZone), or
 * only the `owner` column and its index on a connect-pg-simple table (a nullable column
 * connect-pg-simple never reads nor writes).
 * Nothing is altered when everything is there, so a start takes no lock on a busy table.
 */
export async function preparePostgresTable(pool: PostgresPool, name: PostgresTableName, createTable: boolean): Promise<PostgresTable> {
  const sqlName = sqlNameOf(name);
  let columns = await columnsOf(pool, sqlName);
  if (createTable && !columns.has('owner')) {
    await createMissing(pool, name, sqlName);
    columns = await columnsOf(pool, sqlName);
  }
  return checkedTable(sqlName, columns);
}

async function columnsOf(pool: PostgresPool, sqlName: string): Promise<Map<string, string>> {
  const { rows } = await pool.query(
    'SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped',
    [sqlName],
  );
  return new Map(rows.map((row) => [String(row.name), String(row.type)]));
}

async function createMissing(pool: PostgresPool, { tableName }: PostgresTableName, sqlName: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [advisoryLockKey('create-table', sqlName)]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${sqlName} ("sid" varchar NOT NULL COLLATE "default" PRIMARY KEY, "sess" json NOT NULL, "expire" timestamptz(6) NOT NULL, "owner" text)`,
    );
    await client.query(`CREATE INDEX IF NOT EXISTS "IDX_${tableName}_expire" ON ${sqlName} ("expire")`);
    await client.query(`ALTER TABLE ${sqlName} ADD COLUMN IF NOT EXISTS "owner" text`);
    await client.query(`CREATE INDEX IF NOT EXISTS "IDX_${tableName}_owner" ON ${sqlName} ("owner") WHERE "owner" IS NOT NULL`);
    await client.query('COMMIT');
    client.release();
  } catch (error) {
    // A connection left inside a failed transaction must not go back to the pool.
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}

function checkedTable(sqlName: string, columns: Map<string, string>): PostgresTable {
  if (columns.size === 0) {
    throw new SessionStoreError(`nest-sessions: PostgresStore's table ${sqlName} does not exist (create it, or leave the option createTable at true)`);
  }
  const sessType = columns.get('sess');
  const expireType = columns.get('expire') ?? '';
  if (!columns.has('sid') || (sessType !== 'json' && sessType !== 'jsonb') || !expireType.startsWith('timestamp')) {
    const found = [...columns].map(([column, type]) => `${column} ${type}`).join(', ');
    throw new SessionStoreError(`nest-sessions: PostgresStore's table ${sqlName} needs columns sid, sess (json or jsonb) and expire (timestamp); it has ${found}`);
  }
  return { sqlName, sessType, hasOwnerColumn: columns.has('owner') };
}
