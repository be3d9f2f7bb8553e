// About our ~250-line aim: every statement of the store contract in MySQL/MariaDB SQL, one method each.
import { SessionStoreError } from '../../core/errors.js';
import { FLASH_KEY } from '../../core/session/flash.js';
import { ownerColumnValue } from '../sql/sql-owner-column.js';
import { PRUNE_BATCH_ROWS } from '../sql/sql-pruner.js';
import type { SqlMergeChanges } from '../sql/sql-session-row.js';
import type { OwnerWrite, SqlSessionTable } from '../sql/sql-session-table.js';
import { isDuplicateKey } from './mysql-errors.js';
import { mergedDataSql, withoutFlashMessagesSql } from './mysql-json-merge.js';
import { statementRunnerOf } from './mysql-pool.js';
import type { MySqlStatementRunner } from './mysql-pool.js';
import type { MySqlPool, MySqlPoolConnection } from './mysql-store-options.js';
import { mySqlLockName, mySqlNameOf, prepareMySqlTable } from './mysql-table.js';
import type { MySqlTable, MySqlTableName } from './mysql-table.js';

type Row = Record<string, unknown>;

/** `expires` holds whole seconds (express-mysql-session's format): a lifetime is rounded up. */
function secondsOf(lifetimeMs: number): number {
  return Math.ceil(lifetimeMs / 1000);
}

/** Live: not expired by the database's clock (`UNIX_TIMESTAMP()`, the one clock that decides). */
const LIVE = 'expires > UNIX_TIMESTAMP()';
const EXPIRED = 'expires <= UNIX_TIMESTAMP()';

/**
 * `MySqlStore`'s table, in express-mysql-session's format (`session_id`, `expires` in Unix
 * seconds, `data` as JSON text), once prepared (found, or created, on first use; again after a
 * failure). Statements run through the pool's `execute` (server-side prepared: ids and data
 * always bound). mysql2 reports matched rows as `affectedRows` (its default FOUND_ROWS flag),
 * which the guarded writes read; `take` and `takeFlashMessages` are transactions holding the row's lock.
 */
export class MySqlSessionTable implements SqlSessionTable {
  readonly sqlName: string;
  /** Merges always run as JSON functions: the whole write of an unchanged row is PostgresStore's, measured there. */
  readonly writesWholeWhenUnchanged = false;
  #table: Promise<MySqlTable> | undefined;
  readonly #runStatement: MySqlStatementRunner;

  constructor(
    private readonly pool: MySqlPool,
    private readonly name: MySqlTableName,
    private readonly createTable: boolean,
  ) {
    this.sqlName = mySqlNameOf(name);
    this.#runStatement = statementRunnerOf(pool);
  }

