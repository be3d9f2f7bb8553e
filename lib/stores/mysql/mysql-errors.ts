import { isProgrammingError } from '../sql/sql-connection-state.js';
import type { SqlFailureKind } from '../sql/sql-connection-state.js';

/**
 * Server errors meaning "not now": too many connections, a lock wait or deadlock, a statement
 * over the server's time limit (MariaDB's `max_statement_time`, MySQL's `max_execution_time`),
 * a read-only server (a replica during a failover). Worth a 503, not a 500.
 */
const TRANSIENT_ERRNOS = new Set([1040, 1203, 1205, 1213, 1290, 1792, 1969, 3024]);

/** Server errors meaning the connection is gone or the server is shutting down. */
const CONNECTION_ERRNOS = new Set([1053, 1077, 1152, 1153, 1184, 2002, 2003, 2006, 2013]);

/**
 * A mysql2 failure: JavaScript's own error is a bug (refused); a fatal error or one without a
 * SQLSTATE (refused, reset, closed, timed out) means the database is out of reach; a few
 * server errors are transient; the rest are refusals (500: a bug, a missing privilege).
 */
export function classifyMySqlError(error: unknown): SqlFailureKind {
  if (isProgrammingError(error)) return 'refused';
  const { fatal, sqlState, errno } = (error ?? {}) as { fatal?: unknown; sqlState?: unknown; errno?: unknown };
  if (fatal === true || typeof sqlState !== 'string' || typeof errno !== 'number') return 'connection';
  if (sqlState.startsWith('08') || CONNECTION_ERRNOS.has(errno)) return 'connection';
  return TRANSIENT_ERRNOS.has(errno) ? 'transient' : 'refused';
}

/** Whether the failure is a duplicate primary key (a `'create'` write over a stored id). */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { errno?: unknown } | null)?.errno === 1062;
}
