import { SessionOptionsError } from '../../core/errors.js';
import { BOOLEAN, checkedOption, either, positiveInteger } from '../../core/option-checks.js';
import type { ValueRule } from '../../core/option-checks.js';
import type { SqlStoreLogger } from './sql-connection-state.js';
import { validIdentifier } from './sql-identifier.js';

/** The options `PostgresStore` and `MySqlStore` share. */
export interface SqlStoreOptions {
  /** Whether the store creates its table (and indexes) when missing, race-free across instances. Default `true`. */
  createTable?: boolean;
  /**
   * Milliseconds between two prunings of expired rows (each instance waits this ±25 %, and only
   * one instance prunes at a time). Default 15 minutes; `false` disables pruning (expired rows
   * are never returned, they only take space).
   */
  pruneInterval?: number | false;
  /** Lifetime in seconds of sessions whose cookie has no expiry. Default one day (86400). */
  ttl?: number;
  /**
   * Longest wait in milliseconds of one store call, waiting for a pooled connection included;
   * past it the call fails with `SessionStoreUnavailableError` (503 + Retry-After). Default 2000.
   */
  statementTimeout?: number;
  /** Receives connection changes, unreadable rows and pruning failures. Default: Nest's `Logger` under `SessionModule`, else `console`. */
  logger?: SqlStoreLogger;
}

/** The shared options, checked, with their defaults. */
export interface ResolvedSqlStoreOptions {
  createTable: boolean;
  pruneIntervalMs: number | false;
  ttlSeconds: number;
  statementTimeoutMs: number;
  logger: SqlStoreLogger | undefined;
}

export const DEFAULT_PRUNE_INTERVAL_MS = 15 * 60 * 1000;
/** express-session stores' lifetime of sessions with a browser-session cookie: one day. */
export const DEFAULT_TTL_SECONDS = 24 * 60 * 60;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 2_000;

/** Checks the shared options; `storeName` prefixes the option names in errors. */
export function resolveSqlStoreOptions(storeName: string, options: SqlStoreOptions): ResolvedSqlStoreOptions {
  const { logger } = options;
  const createTable = checkedOption(`${storeName}.createTable`, options.createTable, BOOLEAN);
  const pruneInterval = checkedOption(`${storeName}.pruneInterval`, options.pruneInterval, either(positiveInteger('milliseconds'), FALSE));
  const ttl = checkedOption(`${storeName}.ttl`, options.ttl, positiveInteger('seconds'));
  const statementTimeout = checkedOption(`${storeName}.statementTimeout`, options.statementTimeout, positiveInteger('milliseconds'));
  if (logger !== undefined && typeof (logger as Partial<SqlStoreLogger> | null)?.warn !== 'function') {
    throw new SessionOptionsError(`${storeName}.logger`, 'must have a warn(message) method');
  }
  return {
    createTable: createTable ?? true,
    pruneIntervalMs: pruneInterval ?? DEFAULT_PRUNE_INTERVAL_MS,
    ttlSeconds: ttl ?? DEFAULT_TTL_SECONDS,
    statementTimeoutMs: statementTimeout ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    logger,
  };
}

/** `pruneInterval: false`: no pruning. */
const FALSE: ValueRule<false> = { expected: 'false', accepts: (value): value is false => value === false };

/** The table's names, checked: written into SQL quoted, never bound. */
export interface SqlTableName {
  tableName: string;
  schemaName: string | undefined;
}

/** A SQL store's options object checked: the shared options and the table's names. `howToPass` says what to give. */
export function resolveSqlStoreConstruction(
  storeName: string,
  options: unknown,
  defaultTableName: string,
  howToPass: string,
): { resolved: ResolvedSqlStoreOptions; name: SqlTableName } {
  if (typeof options !== 'object' || options === null) throw new SessionOptionsError(storeName, `pass options: ${howToPass}`);
  const { tableName, schemaName } = options as { tableName?: unknown; schemaName?: unknown };
  return {
    resolved: resolveSqlStoreOptions(storeName, options as SqlStoreOptions),
    name: {
      tableName: validIdentifier(`${storeName}.tableName`, tableName, defaultTableName),
      schemaName: validIdentifier(`${storeName}.schemaName`, schemaName, undefined),
    },
  };
}
