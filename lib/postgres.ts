/**
 * nest-sessions/postgres: the PostgreSQL store. A subpath of its own so that apps on other
 * stores never load `pg` (an optional peer dependency, loaded only for a `connectionString`).
 */
export { PostgresStore } from './stores/postgres/postgres-store.js';
export type { PostgresStoreOptions, PostgresPool, PostgresPoolClient, PostgresQueryResult, PostgresNamedQuery } from './stores/postgres/postgres-store-options.js';
export type { SqlStoreLogger } from './stores/sql/sql-connection-state.js';
export type { SqlPruneStats } from './stores/sql/sql-pruner.js';
export { STORE_PRUNED_CHANNEL } from './stores/sql/sql-pruner.js';
