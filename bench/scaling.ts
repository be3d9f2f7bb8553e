/**
 * `npm run bench -- --scaling`: how requests/s and p99 move as one quantity grows (issue 18):
 * the sessions in the store (2,000 → 200,000), the connections (1 → 256) and the session data
 * (~150 B → ~50 KB), for nest-sessions and express-session on the MemoryStore and on Redis.
 * Writes RESULTS.md's scaling section and bench/scaling-chart.svg (bench/.tmp/ with `--quick`).
 *
 * Flags: --series a,b (sessions,connections,data), --rounds N (2), --duration S (5), --warmup S (2),
 * --quick (1 round of 2 s, the first two points of each series), --out DIR
 */
import { mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSessionId, signSessionId } from '../lib/index.js';
import { startApp } from './app-process.js';
import { pinHarness } from './cpu-pinning.js';
import { flagValue } from './flags.js';
import { DEFAULT_CONNECTIONS, runAutocannon } from './load.js';
import { RECOMMENDED_CELL } from './matrix.js';
import type { Cell } from './matrix.js';
import { BENCH_SECRET } from './modes.js';
import { startRedisServer } from './redis-server.js';
import { renderScalingChart, renderScalingSection, SCALING_PAIRS, SCALING_SERIES, withScalingSection } from './scaling-report.js';
import type { ScalingMode, ScalingSeriesResult, SeriesName, SeriesPoint } from './scaling-report.js';

const compiledDir = dirname(fileURLToPath(import.meta.url));
const benchDir = join(compiledDir, '..', '..');
const MODES_MEASURED: ScalingMode[] = SCALING_PAIRS.flatMap((pair) => [pair.ours, pair.theirs]);
const FIRST_SESSIONS = SCALING_SERIES.sessions[0];

interface ScalingSettings {
  series: SeriesName[];
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  pointsPerSeries: number;
  outputDir: string;
}

function parseScalingSettings(argv: string[]): ScalingSettings {
  const valueOf = (flag: string) => flagValue(argv, flag);
  const isQuick = argv.includes('--quick');
  const series = (valueOf('--series')?.split(',') ?? Object.keys(SCALING_SERIES)) as SeriesName[];
  for (const name of series) if (!(name in SCALING_SERIES)) throw new Error(`unknown series ${name}; series are ${Object.keys(SCALING_SERIES).join(', ')}`);
  return {
    series,
    rounds: Number(valueOf('--rounds') ?? (isQuick ? 1 : 2)),
    durationSeconds: Number(valueOf('--duration') ?? (isQuick ? 2 : 5)),
    warmupSeconds: Number(valueOf('--warmup') ?? (isQuick ? 1 : 2)),
    pointsPerSeries: isQuick ? 2 : Infinity,
    outputDir: valueOf('--out') ?? (isQuick ? join(benchDir, '.tmp') : benchDir),
  };
}

/** What one point of a series runs with. */
function pointSetup(series: SeriesName, point: SeriesPoint): { cell: Cell; sessions: number; connections: number } {
  return {
    cell: series === 'data' ? { ...RECOMMENDED_CELL, data: point as Cell['data'] } : RECOMMENDED_CELL,
    sessions: series === 'sessions' ? (point as number) : FIRST_SESSIONS,
    connections: series === 'connections' ? (point as number) : DEFAULT_CONNECTIONS.autocannon,
  };
}

export async function runScalingBench(argv: string[]): Promise<void> {
  const settings = parseScalingSettings(argv);
  console.log(`CPUs: ${pinHarness()}`);
  const redis = await startRedisServer();
  const results: ScalingSeriesResult[] = [];
  try {
    for (const series of settings.series) {
      const points = SCALING_SERIES[series].slice(0, settings.pointsPerSeries) as SeriesPoint[];
      const result: ScalingSeriesResult = { series, points: points.map((point) => ({ point, rounds: {} })) };
      for (let round = 0; round < settings.rounds; round++) {
        for (const [index, point] of points.entries()) {
          const { cell, sessions, connections } = pointSetup(series, point);
          const sessionIds = Array.from({ length: sessions }, () => generateSessionId());
          const cookieHeaders = sessionIds.map((sessionId) => `connect.sid=${encodeURIComponent(signSessionId(sessionId, BENCH_SECRET))}`);
          // Each round starts with another mode, so a drift of the machine hits them alike.
          const order = MODES_MEASURED.map((_, offset) => MODES_MEASURED[(offset + round + index) % MODES_MEASURED.length]!);
          for (const mode of order) {
            const app = await startApp(mode, cell, sessionIds, redis, []);
            if (typeof app === 'string') throw new Error(`${mode}: ${app}`);
            try {
              const load = { port: app.port, connections, cookieHeaders };
              await runAutocannon({ ...load, durationSeconds: settings.warmupSeconds });
              const measured = await runAutocannon({ ...load, durationSeconds: settings.durationSeconds });
              if (measured.failures > 0) throw new Error(`${mode}, ${series} ${point}: ${measured.failures} failed requests`);
              const rounds = (result.points[index]!.rounds[mode] ??= { requestsPerSecond: [], latencyP99Ms: [] });
              rounds.requestsPerSecond.push(measured.requestsPerSecond);
              rounds.latencyP99Ms.push(measured.latencyP99Ms);
              console.log(`${series} ${point}, round ${round + 1}, ${mode}: ${Math.round(measured.requestsPerSecond)} req/s, p99 ${measured.latencyP99Ms} ms`);
            } finally {
              await app.stop();
            }
          }
        }
      }
      results.push(result);
    }
  } finally {
    await redis.stop();
  }
  mkdirSync(settings.outputDir, { recursive: true });
  const chartFile = 'scaling-chart.svg';
  writeFileSync(join(settings.outputDir, chartFile), renderScalingChart(results));
  const resultsFile = join(settings.outputDir, 'RESULTS.md');
  const current = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '# Benchmark results\n';
  writeFileSync(resultsFile, withScalingSection(current, renderScalingSection(results, { rounds: settings.rounds, durationSeconds: settings.durationSeconds, chartFile })));
  console.log(`written to ${resultsFile} and ${chartFile}`);
}
