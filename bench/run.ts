/**
 * `npm run bench [-- --quick]`: throughput and latency of the five modes side by side, then
 * memory per session; writes bench/RESULTS.md and bench/results-chart.svg.
 *
 * Each mode's app runs in its own process (fresh heap, one core), autocannon runs here. Modes
 * alternate within each round, starting one later each round, and medians are reported.
 */
import { fork } from 'node:child_process';
import { pinApp, pinHarness } from './cpu-pinning.js';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSessionId, signSessionId } from '../lib/index.js';
import { runLoad } from './load.js';
import type { LoadResult } from './load.js';
import type { MemoryResult, MemoryStoreName } from './memory.js';
import { BENCH_SECRET, MODE_NAMES, MODES } from './modes.js';
import type { AppMessage, ModeName, StartMessage } from './modes.js';
import { startRedisServer } from './redis-server.js';
import type { BenchRedis } from './redis-server.js';
import { renderChart, renderResults } from './report.js';
import type { BenchSettings, ModeSummary } from './report.js';

const compiledDir = dirname(fileURLToPath(import.meta.url));
/** The bench/ source folder: compiled code runs from bench/.tmp/bench/. */
const benchDir = join(compiledDir, '..', '..');

function parseSettings(argv: string[]): BenchSettings {
  const isQuick = argv.includes('--quick');
  const valueOf = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index === -1 ? undefined : argv[index + 1];
  };
  const numberOf = (flag: string, fallback: number) => {
    const value = valueOf(flag);
    return value === undefined ? fallback : Number(value);
  };
  const modes = valueOf('--modes')?.split(',') as ModeName[] | undefined;
  for (const mode of modes ?? []) {
    if (!MODE_NAMES.includes(mode)) throw new Error(`unknown mode ${mode}; modes are ${MODE_NAMES.join(', ')}`);
  }
  return {
    isQuick,
    rounds: numberOf('--rounds', isQuick ? 1 : 5),
    durationSeconds: numberOf('--duration', isQuick ? 3 : 10),
    warmupSeconds: numberOf('--warmup', isQuick ? 1 : 3),
    connections: numberOf('--connections', 20),
    sessions: numberOf('--sessions', 10_000),
    memorySessions: numberOf('--memory-sessions', 100_000),
    memoryMaxAgeMs: numberOf('--memory-max-age', 5_000),
    modes: argv.includes('--memory-only') ? [] : (modes ?? [...MODE_NAMES]),
    isMemorySkipped: argv.includes('--no-memory'),
    cpuProfileMode: valueOf('--cpu-prof') as ModeName | undefined,
    outputDir: valueOf('--out') ?? (isQuick ? join(benchDir, '.tmp') : benchDir),
  };
}

interface RunningApp {
  port: number;
  stop(): Promise<void>;
}

