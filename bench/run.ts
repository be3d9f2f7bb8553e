/**
 * `npm run bench [-- flags]`: throughput and latency of every mode (no session, express-session,
 * nest-sessions; MemoryStore and Redis; Express and Fastify) in every cell of the matrix
 * (bench/matrix.ts: session options, route, data size, nest-sessions build, Nest or plain
 * Express app), under each load generator, then memory per session; writes bench/RESULTS.md
 * and bench/results-chart.svg. `npm run bench -- --profile` runs bench/profile.ts instead
 * (instruction counts per request, see bench/PROFILE.md); `npm run bench -- --prune` runs
 * bench/prune.ts (PostgresStore and MySqlStore pruning 100,000 expired rows under load);
 * `npm run bench -- --csrf` runs bench/csrf.ts (the cost of the `csrf` option on a POST route);
 * `npm run bench -- --at-rest` runs bench/at-rest.ts (the cost of `hashIds` and `encryption`);
 * `npm run bench -- --scaling` runs bench/scaling.ts (req/s and p99 as sessions, connections and data grow).
 *
 * Flags:
 *   --matrix default|full   default: the README's recommended configuration, then one axis
 *                           changed at a time (10 cells); full: every combination (256 cells)
 *   --cells 'a;b'           only these cells, by name: `recommended`, `cookie=none`,
 *                           `app=express,build=cjs` (axis=value pairs, differences from recommended)
 *   --modes a,b             only these modes (bench/modes.ts); by default every cell runs the five
 *                           Express modes and the recommended cell the Fastify modes as well
 *   --quick                 1 round, 3 s per generator, written to bench/.tmp/ (a smoke test)
 *   --load autocannon|wrk|both, --rounds N (3), --duration S (5), --warmup S (2),
 *   --connections N, --sessions N (2,000), --no-memory, --memory-only, --cpu-prof <mode>, --out DIR
 *
 * Each app runs in its own process (fresh heap, pinned to CPU 0); autocannon runs in this
 * process and wrk as its child, both on CPU 1. Each round runs every cell; within a cell the
 * modes alternate, starting one later each round, and so do the generators; medians are reported.
 */
import { fork } from 'node:child_process';
import { startApp } from './app-process.js';
import { harnessIsPinned, pinHarness } from './cpu-pinning.js';
import { cpuBusyBetween, cpuTimes } from './cpu-busy.js';
import type { CpuBusy } from './cpu-busy.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSessionId, signSessionId } from '../lib/index.js';
import { DEFAULT_CONNECTIONS, LOAD_GENERATORS, runLoad } from './load.js';
import type { LoadGenerator, LoadResult } from './load.js';
import type { MemoryResult, MemoryStoreName } from './memory.js';
import { cellName, selectCells } from './matrix.js';
import type { Cell } from './matrix.js';
import { BENCH_SECRET, MODE_NAMES, MODES } from './modes.js';
import type { ModeName } from './modes.js';
import { startRedisServer } from './redis-server.js';
import { runProblems } from './run-validity.js';
import { detailSummariesOf, renderChart, renderResults } from './report.js';
import { ensureWrk } from './wrk-load.js';
import type { BenchSettings, ModeSummary } from './report.js';
import { flagValue } from './flags.js';
import { markedSectionsOf, median } from './results-section.js';

const compiledDir = dirname(fileURLToPath(import.meta.url));
/** The bench/ source folder: compiled code runs from bench/.tmp/bench/. */
const benchDir = join(compiledDir, '..', '..');

function parseSettings(argv: string[]): BenchSettings {
  const isQuick = argv.includes('--quick');
  const valueOf = (flag: string) => flagValue(argv, flag);
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
    rounds: numberOf('--rounds', isQuick ? 1 : 3),
    durationSeconds: numberOf('--duration', isQuick ? 3 : 5),
    warmupSeconds: numberOf('--warmup', isQuick ? 1 : 2),
    cells: selectCells(valueOf('--matrix'), valueOf('--cells')),
    areModesChosen: modes !== undefined,
    loads,
    connections: Object.fromEntries(
      loads.map((generator) => [generator, connectionsOverride === undefined ? DEFAULT_CONNECTIONS[generator] : Number(connectionsOverride)]),
    ) as Partial<Record<LoadGenerator, number>>,
    sessions: numberOf('--sessions', 2_000),
    memorySessions: numberOf('--memory-sessions', 100_000),
    memoryMaxAgeMs: numberOf('--memory-max-age', 15_000),
    modes: argv.includes('--memory-only') ? [] : (modes ?? [...MODE_NAMES]),
    isMemorySkipped: argv.includes('--no-memory'),
    cpuProfileMode: valueOf('--cpu-prof') as ModeName | undefined,
    outputDir: valueOf('--out') ?? (isQuick ? join(benchDir, '.tmp') : benchDir),
  };
}

/**
 * The modes a cell runs: the Express-platform modes everywhere (on a plain Express app in the
 * `app=express` cells); the Fastify modes in the recommended cell, or in every Nest cell when
 * `--modes` names them; the SQL modes in the recommended cell, or in every cell `--modes` names them for.
 */
