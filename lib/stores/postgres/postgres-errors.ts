import { isProgrammingError } from '../sql/sql-connection-state.js';
import type { SqlFailureKind } from '../sql/sql-connection-state.js';

/**
 * SQLSTATE codes meaning "not now" rather than "wrong": the server is shutting down or
 * starting, out of connections or resources, cancelled a statement over its timeout, or
 * chose this transaction as a deadlock's victim. Worth a 503, not a 500.
 */
const TRANSIENT_CODES = new Set(['57014', '53000', '53100', '53200', '53300', '53400', '40001', '40P01', '55P03']);

/** Codes that mean the connection is gone: class 08, and the shutdown codes. */
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03']);

/**
 * A node-postgres failure: JavaScript's own error is a bug (refused); an error without a
 * SQLSTATE (refused, reset, timed out while connecting, connection terminated) or of class 08
 * means PostgreSQL is out of reach; a few server errors are transient; the rest are refusals
 * (500: a bug, a missing privilege).
 */
export function classifyPostgresError(error: unknown): SqlFailureKind {
  if (isProgrammingError(error)) return 'refused';
  const code = (error as { code?: unknown } | null)?.code;
  const isServerError = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof (error as { severity?: unknown }).severity === 'string';
  if (!isServerError) return 'connection';
  if (code.startsWith('08') || CONNECTION_CODES.has(code)) return 'connection';
  return TRANSIENT_CODES.has(code) ? 'transient' : 'refused';
}
