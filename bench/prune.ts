/**
 * `npm run bench -- --prune`: for PostgresStore, then MySqlStore, a table with the bench's
 * sessions and 100,000 expired rows (`--expired-rows N`), autocannon reading sessions, and
 * `store.prune()` started after a few seconds of load; reports how long the pruning took, its
 * rows/s, and the p99 and max latency of the requests before it and during it, into the
 * pruning section of RESULTS.md (bench/.tmp/ with `--quick`).
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSessionId, signSessionId } from '../lib/index.js';
import { pinApp, pinHarness } from './cpu-pinning.js';
import { DEFAULT_CONNECTIONS, runAutocannon } from './load.js';
import { BENCH_SECRET } from './modes.js';
import type { SqlDatabase } from './modes.js';
import { latencyWindow, renderPruneSection, splitAroundPrune, withPruneSection } from './prune-report.js';
import type { PruneAppMessage, PruneResult, PruneStartMessage, TimedResponse } from './prune-report.js';
import { flagValue } from './flags.js';

const compiledDir = dirname(fileURLToPath(import.meta.url));
const benchDir = join(compiledDir, '..', '..');
/** The SQL stores' default `statementTimeout`: no request may take longer. */
const STORE_DEADLINE_MS = 2_000;
const STORE_NAMES: Record<SqlDatabase, string> = { postgres: 'PostgresStore (PostgreSQL)', mysql: 'MySqlStore (MariaDB)' };

interface PruneSettings {
  expiredRows: number;
  sessions: number;
  connections: number;
  warmupSeconds: number;
  beforeSeconds: number;
  outputDir: string;
}

function parsePruneSettings(argv: string[]): PruneSettings {
  const valueOf = (flag: string) => flagValue(argv, flag);
  const isQuick = argv.includes('--quick');
  return {
    expiredRows: Number(valueOf('--expired-rows') ?? 100_000),
    sessions: Number(valueOf('--sessions') ?? 2_000),
    connections: Number(valueOf('--connections') ?? DEFAULT_CONNECTIONS.autocannon),
    warmupSeconds: Number(valueOf('--warmup') ?? (isQuick ? 1 : 2)),
    beforeSeconds: Number(valueOf('--duration') ?? (isQuick ? 3 : 5)),
    outputDir: valueOf('--out') ?? (isQuick ? join(benchDir, '.tmp') : benchDir),
  };
}

/** Starts the prune app; resolves to its process and port, or to the reason it cannot run. */
async function startPruneApp(start: PruneStartMessage): Promise<{ child: ReturnType<typeof fork>; port: number } | string> {
  const child = fork(join(compiledDir, 'prune-app.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  pinApp(child.pid);
  const reply = await new Promise<PruneAppMessage>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the ${start.database} prune app exited with code ${code} before it was ready`)));
    child.send(start);
  });
  if (reply.type === 'ready') return { child, port: reply.port };
  if (reply.type === 'unavailable') return reply.reason;
  throw new Error(`the ${start.database} prune app failed to start:\n${reply.type === 'failed' ? reply.error : reply.type}`);
}

async function measurePrune(database: SqlDatabase, settings: PruneSettings, sessionIds: string[], cookieHeaders: string[]): Promise<PruneResult> {
  const store = STORE_NAMES[database];
  const started = await startPruneApp({ type: 'start', database, sessionIds, expiredRows: settings.expiredRows });
  const empty = latencyWindow([]);
  if (typeof started === 'string') return { store, unavailableReason: started, expiredRows: settings.expiredRows, deletedRows: 0, batches: 0, durationMs: 0, before: empty, during: empty };
  const { child, port } = started;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const responses: TimedResponse[] = [];
    const loadStartedAt = Date.now();
    const warmedUpAt = loadStartedAt + settings.warmupSeconds * 1000;
    const pruned = new Promise<PruneAppMessage>((resolve) => {
      setTimeout(() => {
        child.once('message', resolve);
        child.send({ type: 'prune' });
      }, (settings.warmupSeconds + settings.beforeSeconds) * 1000);
    });
    // The load goes on for a second after the pruning, so that the requests it held up are answered.
    const stopWhen = pruned.then(() => new Promise((resolve) => setTimeout(resolve, 1000)));
    await runAutocannon({
      port,
      connections: settings.connections,
      durationSeconds: 600,
      timeoutSeconds: 10,
      cookieHeaders,
      onResponse: (statusCode, latencyMs) => responses.push({ completedAt: Date.now(), latencyMs, isOk: statusCode >= 200 && statusCode < 300 }),
      stopWhen,
    });
    const reply = await pruned;
    if (reply.type !== 'pruned') throw new Error(`the ${database} pruning failed: ${reply.type === 'failed' ? reply.error : reply.type}`);
    const { before, during } = splitAroundPrune(responses, warmedUpAt, reply.startedAt, reply.endedAt);
    return {
      store,
      expiredRows: settings.expiredRows,
      deletedRows: reply.deletedRows,
      batches: reply.batches,
      durationMs: reply.endedAt - reply.startedAt,
      before: latencyWindow(before),
      during: latencyWindow(during),
    };
  } finally {
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export async function runPruneBench(argv: string[]): Promise<void> {
  const settings = parsePruneSettings(argv);
  console.log(`CPUs: ${pinHarness()}`);
  const sessionIds = Array.from({ length: settings.sessions }, () => generateSessionId());
  const cookieHeaders = sessionIds.map((sessionId) => `connect.sid=${encodeURIComponent(signSessionId(sessionId, BENCH_SECRET))}`);
  const results: PruneResult[] = [];
  for (const database of ['postgres', 'mysql'] as const) {
    const result = await measurePrune(database, settings, sessionIds, cookieHeaders);
    results.push(result);
    console.log(
      result.unavailableReason !== undefined
        ? `${result.store}: ${result.unavailableReason}`
        : `${result.store}: pruned ${result.deletedRows} rows in ${result.durationMs} ms (${result.batches} batches); ` +
            `p99/max before ${result.before.p99Ms}/${result.before.maxMs} ms, during ${result.during.p99Ms}/${result.during.maxMs} ms` +
            `${result.before.failures + result.during.failures ? `, ${result.before.failures + result.during.failures} FAILED requests` : ''}`,
    );
  }
  const section = renderPruneSection(results, STORE_DEADLINE_MS, settings.connections);
  mkdirSync(settings.outputDir, { recursive: true });
  const resultsFile = join(settings.outputDir, 'RESULTS.md');
  writeFileSync(resultsFile, withPruneSection(existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '# Benchmark results\n', section));
  console.log(`\n${section}\nwrote ${resultsFile}`);
}
