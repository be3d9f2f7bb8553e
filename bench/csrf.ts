/**
 * `npm run bench -- --csrf`: the cost of the CSRF protection. For Express and Fastify, the same
 * Nest app with `csrf` off and on, rounds alternating the two, autocannon posting with a
 * session cookie and its valid token; the medians of requests/s and of the app's CPU time per
 * request, and their ratios, go into RESULTS.md's CSRF section (bench/.tmp/ with `--quick`).
 * Issue 20's target: at most 3 % fewer requests/s. A third setting, the option off with a global
 * guard that returns true, shows what Nest charges for running any global guard. Then each
 * setting runs under callgrind (`--instruction-rounds N`, `--requests N`, `--warmup-requests N`;
 * `--no-callgrind` skips it): the instructions per request, which a busy machine does not move.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinApp, pinHarness } from './cpu-pinning.js';
import { DEFAULT_CONNECTIONS, runAutocannon } from './load.js';
import { bareGuardCpuCost, CSRF_BENCH_SETTINGS, csrfCost, csrfCpuCost, renderCsrfSection, withCsrfSection } from './csrf-report.js';
import type { CsrfAppMessage, CsrfBenchPlatform, CsrfBenchSetting, CsrfPlatformResult, CsrfStartMessage } from './csrf-report.js';
import { flagValue } from './flags.js';
import { callgrindWrapper, countedWindow, dumpCounts, dumpFileOf } from './callgrind-window.js';

const compiledDir = dirname(fileURLToPath(import.meta.url));
const benchDir = join(compiledDir, '..', '..');
/** The raw dumps, for callgrind_annotate: never beside RESULTS.md. */
const CALLGRIND_DIR = join(benchDir, '.tmp', 'csrf-callgrind');

interface CsrfSettings {
  rounds: number;
  /** Rounds counted by callgrind (0 with `--no-callgrind`): instructions do not drift with the machine's load. */
  instructionRounds: number;
  instructionRequests: number;
  instructionWarmupRequests: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  sessions: number;
  outputDir: string;
}

function parseCsrfSettings(argv: string[]): CsrfSettings {
  const valueOf = (flag: string) => flagValue(argv, flag);
  const isQuick = argv.includes('--quick');
  return {
    rounds: Number(valueOf('--rounds') ?? (isQuick ? 1 : 5)),
    instructionRounds: argv.includes('--no-callgrind') ? 0 : Number(valueOf('--instruction-rounds') ?? (isQuick ? 1 : 3)),
    instructionRequests: Number(valueOf('--requests') ?? (isQuick ? 1000 : 3000)),
    instructionWarmupRequests: Number(valueOf('--warmup-requests') ?? (isQuick ? 3000 : 10000)),
    durationSeconds: Number(valueOf('--duration') ?? (isQuick ? 3 : 8)),
    warmupSeconds: Number(valueOf('--warmup') ?? (isQuick ? 1 : 2)),
    connections: Number(valueOf('--connections') ?? DEFAULT_CONNECTIONS.autocannon),
    sessions: Number(valueOf('--sessions') ?? 500),
    outputDir: valueOf('--out') ?? (isQuick ? join(benchDir, '.tmp') : benchDir),
  };
}

async function startApp(start: CsrfStartMessage, wrapper?: { execPath: string; args: string[] }): Promise<{ child: ReturnType<typeof fork>; port: number }> {
  const child = fork(join(compiledDir, 'csrf-app.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(wrapper ? { execPath: wrapper.execPath, execArgv: [...wrapper.args, process.execPath] } : {}),
  });
  pinApp(child.pid);
  const reply = await new Promise<CsrfAppMessage>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the CSRF bench app exited with code ${code} before it was ready`)));
    child.send(start);
  });
  if (reply.type !== 'ready') throw new Error(reply.type === 'failed' ? reply.error : 'the CSRF bench app answered before it was ready');
  return { child, port: reply.port };
}

/** Sessions with a token each, as pages hand them out: the same requests for both settings. */
async function sessionsWithTokens(port: number, count: number): Promise<Array<Record<string, string>>> {
  const headerSets: Array<Record<string, string>> = [];
  for (let index = 0; index < count; index += 1) {
    const response = await fetch(`http://127.0.0.1:${port}/token`);
    const cookie = response.headers.getSetCookie()[0]!.split(';', 1)[0]!;
    const { token } = (await response.json()) as { token: string };
    headerSets.push({ cookie, 'x-csrf-token': token });
  }
  return headerSets;
}

/** The app process's CPU time so far, in µs. */
function cpuOf(child: ReturnType<typeof fork>): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: CsrfAppMessage) => {
      if (message.type !== 'cpu') return;
      child.off('message', onMessage);
      resolve(message.microseconds);
    };
    child.on('message', onMessage);
    child.send({ type: 'cpu' });
  });
}

/** The POST /counter load of one app: its sessions, each with a token of its own. */
type CsrfLoad = Parameters<typeof runAutocannon>[0];

/**
 * Starts the app of one setting (under `wrapper` when given), hands its process and the load
 * of its sessions to `use`, and stops it afterwards, whatever `use` did.
 */