/** Starts a mode's app process; resolves to a reason string when the mode cannot run. */
async function startApp(
  mode: ModeName,
  sessionIds: string[],
  redis: BenchRedis | undefined,
  execArgv: string[],
): Promise<RunningApp | string> {
  const child: ChildProcess = fork(join(compiledDir, 'app.js'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  pinApp(child.pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const reply = await new Promise<AppMessage>((resolve, reject) => {
    child.once('message', (message: AppMessage) => resolve(message));
    child.once('exit', (code) => reject(new Error(`${mode} app exited with code ${code} before it was ready`)));
    const start: StartMessage = { type: 'start', mode, sessionIds, redisUrl: redis?.url };
    child.send(start);
  });
  if (reply.type === 'unavailable') {
    await exited;
    return reply.reason;
  }
  if (reply.type === 'failed') {
    await exited;
    throw new Error(`${mode} app failed to start:\n${reply.error}`);
  }
  return {
    port: reply.port,
    async stop() {
      // Disconnecting tells the app to close (and write its CPU profile) and exit.
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function measureMemory(store: MemoryStoreName, settings: BenchSettings): Promise<MemoryResult> {
  const child = fork(join(compiledDir, 'memory.js'), [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (result: MemoryResult) => resolve(result));
    child.once('exit', (code) => code !== 0 && reject(new Error(`memory benchmark of ${store} exited with code ${code}`)));
    child.send({ store, sessions: settings.memorySessions, maxAgeMs: settings.memoryMaxAgeMs });
  });
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  settings.cpuPinning = pinHarness();
  console.log(`CPUs: ${settings.cpuPinning}`);
  mkdirSync(settings.outputDir, { recursive: true });
  const profileDir = join(benchDir, '.tmp', 'profiles');
  const sessionIds = Array.from({ length: settings.sessions }, () => generateSessionId());
  const cookieHeaders = sessionIds.map(
    (sessionId) => `connect.sid=${encodeURIComponent(signSessionId(sessionId, BENCH_SECRET))}`,
  );
  const needsRedis = settings.modes.some((mode) => MODES[mode].usesRedis);
  const redis = needsRedis ? await startRedisServer() : undefined;
  const rounds = new Map<ModeName, LoadResult[]>();
  const unavailable = new Map<ModeName, string>();
  try {
    for (let round = 0; round < settings.rounds; round++) {
      // Rotate the order so that no mode always runs first (or right after the same one).
      const order = settings.modes.map((_, index) => settings.modes[(index + round) % settings.modes.length]!);
      for (const mode of order) {
        if (unavailable.has(mode)) continue;
        const execArgv = mode === settings.cpuProfileMode ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
        const app = await startApp(mode, sessionIds, redis, execArgv);
        if (typeof app === 'string') {
          unavailable.set(mode, app);
          console.log(`${MODES[mode].label}: ${app}`);
          continue;
        }
        try {
          await runLoad({ port: app.port, connections: settings.connections, durationSeconds: settings.warmupSeconds, cookieHeaders });
          const result = await runLoad({ port: app.port, connections: settings.connections, durationSeconds: settings.durationSeconds, cookieHeaders });
          rounds.set(mode, [...(rounds.get(mode) ?? []), result]);
          console.log(
            `round ${round + 1}/${settings.rounds} ${MODES[mode].label}: ${Math.round(result.requestsPerSecond)} req/s, ` +
              `p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms${result.failures ? `, ${result.failures} FAILED requests` : ''}`,
          );
        } finally {
          await app.stop();
        }
      }
    }
  } finally {
    await redis?.stop();
  }

  const summaries: ModeSummary[] = settings.modes.map((mode) => {
    const results = rounds.get(mode) ?? [];
    return {
      mode,
      unavailableReason: unavailable.get(mode),
      rounds: results.length,
      requestsPerSecond: results.length ? median(results.map((result) => result.requestsPerSecond)) : undefined,
      latencyP50Ms: results.length ? median(results.map((result) => result.latencyP50Ms)) : undefined,
      latencyP99Ms: results.length ? median(results.map((result) => result.latencyP99Ms)) : undefined,
      failures: results.reduce((sum, result) => sum + result.failures, 0),
    };
  });

  const memory: MemoryResult[] = [];
  if (!settings.isMemorySkipped) {
    for (const store of ['express-session', 'nest-sessions'] as const) {
      const result = await measureMemory(store, settings);
      memory.push(result);
      console.log(`memory ${store}: ${result.bytesPerSession} bytes/session, ${result.retainedSessions} sessions kept after expiry`);
    }
  }

  const chartFile = 'results-chart.svg';
  writeFileSync(join(settings.outputDir, chartFile), renderChart(summaries));
  const markdown = renderResults({ settings, summaries, memory, chartFile, notesFile: join(benchDir, 'OPTIMISATIONS.md') });
  writeFileSync(join(settings.outputDir, 'RESULTS.md'), markdown);
  console.log(`\n${markdown.split('\n## ')[1] ?? ''}`);
  console.log(`wrote ${join(settings.outputDir, 'RESULTS.md')} and ${chartFile}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
