/**
 * `npm run bench [-- --quick] [-- --load autocannon|wrk|both]`: throughput and latency of the
 * five modes side by side under each load generator, then memory per session; writes
 * bench/RESULTS.md and bench/results-chart.svg. `npm run bench -- --profile` runs
 * bench/profile.ts instead (instruction counts per request, see bench/PROFILE.md).
 *
 * Each mode's app runs in its own process (fresh heap, pinned to CPU 0); autocannon runs in
 * this process and wrk as its child, both on CPU 1. Modes alternate within each round, starting
 * one later each round, and so do the generators; medians are reported.
 */
import { fork } from 'node:child_process';
import { startApp } from './app-process.js';
import { pinHarness } from './cpu-pinning.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSessionId, signSessionId } from '../lib/index.js';
import { DEFAULT_CONNECTIONS, LOAD_GENERATORS, runLoad } from './load.js';
import type { LoadGenerator, LoadResult } from './load.js';
import type { MemoryResult, MemoryStoreName } from './memory.js';
import { BENCH_SECRET, MODE_NAMES, MODES } from './modes.js';
import type { ModeName } from './modes.js';
import { startRedisServer } from './redis-server.js';
import { renderChart, renderResults } from './report.js';
import { ensureWrk } from './wrk-load.js';
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
  const load = valueOf('--load') ?? 'both';
  const loads = (load === 'both' ? [...LOAD_GENERATORS] : load.split(',')) as LoadGenerator[];
  for (const generator of loads) {
    if (!LOAD_GENERATORS.includes(generator)) throw new Error(`unknown load generator ${generator}; use ${LOAD_GENERATORS.join(', ')} or both`);
  }
  const connectionsOverride = valueOf('--connections');
  for (const mode of modes ?? []) {
    if (!MODE_NAMES.includes(mode)) throw new Error(`unknown mode ${mode}; modes are ${MODE_NAMES.join(', ')}`);
  }
  return {
    isQuick,
    rounds: numberOf('--rounds', isQuick ? 1 : 5),
    durationSeconds: numberOf('--duration', isQuick ? 3 : 10),
    warmupSeconds: numberOf('--warmup', isQuick ? 1 : 3),
    loads,
    connections: Object.fromEntries(
      loads.map((generator) => [generator, connectionsOverride === undefined ? DEFAULT_CONNECTIONS[generator] : Number(connectionsOverride)]),
    ) as Partial<Record<LoadGenerator, number>>,
    sessions: numberOf('--sessions', 2_000),
    memorySessions: numberOf('--memory-sessions', 100_000),
    memoryMaxAgeMs: numberOf('--memory-max-age', 5_000),
    modes: argv.includes('--memory-only') ? [] : (modes ?? [...MODE_NAMES]),
    isMemorySkipped: argv.includes('--no-memory'),
    cpuProfileMode: valueOf('--cpu-prof') as ModeName | undefined,
    outputDir: valueOf('--out') ?? (isQuick ? join(benchDir, '.tmp') : benchDir),
  };
}

export function median(values: number[]): number {
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
  const argv = process.argv.slice(2);
  if (argv.includes('--profile')) {
    const { runProfile } = await import('./profile.js');
    await runProfile(argv);
    return;
  }
  const settings = parseSettings(argv);
  if (settings.loads.includes('wrk') && settings.modes.length > 0) ensureWrk(benchDir);
  settings.cpuPinning = pinHarness();
  console.log(`CPUs: ${settings.cpuPinning}`);
  mkdirSync(settings.outputDir, { recursive: true });
  const scriptDir = join(benchDir, '.tmp');
  mkdirSync(scriptDir, { recursive: true });
  const profileDir = join(benchDir, '.tmp', 'profiles');
  const sessionIds = Array.from({ length: settings.sessions }, () => generateSessionId());
  const cookieHeaders = sessionIds.map(
    (sessionId) => `connect.sid=${encodeURIComponent(signSessionId(sessionId, BENCH_SECRET))}`,
  );
  const needsRedis = settings.modes.some((mode) => MODES[mode].usesRedis);
  const redis = needsRedis ? await startRedisServer() : undefined;
  const rounds = new Map<string, LoadResult[]>();
  const roundsKey = (generator: LoadGenerator, mode: ModeName) => `${generator} ${mode}`;
  const unavailable = new Map<ModeName, string>();
  try {
    for (let round = 0; round < settings.rounds; round++) {
      // Rotate the order so that no mode always runs first (or right after the same one).
      const order = settings.modes.map((_, index) => settings.modes[(index + round) % settings.modes.length]!);
      // The generators take turns at going first on a freshly started app, too.
      const loads = settings.loads.map((_, index) => settings.loads[(index + round) % settings.loads.length]!);
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
          for (const [index, generator] of loads.entries()) {
            const loadOptions = { port: app.port, connections: settings.connections[generator]!, cookieHeaders, scriptDir };
            // The app is warmed up (JIT, store, connections) once, by the generator going first.
            if (index === 0) await runLoad(generator, { ...loadOptions, durationSeconds: settings.warmupSeconds });
            const result = await runLoad(generator, { ...loadOptions, durationSeconds: settings.durationSeconds });
            rounds.set(roundsKey(generator, mode), [...(rounds.get(roundsKey(generator, mode)) ?? []), result]);
            console.log(
              `round ${round + 1}/${settings.rounds} ${generator} ${MODES[mode].label}: ${Math.round(result.requestsPerSecond)} req/s, ` +
                `p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms${result.failures ? `, ${result.failures} FAILED requests` : ''}`,
            );
          }
        } finally {
          await app.stop();
        }
      }
    }
  } finally {
    await redis?.stop();
  }

  const summaries: ModeSummary[] = settings.loads.flatMap((generator) =>
    settings.modes.map((mode) => {
      const results = rounds.get(roundsKey(generator, mode)) ?? [];
      return {
        generator,
        mode,
        unavailableReason: unavailable.get(mode),
        rounds: results.length,
        requestsPerSecond: results.length ? median(results.map((result) => result.requestsPerSecond)) : undefined,
        latencyP50Ms: results.length ? median(results.map((result) => result.latencyP50Ms)) : undefined,
        latencyP99Ms: results.length ? median(results.map((result) => result.latencyP99Ms)) : undefined,
        failures: results.reduce((sum, result) => sum + result.failures, 0),
        roundRates: results.map((result) => result.requestsPerSecond),
      };
    }),
  );

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
