/**
 * nest-sessions/mysql: the MySQL / MariaDB store. A subpath of its own so that apps on other
 * stores never load `mysql2` (an optional peer dependency, loaded only for a `uri`).
 */
export { MySqlStore } from './stores/mysql/mysql-store.js';
export type { MySqlStoreOptions, MySqlPool, MySqlPoolConnection, MySqlResult } from './stores/mysql/mysql-store-options.js';
export type { SqlStoreLogger } from './stores/sql/sql-connection-state.js';
export type { SqlPruneStats } from './stores/sql/sql-pruner.js';
export { STORE_PRUNED_CHANNEL } from './stores/sql/sql-pruner.js';
