/**
 * The app `npm run bench -- --prune` loads, in its own process: a plain Express app on
 * PostgresStore or MySqlStore (its own pruning 15 minutes away) whose table also holds a given number of
 * expired rows, written by one INSERT … SELECT; on a `prune` message it runs `store.prune()` and
 * answers when and how long it took.
 */
import { serveCounter } from './apps/express-app.js';
import type { Middleware } from './apps/express-app.js';
import { loadNestSessions } from './apps/nest-sessions-build.js';
import { DatabaseUnavailableError, openMySqlPool, openPostgresPool } from './apps/sql-databases.js';
import { sqlModeStore } from './apps/sql-stores.js';
import { RECOMMENDED_CELL, sessionOptionsOf } from './matrix.js';
import type { Cell } from './matrix.js';
import { BENCH_SECRET } from './modes.js';
import type { SqlDatabase } from './modes.js';
import type { PruneAppMessage, PruneStartMessage } from './prune-report.js';

const cell: Cell = { ...RECOMMENDED_CELL, app: 'express' };

function send(message: PruneAppMessage): void {
  process.send!(message);
}

/** One statement writes every expired row (an hour past its expiry), as the brief of issue 19 asks. */
async function insertExpiredRows(database: SqlDatabase, tableName: string, rows: number): Promise<void> {
  if (database === 'postgres') {
    const pool = await openPostgresPool();
    try {
      await pool.query(
        `INSERT INTO ${tableName} (sid, sess, expire) SELECT 'expired-' || n, '{"cookie":{}}', now() - interval '1 hour' FROM generate_series(1, $1::int) AS n`,
        [rows],
      );
    } finally {
      await pool.end();
    }
    return;
  }
  const pool = await openMySqlPool();
  try {
    // MariaDB's Sequence engine: seq_1_to_N is a table of the numbers 1 to N.
    await pool.query(
      `INSERT INTO ${tableName} (session_id, expires, data) SELECT CONCAT('expired-', seq), UNIX_TIMESTAMP() - 3600, '{"cookie":{}}' FROM seq_1_to_${Math.trunc(rows)}`,
    );
  } finally {
    await pool.end();
  }
}

async function start({ database, sessionIds, expiredRows }: PruneStartMessage): Promise<void> {
  const mode = database === 'postgres' ? 'nest-sessions-postgres' : 'nest-sessions-mysql';
  const opened = await sqlModeStore(mode, cell, sessionIds);
  const store = opened.store as { prune(): Promise<{ deletedRows: number; batches: number; durationMs: number } | undefined> };
  await insertExpiredRows(database, opened.tableName, expiredRows);
  const nestSessions = await loadNestSessions(cell.build);
  const middleware = nestSessions.createSessionMiddleware({ ...sessionOptionsOf(cell, BENCH_SECRET), store: store as never }) as Middleware;
  const app = await serveCounter(cell, middleware, opened);
  const port = await app.listen();
  process.on('message', (message: { type: 'prune' }) => {
    if (message.type !== 'prune') return;
    const startedAt = Date.now();
    store.prune().then(
      (stats) => send({ type: 'pruned', startedAt, endedAt: Date.now(), deletedRows: stats?.deletedRows ?? 0, batches: stats?.batches ?? 0 }),
      (error: unknown) => send({ type: 'failed', error: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.once('disconnect', () => {
    app.close().finally(() => process.exit(0));
  });
  send({ type: 'ready', port });
}

process.once('message', (message: PruneStartMessage) => {
  start(message).catch((error: unknown) => {
    const reply: PruneAppMessage =
      error instanceof DatabaseUnavailableError ? { type: 'unavailable', reason: error.message } : { type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    process.send!(reply, () => process.exit(1));
  });
});