  prepare(): Promise<MySqlTable> {
    this.#table ??= prepareMySqlTable(this.pool, this.name, this.createTable).catch((error: unknown) => {
      this.#table = undefined;
      throw error;
    });
    return this.#table;
  }

  async load(sessionId: string): Promise<string | undefined> {
    const rows = await this.#select(`SELECT COALESCE(data, '') AS data FROM ${this.sqlName} WHERE session_id = ? AND ${LIVE}`, [sessionId]);
    return rows.length === 0 ? undefined : String(rows[0]!.data);
  }

  /** INSERT; over a stored id, only when its row has expired (deleted first, then inserted once more). */
  async create(sessionId: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Promise<boolean> {
    const { hasOwnerColumn } = await this.prepare();
    const [columns, placeholders, values] = hasOwnerColumn
      ? [', owner', ', ?', [sessionId, secondsOf(lifetimeMs), sessJson, ownerColumnValue(owner)]]
      : ['', '', [sessionId, secondsOf(lifetimeMs), sessJson]];
    const insert = () => this.#write(`INSERT INTO ${this.sqlName} (session_id, expires, data${columns}) VALUES (?, UNIX_TIMESTAMP() + ?, ?${placeholders})`, values);
    try {
      await insert();
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    if ((await this.#write(`DELETE FROM ${this.sqlName} WHERE session_id = ? AND ${EXPIRED}`, [sessionId])) === 0) return false;
    return insert().then(() => true, (error: unknown) => (isDuplicateKey(error) ? false : Promise.reject(error)));
  }

  async update(sessionId: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Promise<boolean> {
    const ownerSet = await this.#ownerSet(owner);
    const values = [sessJson, ...ownerSet.values, secondsOf(lifetimeMs), sessionId];
    return (await this.#write(`UPDATE ${this.sqlName} SET data = ?${ownerSet.sql}, expires = UNIX_TIMESTAMP() + ? WHERE session_id = ? AND ${LIVE}`, values)) === 1;
  }

  /** The owner is assigned before `expires`: MySQL evaluates assignments in order, and the owner's rule reads the old expiry. */
  async upsert(sessionId: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Promise<void> {
    const { hasOwnerColumn } = await this.prepare();
    const head = `INSERT INTO ${this.sqlName} (session_id, expires, data${hasOwnerColumn ? ', owner' : ''}) VALUES (?, UNIX_TIMESTAMP() + ?, ?${hasOwnerColumn ? ', ?' : ''})`;
    const ownerOnDuplicate = !hasOwnerColumn ? '' : owner === undefined ? `, owner = IF(${LIVE}, owner, NULL)` : ', owner = VALUES(owner)';
    const values = [sessionId, secondsOf(lifetimeMs), sessJson, ...(hasOwnerColumn ? [ownerColumnValue(owner)] : [])];
    await this.#write(`${head} ON DUPLICATE KEY UPDATE data = VALUES(data)${ownerOnDuplicate}, expires = VALUES(expires)`, values);
  }

  /**
   * Writes over a live row only while it still holds `expectedText`, compared byte for byte
   * (`BINARY`: the column's collation may ignore case, and sealed values are base64url).
   */
  async compareAndSet(sessionId: string, expectedText: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Promise<boolean> {
    const ownerSet = await this.#ownerSet(owner);
    const values = [sessJson, ...ownerSet.values, secondsOf(lifetimeMs), sessionId, expectedText];
    const sql = `UPDATE ${this.sqlName} SET data = ?${ownerSet.sql}, expires = UNIX_TIMESTAMP() + ? WHERE session_id = ? AND ${LIVE} AND BINARY COALESCE(data, '') = BINARY ?`;
    return (await this.#write(sql, values)) === 1;
  }

  async isLive(sessionId: string): Promise<boolean> {
    return (await this.#select(`SELECT 1 FROM ${this.sqlName} WHERE session_id = ? AND ${LIVE}`, [sessionId])).length > 0;
  }

  /** Two DELETEs (MySQL has no DELETE … RETURNING): the live row, then an expired one. */
  async deleteReportingLive(sessionId: string): Promise<boolean> {
    const deletedLive = await this.#write(`DELETE FROM ${this.sqlName} WHERE session_id = ? AND ${LIVE}`, [sessionId]);
    await this.destroy(sessionId);
    return deletedLive > 0;
  }

  async destroy(sessionId: string): Promise<void> {
    await this.#write(`DELETE FROM ${this.sqlName} WHERE session_id = ?`, [sessionId]);
  }

  async destroyUnreadable(sessionId: string, sessText: string): Promise<void> {
    await this.#write(`DELETE FROM ${this.sqlName} WHERE session_id = ? AND COALESCE(data, '') = ?`, [sessionId, sessText]);
  }

  async touch(sessionId: string, lifetimeMs: number): Promise<boolean> {
    return (await this.#write(`UPDATE ${this.sqlName} SET expires = UNIX_TIMESTAMP() + ? WHERE session_id = ? AND ${LIVE}`, [secondsOf(lifetimeMs), sessionId])) === 1;
  }

  /** One wait for the prepared table (each more is a microtask hop on every request's save). */
  async merge(sessionId: string, lifetimeMs: number, cookieJson: string, changes: SqlMergeChanges, owner: OwnerWrite): Promise<boolean> {
    const ownerSet = ownerSetOf(owner, (await this.prepare()).hasOwnerColumn);
    const merged = mergedDataSql(cookieJson, changes);
    const values = [...merged.values, ...ownerSet.values, secondsOf(lifetimeMs), sessionId];
    const sql = `UPDATE ${this.sqlName} SET data = ${merged.sql}${ownerSet.sql}, expires = UNIX_TIMESTAMP() + ? WHERE session_id = ? AND ${LIVE}`;
    return affectedRowsOf(await this.#runStatement(sql, values)) === 1;
  }

  /** In a transaction: the row read under its lock, then deleted; of two overlapping takes the second finds nothing. */
  async take(sessionId: string): Promise<string | undefined> {
    return this.#inTransaction(async (connection) => {
      const [rows] = await connection.execute(`SELECT COALESCE(data, '') AS data, ${LIVE} AS live FROM ${this.sqlName} WHERE session_id = ? FOR UPDATE`, [sessionId]);
      const row = (rows as Row[])[0];
      if (!row) return undefined;
      await connection.execute(`DELETE FROM ${this.sqlName} WHERE session_id = ?`, [sessionId]);
      return Number(row.live) === 1 ? String(row.data) : undefined;
    });
  }

  /** In a transaction: the messages there are read under the row's lock, then removed by JSON_REMOVE (the rest keeps its text). */
  async takeFlashMessages(sessionId: string, messageIds: readonly string[]): Promise<string[]> {
    return this.#inTransaction(async (connection) => {
      const [rows] = await connection.execute(`SELECT JSON_EXTRACT(data, '$.${FLASH_KEY}') AS flash FROM ${this.sqlName} WHERE session_id = ? AND ${LIVE} AND JSON_VALID(data) FOR UPDATE`, [sessionId]);
      const flash = parsedObject((rows as Row[])[0]?.flash);
      const taken = [...new Set(messageIds)].filter((messageId) => flash !== undefined && Object.hasOwn(flash, messageId));
      if (taken.length === 0) return [];
      const without = withoutFlashMessagesSql(taken);
      await connection.execute(`UPDATE ${this.sqlName} SET data = ${without.sql} WHERE session_id = ?`, [...without.values, sessionId]);
      return taken;
    });
  }

  async ownerSessionIds(ownerId: string): Promise<string[]> {
    await this.#requireOwnerColumn();
    const rows = await this.#select(`SELECT session_id FROM ${this.sqlName} WHERE owner = ? AND ${LIVE}`, [ownerColumnValue(ownerId)]);
    return rows.map((row) => String(row.session_id));
  }

  async removeFromOwnerIndex(ownerId: string, sessionIds: readonly string[]): Promise<void> {
    await this.#requireOwnerColumn();
    await this.#write(`UPDATE ${this.sqlName} SET owner = NULL WHERE owner = ? AND session_id IN (${sessionIds.map(() => '?').join(', ')})`, [ownerColumnValue(ownerId), ...sessionIds]);
  }

  async all(): Promise<Array<[string, string]>> {
    const rows = await this.#select(`SELECT session_id, COALESCE(data, '') AS data FROM ${this.sqlName} WHERE ${LIVE}`);
    return rows.map((row) => [String(row.session_id), String(row.data)]);
  }

  async ids(): Promise<string[]> {
    return (await this.#select(`SELECT session_id FROM ${this.sqlName} WHERE ${LIVE}`)).map((row) => String(row.session_id));
  }

  async length(): Promise<number> {
    return Number((await this.#select(`SELECT COUNT(*) AS count FROM ${this.sqlName} WHERE ${LIVE}`))[0]?.count ?? 0);
  }

  async clear(): Promise<void> {
    await this.#write(`DELETE FROM ${this.sqlName}`);
  }

  /** On one connection holding the table's pruning lock (`GET_LOCK` without waiting, released on the way out). */
  async withPruneLock(prune: (deleteBatch: () => Promise<number>) => Promise<void>): Promise<boolean> {
    await this.prepare();
    const lockName = mySqlLockName('prune', this.sqlName);
    const connection = await this.pool.getConnection();
    try {
      const [rows] = await connection.execute('SELECT GET_LOCK(?, 0) AS locked', [lockName]);
      if (Number((rows as Row[])[0]?.locked) !== 1) return false;
      try {
        const batch = pruneBatchSql(this.sqlName);
        await prune(async () => affectedRowsOf((await connection.execute(batch))[0]));
      } finally {
        await connection.execute('SELECT RELEASE_LOCK(?)', [lockName]);
      }
      return true;
    } finally {
      connection.release();
    }
  }

  probe(): Promise<unknown> {
    return this.pool.execute('SELECT 1');
  }

  async #select(sql: string, values: unknown[] = []): Promise<Row[]> {
    await this.prepare();
    return (await this.#runStatement(sql, values)) as Row[];
  }

  /** Runs a write; the rows it matched. */
  async #write(sql: string, values: unknown[] = []): Promise<number> {
    await this.prepare();
    return affectedRowsOf(await this.#runStatement(sql, values));
  }

  async #ownerSet(owner: OwnerWrite): Promise<{ sql: string; values: unknown[] }> {
    return ownerSetOf(owner, (await this.prepare()).hasOwnerColumn);
  }

  async #requireOwnerColumn(): Promise<void> {
    if ((await this.prepare()).hasOwnerColumn) return;
    throw new SessionStoreError(
      `nest-sessions: MySqlStore's table ${this.sqlName} has no owner column, which UserSessions needs: let the store add it (createTable: true) or add it yourself (see docs/mysql.md)`,
    );
  }

  async #inTransaction<T>(work: (connection: MySqlPoolConnection) => Promise<T>): Promise<T> {
    await this.prepare();
    const connection = await this.pool.getConnection();
    try {
      await connection.execute('START TRANSACTION');
      const result = await work(connection);
      await connection.execute('COMMIT');
      return result;
    } catch (error) {
      await connection.execute('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }
}

/** One batch of expired rows, oldest first through the `expires` index. */
export function pruneBatchSql(sqlName: string): string {
  return `DELETE FROM ${sqlName} WHERE ${EXPIRED} ORDER BY expires LIMIT ${PRUNE_BATCH_ROWS}`;
}

/** The `SET` part writing the owner, when one is given and the table has the column. */
function ownerSetOf(owner: OwnerWrite, hasOwnerColumn: boolean): { sql: string; values: unknown[] } {
  return owner === undefined || !hasOwnerColumn ? NO_OWNER_SET : { sql: ', owner = ?', values: [ownerColumnValue(owner)] };
}

const NO_OWNER_SET: { sql: string; values: unknown[] } = { sql: '', values: [] };

function affectedRowsOf(result: unknown): number {
  return Number((result as { affectedRows?: unknown }).affectedRows ?? 0);
}

/** A JSON object read back from a JSON function (text on MariaDB, parsed on MySQL), or `undefined`. */
function parsedObject(value: unknown): Record<string, unknown> | undefined {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}
