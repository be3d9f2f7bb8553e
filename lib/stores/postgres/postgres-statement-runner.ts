import { createHash } from 'node:crypto';
import type { Statement } from './postgres-statements.js';
import type { PostgresPool, PostgresQueryResult } from './postgres-store-options.js';

/** SQLSTATEs of a prepared statement the connection does not have (26000) or has already (42P05). */
const LOST_PREPARED_STATEMENT = new Set(['26000', '42P05']);

/**
 * Sends the store's statements to the pool as named (prepared) statements: each connection
 * parses a statement once and reuses its plan, where an unnamed one is parsed and planned on
 * every call (most of PostgreSQL's time per session request). A pooler that does not keep
 * prepared statements across its connections (PgBouncer in transaction mode without
 * `max_prepared_statements`) answers that a statement is missing or exists already: the
 * runner then sends unnamed statements from there on, with one warning naming the option.
 * Neither error runs the statement, so it is sent again once, unnamed.
 */
export class PostgresStatementRunner {
  /** Each statement text's name: the same in every process, so a text is never prepared twice under two names. */
  readonly #names = new Map<string, string>();
  #prepares: boolean;
  /** Receives the one warning; the store points it at its logger. */
  warn: (message: string) => void = (message) => console.warn(message);

  constructor(
    private readonly pool: PostgresPool,
    prepares: boolean,
  ) {
    this.#prepares = prepares;
  }

  run(statement: Statement): Promise<PostgresQueryResult> {
    if (!this.#prepares) return this.pool.query(statement.text, statement.values);
    return this.pool.query({ name: this.#nameOf(statement.text), text: statement.text, values: statement.values }).catch((error: unknown) => {
      if (!LOST_PREPARED_STATEMENT.has((error as { code?: unknown } | null)?.code as string)) throw error;
      // Calls already sent prepared may fail the same way: each is sent again, one warning for all.
      if (this.#prepares) {
        this.#prepares = false;
        this.warn(
          `nest-sessions: PostgresStore's prepared statements were lost between calls (${(error as Error).message}), as behind a pooler that does not keep them; ` +
            'it sends unprepared statements from now on. Set the option preparedStatements: false to start that way.',
        );
      }
      return this.pool.query(statement.text, statement.values);
    });
  }

  #nameOf(text: string): string {
    let name = this.#names.get(text);
    if (name === undefined) {
      name = `nest_sessions_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
      this.#names.set(text, name);
    }
    return name;
  }
}
