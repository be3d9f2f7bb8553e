import type { SqlMergeChanges } from '../sql/sql-session-row.js';
import type { OwnerWrite, SqlSessionTable } from '../sql/sql-session-table.js';
import type { PostgresStatementRunner } from './postgres-statement-runner.js';
import { PostgresStatements } from './postgres-statements.js';
import type { Statement } from './postgres-statements.js';
import type { PostgresPool, PostgresQueryResult } from './postgres-store-options.js';
import { advisoryLockKey, preparePostgresTable, sqlNameOf } from './postgres-table.js';
import type { PostgresTableName } from './postgres-table.js';

/**
 * `PostgresStore`'s table: each operation one statement on the pool, once the table is
 * prepared (found, or created, on first use; again after a failure, as when the database was
 * down at start-up).
 */
export class PostgresSessionTable implements SqlSessionTable {
  readonly sqlName: string;
  /** On a `json` column (connect-pg-simple's and ours, assumed until the table is read); a `jsonb` one always merges. */
  get writesWholeWhenUnchanged(): boolean {
    return this.#prepared?.sessType !== 'jsonb';
  }
  #statements: Promise<PostgresStatements> | undefined;
  /** The statements once prepared: a call then goes to the pool without waiting on a promise first. */
  #prepared: PostgresStatements | undefined;

  readonly #runner: PostgresStatementRunner;

  constructor(
    private readonly pool: PostgresPool,
    private readonly name: PostgresTableName,
    private readonly createTable: boolean,
    runner: PostgresStatementRunner,
  ) {
    this.sqlName = sqlNameOf(name);
    this.#runner = runner;
  }

  /** Finds (or creates) the table; the statements for its shape. */
  prepare(): Promise<PostgresStatements> {
    this.#statements ??= preparePostgresTable(this.pool, this.name, this.createTable).then(
      (table) => (this.#prepared = new PostgresStatements(table)),
      (error: unknown) => {
        this.#statements = undefined;
        throw error;
      },
    );
    return this.#statements;
  }

  async load(sessionId: string): Promise<string | undefined> {
    const { rows } = await this.#query((statements) => statements.get(sessionId));
    return rows.length === 0 ? undefined : String(rows[0]!.sess);
  }

  async create(sessionId: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Promise<boolean> {
    return (await this.#query((statements) => statements.create(sessionId, sessJson, lifetimeMs, owner))).rowCount === 1;
  }

  async update(sessionId: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Promise<boolean> {
    return (await this.#query((statements) => statements.update(sessionId, sessJson, lifetimeMs, owner))).rowCount === 1;
  }

  async upsert(sessionId: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Promise<void> {
    await this.#query((statements) => statements.upsert(sessionId, sessJson, lifetimeMs, owner));
  }

  async compareAndSet(sessionId: string, expectedText: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Promise<boolean> {
    return (await this.#query((statements) => statements.compareAndSet(sessionId, expectedText, sessJson, lifetimeMs, owner))).rowCount === 1;
  }

  async isLive(sessionId: string): Promise<boolean> {
    return (await this.#query((statements) => statements.isLive(sessionId))).rows.length > 0;
  }

  async deleteReportingLive(sessionId: string): Promise<boolean> {
    return (await this.#query((statements) => statements.deleteReportingLive(sessionId))).rows.some((row) => row.live === true);
  }

  async destroy(sessionId: string): Promise<void> {
    await this.#query((statements) => statements.destroy(sessionId));
  }

  async destroyUnreadable(sessionId: string, sessText: string): Promise<void> {
    await this.#query((statements) => statements.destroyUnreadable(sessionId, sessText));
  }

  async touch(sessionId: string, lifetimeMs: number): Promise<boolean> {
    return (await this.#query((statements) => statements.touch(sessionId, lifetimeMs))).rowCount === 1;
  }

  /** Not an async function: returning the `then`'s promise from one would cost each save two more microtask hops. */
  merge(sessionId: string, lifetimeMs: number, cookieJson: string, changes: SqlMergeChanges, owner: OwnerWrite): Promise<boolean | 'write-whole'> {
    const merged = this.#query((statements) => statements.merge(sessionId, lifetimeMs, cookieJson, changes, owner));
    return merged.then((result) => result.rowCount === 1, (error: unknown) => (isNotJsonb(error) ? 'write-whole' : Promise.reject(error)));
  }

  async take(sessionId: string): Promise<string | undefined> {
    const row = (await this.#query((statements) => statements.take(sessionId))).rows[0];
    return row?.live === true ? String(row.sess) : undefined;
  }

  async takeFlashMessages(sessionId: string, messageIds: readonly string[]): Promise<string[] | undefined> {
    const taken = this.#query((statements) => statements.takeFlashMessages(sessionId, messageIds));
    return taken.then(({ rows }) => (rows[0]?.taken as string[] | undefined) ?? [], (error: unknown) => (isNotJsonb(error) ? undefined : Promise.reject(error)));
  }

  async ownerSessionIds(ownerId: string): Promise<string[]> {
    return (await this.#query((statements) => statements.ownerSessionIds(ownerId))).rows.map((row) => String(row.sid));
  }

  async removeFromOwnerIndex(ownerId: string, sessionIds: readonly string[]): Promise<void> {
    await this.#query((statements) => statements.removeFromOwnerIndex(ownerId, sessionIds));
  }

  async all(): Promise<Array<[string, string]>> {
    return (await this.#query((statements) => statements.all())).rows.map((row) => [String(row.sid), String(row.sess)]);
  }

  async ids(): Promise<string[]> {
    return (await this.#query((statements) => statements.ids())).rows.map((row) => String(row.sid));
  }

  async length(): Promise<number> {
    return Number((await this.#query((statements) => statements.length())).rows[0]?.count ?? 0);
  }

  async clear(): Promise<void> {
    await this.#query((statements) => statements.clear());
  }

  /** On one connection holding the table's pruning lock (`pg_try_advisory_lock`, released on the way out). */
  async withPruneLock(prune: (deleteBatch: () => Promise<number>) => Promise<void>): Promise<boolean> {
    const batch = (await this.prepare()).pruneBatch();
    const lockKey = advisoryLockKey('prune', this.sqlName);
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [lockKey]);
      if (rows[0]?.locked !== true) return false;
      try {
        await prune(async () => (await client.query(batch.text, batch.values)).rowCount ?? 0);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey]);
      }
      return true;
    } finally {
      client.release();
    }
  }

  probe(): Promise<unknown> {
    return this.pool.query('SELECT 1');
  }

  #query(statementOf: (statements: PostgresStatements) => Statement): Promise<PostgresQueryResult> {
    if (this.#prepared === undefined) return this.prepare().then(() => this.#query(statementOf));
    return this.#runner.run(statementOf(this.#prepared));
  }
}

/**
 * Whether PostgreSQL refused to read a stored json value as jsonb: a string holding U+0000
 * (`\u0000`), which json keeps and jsonb cannot (SQLSTATE 22P05).
 */
function isNotJsonb(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '22P05';
}
