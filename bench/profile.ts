/**
 * `npm run bench -- --profile [--modes a,b] [--cell NAME] [--requests N] [--warmup-requests N] [--quick]
 * [--app path/to/app.js] [--cpu-prof]`: where a request's CPU goes, in instructions, which
 * do not drift with the machine's load the way wall-clock time does.
 *
 * Each mode's app runs under `valgrind --tool=callgrind` with instrumentation off; it is
 * warmed up (JIT tiers, store, connections), instrumentation is switched on with
 * `callgrind_control`, exactly N requests are sent by autocannon, and the counts are dumped.
 * Instructions per request = the dump's total / N (all threads: GC helpers and the JIT
 * compilers included). The dump's functions are grouped into categories (JSON, HMAC, GC,
 * promise machinery, JIT-compiled JavaScript...) and each mode is set against the first one
 * (the no-session ceiling by default). With `--cpu-prof`, each mode also runs natively with
 * V8's sampling profiler, whose JavaScript function names callgrind cannot see: the session
 * code's share is split by function and file.
 *
 * Output: tables on stdout and in bench/.tmp/profile/profile.md; the raw callgrind dumps and
 * CPU profiles stay beside it for `callgrind_annotate` / Chrome DevTools.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSessionId, signSessionId } from '../lib/index.js';
import { startApp } from './app-process.js';
import { pinHarness } from './cpu-pinning.js';
import { runAutocannon } from './load.js';
import { cellName, parseCellName } from './matrix.js';
import type { Cell } from './matrix.js';
import { BENCH_SECRET, MODE_NAMES, MODES } from './modes.js';
import type { ModeName } from './modes.js';
import { startRedisServer } from './redis-server.js';
import { CATEGORIES, categorize, parseAnnotate, UNSTEADY_CATEGORIES } from './callgrind-categories.js';
import { callgrindWrapper, countedWindow, dumpFileOf } from './callgrind-window.js';
import type { CategoryName } from './callgrind-categories.js';
import { nameJitFunctions } from './callgrind-js-names.js';
import { summarizeSessionCode } from './cpu-profile-attribution.js';
import { flagValue } from './flags.js';

const compiledDir = dirname(fileURLToPath(import.meta.url));
const benchDir = join(compiledDir, '..', '..');

interface ProfileSettings {
  modes: ModeName[];
  /** The matrix cell the apps serve (`--cell NAME`, bench/matrix.ts; default the README's recommended configuration). */
  cell: Cell;
  requests: number;
  warmupRequests: number;
  connections: number;
  sessions: number;
  appFile: string | undefined;
  isCpuProfiled: boolean;
  isCallgrindSkipped: boolean;
  /** Print per request the inclusive instructions of functions whose name matches (`--inclusive REGEX`). */
  inclusivePattern: RegExp | undefined;
  /** Run node with its perf map and put JavaScript names into the dump (`--js-names`). */
  isJsNamed: boolean;
  /**
   * Extra V8 flags for the apps under callgrind (`--v8-flags "…"`). None by default: the apps
   * run as users run them. (`--predictable` was tried to make GC and JIT repeatable: it doubles
   * the GC's instructions and the JIT's still vary, so it does not help.)
   */
  v8Flags: string[];
  /** Extra callgrind options (`--callgrind-args "…"`), e.g. `--separate-callers4=*StoreIC_Miss*`. */
  callgrindArgs: string[];
  outputDir: string;
}

