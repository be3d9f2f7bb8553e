/**
 * `npm run bench -- --at-rest`: the cost of `hashIds` and `encryption` (issue 21). For the
 * MemoryStore and RedisStore modes, the recommended cell with the options off, each alone and
 * both (the matrix's `atRest` axis), rounds alternating the settings: requests/s, the app's CPU
 * time per request, then steady instructions per request under callgrind. Writes RESULTS.md's
 * at-rest section (bench/.tmp/ with `--quick`).
 *
 * Flags: --modes a,b (nest-sessions-memory,nest-sessions-redis), --rounds N (3), --duration S (8),
 * --warmup S (2), --connections N (20), --sessions N (2,000), --instruction-rounds N (1),
 * --requests N (2,000), --warmup-requests N (10,000), --no-callgrind, --quick, --out DIR
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSessionId, signSessionId } from '../lib/index.js';
import { startApp } from './app-process.js';
import type { RunningApp } from './app-process.js';
import { AT_REST_SETTINGS, atRestCosts, emptyMeasurements, renderAtRestSection, withAtRestSection } from './at-rest-report.js';
import type { AtRestModeResult, AtRestRunSettings, AtRestSetting } from './at-rest-report.js';
import { callgrindWrapper, countedWindow, dumpCounts, dumpFileOf } from './callgrind-window.js';
import { pinHarness } from './cpu-pinning.js';
import { flagValue } from './flags.js';
import { DEFAULT_CONNECTIONS, runAutocannon } from './load.js';
import { RECOMMENDED_CELL } from './matrix.js';
import { BENCH_SECRET, MODES } from './modes.js';
import type { ModeName } from './modes.js';
import { startRedisServer } from './redis-server.js';
import type { BenchRedis } from './redis-server.js';

const compiledDir = dirname(fileURLToPath(import.meta.url));
const benchDir = join(compiledDir, '..', '..');
const CALLGRIND_DIR = join(benchDir, '.tmp', 'at-rest-callgrind');
const AT_REST_MODES: readonly ModeName[] = ['nest-sessions-memory', 'nest-sessions-redis'];

interface AtRestSettings extends AtRestRunSettings {
  modes: ModeName[];
  warmupSeconds: number;
  outputDir: string;
}

function parseAtRestSettings(argv: string[]): AtRestSettings {
  const valueOf = (flag: string) => flagValue(argv, flag);
  const isQuick = argv.includes('--quick');
  const modes = (valueOf('--modes')?.split(',') ?? [...AT_REST_MODES]) as ModeName[];
  for (const mode of modes) if (!AT_REST_MODES.includes(mode)) throw new Error(`--at-rest measures ${AT_REST_MODES.join(' and ')}, not ${mode}`);
  return {
    modes,
    rounds: Number(valueOf('--rounds') ?? (isQuick ? 1 : 3)),
    durationSeconds: Number(valueOf('--duration') ?? (isQuick ? 3 : 8)),
    warmupSeconds: Number(valueOf('--warmup') ?? (isQuick ? 1 : 2)),
    connections: Number(valueOf('--connections') ?? DEFAULT_CONNECTIONS.autocannon),
    sessions: Number(valueOf('--sessions') ?? 2_000),
    instructionRounds: argv.includes('--no-callgrind') ? 0 : Number(valueOf('--instruction-rounds') ?? 1),
    instructionRequests: Number(valueOf('--requests') ?? (isQuick ? 500 : 2_000)),
    instructionWarmupRequests: Number(valueOf('--warmup-requests') ?? (isQuick ? 2_000 : 10_000)),
    outputDir: valueOf('--out') ?? (isQuick ? join(benchDir, '.tmp') : benchDir),
  };
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** A process's CPU time so far (user + system), µs, from /proc (in clock ticks, 10 ms on Linux). */
function cpuMicrosecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are the 14th and 15th fields, the 12th and 13th after the command name.
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1_000_000;
}

async function withApp<T>(mode: ModeName, setting: AtRestSetting, sessionIds: string[], redis: BenchRedis | undefined, wrapper: { execPath: string; args: string[] } | undefined, use: (app: RunningApp) => Promise<T>): Promise<T> {
  const app = await startApp(mode, { ...RECOMMENDED_CELL, atRest: setting }, sessionIds, redis, [], wrapper);
  if (typeof app === 'string') throw new Error(`${mode}, ${setting}: ${app}`);
  try {
    return await use(app);
  } finally {
    await app.stop();
  }
}