function modesOfCell(cell: Cell, settings: BenchSettings): ModeName[] {
  const isRecommendedOrChosen = settings.areModesChosen || cellName(cell) === 'recommended';
  return settings.modes.filter((mode) =>
    MODES[mode].database ? isRecommendedOrChosen : MODES[mode].platform === 'express' || (cell.app === 'nest' && isRecommendedOrChosen),
  );
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
  if (argv.includes('--csrf')) {
    const { runCsrfBench } = await import('./csrf.js');
    await runCsrfBench(argv);
    return;
  }
  if (argv.includes('--at-rest')) {
    const { runAtRestBench } = await import('./at-rest.js');
    await runAtRestBench(argv);
    return;
  }
  if (argv.includes('--scaling')) {
    const { runScalingBench } = await import('./scaling.js');
    await runScalingBench(argv);
    return;
  }
  if (argv.includes('--prune')) {
    const { runPruneBench } = await import('./prune.js');
    await runPruneBench(argv);
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
  const needsRedis = settings.cells.some((cell) => modesOfCell(cell, settings).some((mode) => MODES[mode].usesRedis));
  const redis = needsRedis ? await startRedisServer() : undefined;
  const rounds = new Map<string, Array<LoadResult & { cpuBusy?: CpuBusy }>>();
  const roundsKey = (cell: Cell, generator: LoadGenerator, mode: ModeName) => `${cellName(cell)} ${generator} ${mode}`;
  const unavailable = new Map<string, string>();
  const unavailableKey = (cell: Cell, mode: ModeName) => `${cellName(cell)} ${mode}`;
  try {
    for (let round = 0; round < settings.rounds; round++) {
      // The generators take turns at going first on a freshly started app.
      const loads = settings.loads.map((_, index) => settings.loads[(index + round) % settings.loads.length]!);
      for (const cell of settings.cells) {
        const modes = modesOfCell(cell, settings);
        // Rotate the order so that no mode always runs first (or right after the same one).
        const order = modes.map((_, index) => modes[(index + round) % modes.length]!);
        for (const mode of order) {
          if (unavailable.has(unavailableKey(cell, mode))) continue;
          const label = `${cellName(cell)} · ${MODES[mode].label}`;
          const execArgv = mode === settings.cpuProfileMode ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
          const app = await startApp(mode, cell, sessionIds, redis, execArgv);
          if (typeof app === 'string') {
            unavailable.set(unavailableKey(cell, mode), app);
            console.log(`${label}: ${app}`);
            continue;
          }
          try {
            for (const [index, generator] of loads.entries()) {
              const loadOptions = { port: app.port, connections: settings.connections[generator]!, cookieHeaders, scriptDir };
              // The app is warmed up (JIT, store, connections) once, by the generator going first.
              if (index === 0) await runLoad(generator, { ...loadOptions, durationSeconds: settings.warmupSeconds });
              const timesBefore = cpuTimes();
              const loadResult = await runLoad(generator, { ...loadOptions, durationSeconds: settings.durationSeconds });
              const cpuBusy = harnessIsPinned() ? cpuBusyBetween(timesBefore, cpuTimes()) : undefined;
              const result = { ...loadResult, ...(cpuBusy && { cpuBusy }) };
              const key = roundsKey(cell, generator, mode);
              rounds.set(key, [...(rounds.get(key) ?? []), result]);
              console.log(
                `round ${round + 1}/${settings.rounds} ${generator} ${label}: ${Math.round(result.requestsPerSecond)} req/s, ` +
                  `p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms${result.failures ? `, ${result.failures} FAILED requests` : ''}` +
                  (cpuBusy ? `, CPUs busy: app ${Math.round(cpuBusy.app * 100)} %, load ${Math.round(cpuBusy.load * 100)} %` : ''),
              );
            }
          } finally {
            await app.stop();
          }
        }
      }
    }
  } finally {
    await redis?.stop();
  }

  const summaries: ModeSummary[] = settings.cells.flatMap((cell) =>
    settings.loads.flatMap((generator) =>
      modesOfCell(cell, settings).map((mode) => {
        const results = rounds.get(roundsKey(cell, generator, mode)) ?? [];
        return {
          cell: cellName(cell),
          generator,
          mode,
          unavailableReason: unavailable.get(unavailableKey(cell, mode)),
          rounds: results.length,
          requestsPerSecond: results.length ? median(results.map((result) => result.requestsPerSecond)) : undefined,
          latencyP50Ms: results.length ? median(results.map((result) => result.latencyP50Ms)) : undefined,
          latencyP99Ms: results.length ? median(results.map((result) => result.latencyP99Ms)) : undefined,
          failures: results.reduce((sum, result) => sum + result.failures, 0),
          roundRates: results.map((result) => result.requestsPerSecond),
          cpuBusy: medianCpuBusy(results.flatMap((result) => (result.cpuBusy ? [result.cpuBusy] : []))),
        };
      }),
    ),
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
  writeFileSync(join(settings.outputDir, chartFile), renderChart(detailSummariesOf(summaries)));
  const resultsFile = join(settings.outputDir, 'RESULTS.md');
  // The sections the other benches wrote stay, after this run's own.
  const kept = existsSync(resultsFile) ? markedSectionsOf(readFileSync(resultsFile, 'utf8')) : [];
  const markdown = renderResults({ settings, summaries, memory, chartFile, notesFile: join(benchDir, 'OPTIMISATIONS.md') });
  writeFileSync(resultsFile, [markdown.trimEnd(), ...kept].join('\n\n') + '\n');
  console.log(`\n${markdown.split('\n## ')[1] ?? ''}`);
  console.log(`wrote ${join(settings.outputDir, 'RESULTS.md')} and ${chartFile}`);
  const problems = runProblems(summaries);
  if (problems.length) {
    console.error(`\nThis run is not fit to quote (RESULTS.md says so at its top): a session mode served more than its ceiling, so the machine's speed changed during the run:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
    process.exitCode = 1;
  }
}

/** The median of each CPU's busy share over the rounds that measured it. */
function medianCpuBusy(readings: CpuBusy[]): CpuBusy | undefined {
  if (readings.length === 0) return undefined;
  return { app: median(readings.map((reading) => reading.app)), load: median(readings.map((reading) => reading.load)) };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