async function withCsrfApp<T>(
  start: CsrfStartMessage,
  settings: CsrfSettings,
  wrapper: { execPath: string; args: string[] } | undefined,
  use: (child: ReturnType<typeof fork>, load: CsrfLoad) => Promise<T>,
): Promise<T> {
  const { child, port } = await startApp(start, wrapper);
  try {
    const headerSets = await sessionsWithTokens(port, settings.sessions);
    return await use(child, { port, connections: settings.connections, durationSeconds: 0, cookieHeaders: [], route: { method: 'POST', path: '/counter', headerSets } });
  } finally {
    child.disconnect();
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** One run of one setting: its requests/s, and the app's CPU time per request (µs). */
function measure(platform: CsrfBenchPlatform, setting: CsrfBenchSetting, settings: CsrfSettings): Promise<{ requestsPerSecond: number; cpuMicroseconds: number }> {
  return withCsrfApp({ platform, setting }, settings, undefined, async (child, load) => {
    await runAutocannon({ ...load, durationSeconds: settings.warmupSeconds });
    const cpuBefore = await cpuOf(child);
    const result = await runAutocannon({ ...load, durationSeconds: settings.durationSeconds });
    const cpuUsed = (await cpuOf(child)) - cpuBefore;
    if (result.failures > 0) throw new Error(`${platform}, ${setting}: ${result.failures} failed requests (the token must be accepted)`);
    return { requestsPerSecond: result.requestsPerSecond, cpuMicroseconds: cpuUsed / (result.requestsPerSecond * settings.durationSeconds) };
  });
}

/** One callgrind run of one setting: the app's steady instructions per request (after the warm-up; without the major GC and the JIT compilers). */
async function countInstructions(platform: CsrfBenchPlatform, setting: CsrfBenchSetting, settings: CsrfSettings): Promise<number> {
  const name = `callgrind.csrf.${platform}.${setting}`;
  mkdirSync(CALLGRIND_DIR, { recursive: true });
  await withCsrfApp({ platform, setting }, settings, callgrindWrapper(CALLGRIND_DIR, name), async (child, load) => {
    const bounded = { ...load, timeoutSeconds: 60 };
    await runAutocannon({ ...bounded, amount: settings.instructionWarmupRequests });
    const result = await countedWindow(child.pid!, () => runAutocannon({ ...bounded, amount: settings.instructionRequests }));
    if (result.failures > 0) throw new Error(`${platform}, ${setting}: ${result.failures} failed requests under callgrind`);
  });
  return dumpCounts(dumpFileOf(CALLGRIND_DIR, name)).steady / settings.instructionRequests;
}

export async function runCsrfBench(argv: string[]): Promise<void> {
  const settings = parseCsrfSettings(argv);
  console.log(`CPUs: ${pinHarness()}`);
  const results: CsrfPlatformResult[] = [];
  for (const platform of ['express', 'fastify'] as const) {
    const result: CsrfPlatformResult = {
      platform,
      offRequestsPerSecond: [],
      onRequestsPerSecond: [],
      offCpuMicroseconds: [],
      onCpuMicroseconds: [],
      bareGuardCpuMicroseconds: [],
      offInstructions: [],
      onInstructions: [],
    };
    for (let round = 0; round < settings.instructionRounds; round += 1) {
      for (const setting of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        const instructions = await countInstructions(platform, setting, settings);
        (setting === 'on' ? result.onInstructions : result.offInstructions).push(instructions);
        console.log(`${platform} callgrind round ${round + 1}, ${setting}: ${Math.round(instructions)} instructions per request`);
      }
    }
    for (let round = 0; round < settings.rounds; round += 1) {
      // Each round starts with another setting, so a drift of the machine hits them alike.
      const order = CSRF_BENCH_SETTINGS.map((_, index) => CSRF_BENCH_SETTINGS[(index + round) % CSRF_BENCH_SETTINGS.length]!);
      for (const setting of order) {
        const { requestsPerSecond, cpuMicroseconds } = await measure(platform, setting, settings);
        if (setting === 'on') result.onRequestsPerSecond.push(requestsPerSecond);
        if (setting === 'off') result.offRequestsPerSecond.push(requestsPerSecond);
        (setting === 'on' ? result.onCpuMicroseconds : setting === 'off' ? result.offCpuMicroseconds : result.bareGuardCpuMicroseconds).push(cpuMicroseconds);
        console.log(`${platform} round ${round + 1}, ${setting}: ${Math.round(requestsPerSecond)} req/s, ${cpuMicroseconds.toFixed(0)} µs CPU per request`);
      }
    }
    console.log(
      `${platform}: cost ${(csrfCost(result) * 100).toFixed(1)} % by req/s, ${(csrfCpuCost(result) * 100).toFixed(1)} % by CPU time ` +
        `(a guard returning true: ${(bareGuardCpuCost(result) * 100).toFixed(1)} %)`,
    );
    results.push(result);
  }
  mkdirSync(settings.outputDir, { recursive: true });
  const resultsFile = join(settings.outputDir, 'RESULTS.md');
  const current = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '# Benchmark results\n';
  writeFileSync(resultsFile, withCsrfSection(current, renderCsrfSection(results, settings)));
  console.log(`written to ${resultsFile}`);
}