export async function runAtRestBench(argv: string[]): Promise<void> {
  const settings = parseAtRestSettings(argv);
  console.log(`CPUs: ${pinHarness()}`);
  const sessionIds = Array.from({ length: settings.sessions }, () => generateSessionId());
  const cookieHeaders = sessionIds.map((sessionId) => `connect.sid=${encodeURIComponent(signSessionId(sessionId, BENCH_SECRET))}`);
  const redis = settings.modes.some((mode) => MODES[mode].usesRedis) ? await startRedisServer() : undefined;
  mkdirSync(CALLGRIND_DIR, { recursive: true });
  const results: AtRestModeResult[] = [];
  try {
    for (const mode of settings.modes) {
      const result: AtRestModeResult = { mode, label: MODES[mode].label.replace(/^\d+\. /, ''), settings: emptyMeasurements() };
      // Each round starts with another setting, so a drift of the machine hits them alike.
      const orderOf = (round: number) => AT_REST_SETTINGS.map((_, index) => AT_REST_SETTINGS[(index + round) % AT_REST_SETTINGS.length]!);
      for (let round = 0; round < settings.rounds; round++) {
        for (const setting of orderOf(round)) {
          const { requestsPerSecond, cpuMicroseconds } = await withApp(mode, setting, sessionIds, redis, undefined, async (app) => {
            const load = { port: app.port, connections: settings.connections, cookieHeaders };
            await runAutocannon({ ...load, durationSeconds: settings.warmupSeconds });
            const cpuBefore = cpuMicrosecondsOf(app.pid);
            const measured = await runAutocannon({ ...load, durationSeconds: settings.durationSeconds });
            if (measured.failures > 0) throw new Error(`${mode}, ${setting}: ${measured.failures} failed requests`);
            const requests = measured.requestsPerSecond * settings.durationSeconds;
            return { requestsPerSecond: measured.requestsPerSecond, cpuMicroseconds: (cpuMicrosecondsOf(app.pid) - cpuBefore) / requests };
          });
          result.settings[setting].requestsPerSecond.push(requestsPerSecond);
          result.settings[setting].cpuMicroseconds.push(cpuMicroseconds);
          console.log(`${mode} round ${round + 1}, ${setting}: ${Math.round(requestsPerSecond)} req/s, ${cpuMicroseconds.toFixed(1)} µs CPU per request`);
        }
      }
      for (let round = 0; round < settings.instructionRounds; round++) {
        for (const setting of orderOf(round)) {
          const name = `callgrind.${mode}.${setting}`;
          await withApp(mode, setting, sessionIds, redis, callgrindWrapper(CALLGRIND_DIR, name), async (app) => {
            const load = { port: app.port, connections: 4, durationSeconds: 0, cookieHeaders, timeoutSeconds: 60 };
            await runAutocannon({ ...load, amount: settings.instructionWarmupRequests });
            const counted = await countedWindow(app.pid, () => runAutocannon({ ...load, amount: settings.instructionRequests }));
            // Under callgrind a store call can outlast the RedisStore's 2 s deadline (a 503): a few are noise, many a fault.
            if (counted.failures > settings.instructionRequests / 100) throw new Error(`${mode}, ${setting}: ${counted.failures} failed requests under callgrind`);
            if (counted.failures > 0) console.log(`${mode}, ${setting}: ${counted.failures} requests failed under callgrind (slower than the store's deadline)`);
          });
          const instructions = dumpCounts(dumpFileOf(CALLGRIND_DIR, name)).steady / settings.instructionRequests;
          result.settings[setting].instructions.push(instructions);
          console.log(`${mode} callgrind round ${round + 1}, ${setting}: ${Math.round(instructions)} steady instructions per request`);
        }
      }
      for (const setting of AT_REST_SETTINGS.slice(1)) {
        const costs = atRestCosts(result, setting);
        const percent = (value: number | undefined) => (value === undefined ? '–' : `${(value * 100).toFixed(1)} %`);
        console.log(`${mode}, ${setting}: cost ${percent(costs.requestsPerSecond)} by req/s, ${percent(costs.cpu)} by CPU time, ${percent(costs.instructions)} by instructions`);
      }
      results.push(result);
    }
  } finally {
    await redis?.stop();
  }
  mkdirSync(settings.outputDir, { recursive: true });
  const resultsFile = join(settings.outputDir, 'RESULTS.md');
  const current = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '# Benchmark results\n';
  writeFileSync(resultsFile, withAtRestSection(current, renderAtRestSection(results, settings)));
  console.log(`written to ${resultsFile}`);
}
