import pg from 'pg';
import { MemoryStore } from '../../lib/index.js';
import { PostgresStore } from '../../lib/postgres.js';
import { SHARED_POSTGRES } from './postgres-server.js';
import { RELAXED_STATEMENT_TIMEOUT_MS } from './relaxed-deadline.js';

/** The store behind a test app: the MemoryStore, or a PostgresStore in the e2e run on PostgreSQL. */
export type BackingStore = MemoryStore | PostgresStore;


/** What the e2e run on PostgreSQL holds for one spec file: its pool and the tables its apps made. */
interface PostgresBacking {
  pool: pg.Pool;
  tables: string[];
  /** The stores made on the pool, closed before it ends (plain Express test apps never close theirs). */
  stores: PostgresStore[];
}

// On globalThis: the setup file and the spec may not share one instance of this module.
const BACKING = Symbol.for('nest-sessions.test.postgres-backing');
type WithBacking = typeof globalThis & { [BACKING]?: PostgresBacking };

let tableCount = 0;

function postgresBacking(): PostgresBacking | undefined {
  return (globalThis as WithBacking)[BACKING];
}

/** Whether this run's apps keep their sessions in PostgreSQL (the "e2e on PostgreSQL" Jest project). */
export function isBackedByPostgres(): boolean {
  return postgresBacking() !== undefined;
}

/** The class name of the run's backing store, for test titles. */
export function backingStoreName(): 'MemoryStore' | 'PostgresStore' {
  return isBackedByPostgres() ? 'PostgresStore' : 'MemoryStore';
}

/**
 * A fresh store for a test app, empty and its own: a MemoryStore without a sweep timer, or in
 * the run on PostgreSQL a PostgresStore on a new table (dropped after the spec file).
 */
export function newBackingStore(): BackingStore {
  const backing = postgresBacking();
  if (backing === undefined) return new MemoryStore({ checkPeriod: 0 });
  tableCount += 1;
  const tableName = `e2e_${process.pid}_${Date.now().toString(36)}_${tableCount}`;
  backing.tables.push(tableName);
  const store = new PostgresStore({ pool: backing.pool, tableName, pruneInterval: false, statementTimeout: RELAXED_STATEMENT_TIMEOUT_MS });
  backing.stores.push(store);
  return store;
}

/** For the setup file of the run on PostgreSQL: every later `newBackingStore()` is a PostgresStore. */
export function backStoresWithPostgres(): void {
  const pool = new pg.Pool(SHARED_POSTGRES);
  // Every store listens for the pool's errors until it closes, and a spec file's apps make dozens
  // on this one pool (an app's own pool has one store): no leak for Node to warn about.
  pool.setMaxListeners(0);
  (globalThis as WithBacking)[BACKING] = { pool, tables: [], stores: [] };
}

/** Closes the spec file's stores (a second close does nothing), drops the tables its apps made and ends the pool. */
export async function dropPostgresBacking(): Promise<void> {
  const backing = postgresBacking();
  if (backing === undefined) return;
  // A store creates its table in the background from its constructor: wait for that, or the table would outlive the drop.
  await untilIdle(backing.pool);
  for (const store of backing.stores.splice(0)) await store.close();
  for (const table of backing.tables.splice(0)) await backing.pool.query(`DROP TABLE IF EXISTS "${table}"`);
  await backing.pool.end();
  delete (globalThis as WithBacking)[BACKING];
}

/** Resolves once no client of `pool` is in use nor awaited (or after 5 s: the drop then goes ahead anyway). */
async function untilIdle(pool: pg.Pool): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((pool.idleCount < pool.totalCount || pool.waitingCount > 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