function parseProfileSettings(argv: string[]): ProfileSettings {
  const isQuick = argv.includes('--quick');
  const valueOf = (flag: string) => flagValue(argv, flag);
  const modes = (valueOf('--modes')?.split(',') ?? ['no-session', 'express-session-memory', 'nest-sessions-memory']) as ModeName[];
  for (const mode of modes) {
    if (!MODE_NAMES.includes(mode)) throw new Error(`unknown mode ${mode}; modes are ${MODE_NAMES.join(', ')}`);
  }
  return {
    modes,
    cell: parseCellName(valueOf('--cell') ?? 'recommended'),
    requests: Number(valueOf('--requests') ?? (isQuick ? 200 : 2_000)),
    warmupRequests: Number(valueOf('--warmup-requests') ?? (isQuick ? 300 : 5_000)),
    connections: Number(valueOf('--connections') ?? 4),
    sessions: Number(valueOf('--sessions') ?? 2_000),
    appFile: valueOf('--app'),
    isCpuProfiled: argv.includes('--cpu-prof') || argv.includes('--no-callgrind'),
    isCallgrindSkipped: argv.includes('--no-callgrind'),
    isJsNamed: argv.includes('--js-names'),
    v8Flags: (valueOf('--v8-flags') ?? '').split(' ').filter(Boolean),
    callgrindArgs: (valueOf('--callgrind-args') ?? '').split(' ').filter(Boolean),
    inclusivePattern: valueOf('--inclusive') === undefined ? undefined : new RegExp(valueOf('--inclusive')!),
    outputDir: valueOf('--out') ?? join(benchDir, '.tmp', 'profile'),
  };
}

/** What callgrind counted for one mode. */
export interface ModeInstructions {
  mode: ModeName;
  requests: number;
  perRequest: number;
  byCategory: Record<CategoryName, number>;
  /** The most expensive functions per request (self cost), for the curious. */
  topFunctions: { name: string; perRequest: number }[];
  /** With `--inclusive REGEX`: the matching functions' inclusive instructions per request. */
  inclusive: { name: string; perRequest: number }[];
}

async function countInstructions(mode: ModeName, settings: ProfileSettings, cookieHeaders: string[], sessionIds: string[], redisUrl: string | undefined): Promise<ModeInstructions> {
  for (const file of readdirSync(settings.outputDir)) if (file.startsWith(`perf.${mode}`)) rmSync(join(settings.outputDir, file));
  const wrapper = callgrindWrapper(settings.outputDir, `callgrind.${mode}`, settings.callgrindArgs);
  // --perf-basic-prof also makes V8 write a log: into the output folder, not the working directory.
  const jsNameArgs = ['--perf-basic-prof', '--interpreted-frames-native-stack', '--no-logfile-per-isolate', `--logfile=${join(settings.outputDir, `v8.${mode}.log`)}`];
  const nodeArgs = [...settings.v8Flags, ...(settings.isJsNamed ? jsNameArgs : [])];
  const app = await startApp(mode, settings.cell, sessionIds, redisUrl ? { url: redisUrl, stop: async () => undefined } : undefined, nodeArgs, wrapper, settings.appFile);
  if (typeof app === 'string') throw new Error(`${mode}: ${app}`);
  const perfMapFile = `/tmp/perf-${app.pid}.map`;
  try {
    const load = { port: app.port, connections: settings.connections, durationSeconds: 0, cookieHeaders, timeoutSeconds: 60 };
    await runAutocannon({ ...load, amount: settings.warmupRequests });
    const result = await countedWindow(app.pid, () => runAutocannon({ ...load, amount: settings.requests }));
    if (result.failures) throw new Error(`${mode}: ${result.failures} requests failed under callgrind`);
  } finally {
    await app.stop();
  }
  const dumpFile = dumpFileOf(settings.outputDir, `callgrind.${mode}`);
  let annotatedDump = dumpFile;
  if (settings.isJsNamed) {
    // The perf map is kept beside the dumps; the named copy is the one to annotate.
    const keptPerfMap = join(settings.outputDir, `perf.${mode}.map`);
    copyFileSync(perfMapFile, keptPerfMap);
    rmSync(perfMapFile, { force: true });
    annotatedDump = join(settings.outputDir, `callgrind.${mode}.named`);
    const named = nameJitFunctions(dumpFile, keptPerfMap, annotatedDump);
    console.log(`${mode}: ${named} JIT-compiled functions named from the perf map`);
  }
  const annotated = execFileSync('callgrind_annotate', ['--threshold=100', '--show-percs=no', '--auto=no', annotatedDump], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const functions = parseAnnotate(annotated);
  let inclusive: { name: string; perRequest: number }[] = [];
  if (settings.inclusivePattern) {
    const annotatedInclusive = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', '--show-percs=no', '--auto=no', annotatedDump], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const totals = new Map<string, number>();
    for (const entry of parseAnnotate(annotatedInclusive)) {
      if (!settings.inclusivePattern.test(entry.name)) continue;
      // Several code objects (tiers, recompilations) of one function share its name: add them up.
      totals.set(entry.name, (totals.get(entry.name) ?? 0) + entry.instructions);
    }
    inclusive = [...totals].map(([name, instructions]) => ({ name, perRequest: instructions / settings.requests })).sort((a, b) => b.perRequest - a.perRequest);
  }
  const total = functions.reduce((sum, entry) => sum + entry.instructions, 0);
  const byCategory = Object.fromEntries(CATEGORIES.map((category) => [category.name, 0])) as Record<CategoryName, number>;
  for (const entry of functions) byCategory[categorize(entry.name)] += entry.instructions / settings.requests;
  return {
    mode,
    requests: settings.requests,
    perRequest: total / settings.requests,
    byCategory,
    inclusive,
    topFunctions: functions
      .sort((a, b) => b.instructions - a.instructions)
      .slice(0, 25)
      .map((entry) => ({ name: entry.name, perRequest: entry.instructions / settings.requests })),
  };
}

async function cpuProfile(mode: ModeName, settings: ProfileSettings, cookieHeaders: string[], sessionIds: string[], redisUrl: string | undefined): Promise<string> {
  const profileDir = join(settings.outputDir, `cpuprofile.${mode}`);
  rmSync(profileDir, { recursive: true, force: true });
  const app = await startApp(mode, settings.cell, sessionIds, redisUrl ? { url: redisUrl, stop: async () => undefined } : undefined, ['--cpu-prof', '--cpu-prof-dir', profileDir], undefined, settings.appFile);
  if (typeof app === 'string') throw new Error(`${mode}: ${app}`);
  try {
    const load = { port: app.port, connections: settings.connections, durationSeconds: 0, cookieHeaders };
    await runAutocannon({ ...load, amount: settings.warmupRequests + settings.requests * 10 });
  } finally {
    await app.stop();
  }
  return join(profileDir, readdirSync(profileDir)[0]!);
}

const formatCount = (value: number) => Math.round(value).toLocaleString('en-US');

function renderInstructions(results: ModeInstructions[], settings: ProfileSettings): string[] {
  const base = results[0]!;
  const lines: string[] = [];
  lines.push(`Instructions per request (callgrind, ${settings.requests} requests after ${settings.warmupRequests} warm-up requests, ${settings.connections} connections, ${settings.sessions} sessions, cell ${cellName(settings.cell)}; all threads; node ${settings.v8Flags.join(' ') || '(no V8 flags)'}):`, '');
  lines.push(`| Category | ${results.map((result) => MODES[result.mode].label).join(' | ')} | ${results.slice(1).map((result) => `${result.mode.split('-')[0]} − ${base.mode}`).join(' | ')} |`);
  lines.push(`| --- | ${results.map(() => '---:').join(' | ')} | ${results.slice(1).map(() => '---:').join(' | ')} |`);
  for (const category of CATEGORIES) {
    const cells = results.map((result) => formatCount(result.byCategory[category.name]));
    const differences = results.slice(1).map((result) => {
      const difference = result.byCategory[category.name] - base.byCategory[category.name];
      const totalDifference = result.perRequest - base.perRequest;
      return `${difference >= 0 ? '+' : ''}${formatCount(difference)} (${((difference / totalDifference) * 100).toFixed(0)}%)`;
    });
    lines.push(`| ${category.name} | ${cells.join(' | ')} | ${differences.join(' | ')} |`);
  }
  lines.push(
    `| **total** | ${results.map((result) => `**${formatCount(result.perRequest)}**`).join(' | ')} | ${results
      .slice(1)
      .map((result) => `**+${formatCount(result.perRequest - base.perRequest)}** (${((result.perRequest / base.perRequest - 1) * 100).toFixed(0)}% more)`)
      .join(' | ')} |`,
  );
  const mutator = (result: ModeInstructions) => UNSTEADY_CATEGORIES.reduce((steady, category) => steady - result.byCategory[category], result.perRequest);
  lines.push(
    `| **steady total** (without the major GC and the JIT compilers) | ${results.map((result) => formatCount(mutator(result))).join(' | ')} | ${results
      .slice(1)
      .map((result) => `+${formatCount(mutator(result) - mutator(base))} (${((mutator(result) / mutator(base) - 1) * 100).toFixed(0)}% more)`)
      .join(' | ')} |`,
  );
  for (const result of results) {
    lines.push('', `Top functions by self cost, ${MODES[result.mode].label} (instructions per request):`, '');
    for (const entry of result.topFunctions) lines.push(`- ${formatCount(entry.perRequest)} ${entry.name}`);
    if (result.inclusive.length) {
      lines.push('', `Inclusive instructions per request (the function and all it calls), ${MODES[result.mode].label}, functions matching ${settings.inclusivePattern}:`, '');
      for (const entry of result.inclusive) lines.push(`- ${formatCount(entry.perRequest)} ${entry.name}`);
    }
  }
  return lines;
}

export async function runProfile(argv: string[]): Promise<void> {
  const settings = parseProfileSettings(argv);
  execFileSync('bash', [join(benchDir, 'system-deps.sh'), 'valgrind'], { stdio: 'inherit' });
  console.log(`CPUs: ${pinHarness()}`);
  mkdirSync(settings.outputDir, { recursive: true });
  const sessionIds = Array.from({ length: settings.sessions }, () => generateSessionId());
  const cookieHeaders = sessionIds.map((sessionId) => `connect.sid=${encodeURIComponent(signSessionId(sessionId, BENCH_SECRET))}`);
  const redis = settings.modes.some((mode) => MODES[mode].usesRedis) ? await startRedisServer() : undefined;
  const lines: string[] = ['# Instruction profile', '', `Generated by \`npm run bench -- ${argv.join(' ')}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${settings.appFile ? ` with the app ${settings.appFile}` : ''}.`, ''];
  try {
    const results: ModeInstructions[] = [];
    for (const mode of settings.isCallgrindSkipped ? [] : settings.modes) {
      const startedAt = Date.now();
      const result = await countInstructions(mode, settings, cookieHeaders, sessionIds, redis?.url);
      results.push(result);
      console.log(`${MODES[mode].label}: ${formatCount(result.perRequest)} instructions per request (${Math.round((Date.now() - startedAt) / 1000)} s under callgrind)`);
    }
    if (results.length) lines.push(...renderInstructions(results, settings));
    if (settings.isCpuProfiled) {
      for (const mode of settings.modes.filter((mode) => mode !== 'no-session')) {
        const file = await cpuProfile(mode, settings, cookieHeaders, sessionIds, redis?.url);
        lines.push('', `## ${MODES[mode].label}: sampled CPU time by function (--cpu-prof, ${file})`, '', ...summarizeSessionCode(readFileSync(file, 'utf8')));
      }
    }
  } finally {
    await redis?.stop();
  }
  const markdown = `${lines.join('\n')}\n`;
  writeFileSync(join(settings.outputDir, 'profile.md'), markdown);
  console.log(`\n${markdown}`);
  console.log(`wrote ${join(settings.outputDir, 'profile.md')}`);
}
