import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cpus, totalmem, type as osType, release as osRelease } from 'node:os';
import type { LoadGenerator } from './load.js';
import type { MemoryResult } from './memory.js';
import { MODES } from './modes.js';
import type { ModeName } from './modes.js';

export interface BenchSettings {
  isQuick: boolean;
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** The load generators, each measured on every mode in every round. */
  loads: LoadGenerator[];
  connections: Partial<Record<LoadGenerator, number>>;
  sessions: number;
  memorySessions: number;
  memoryMaxAgeMs: number;
  modes: ModeName[];
  isMemorySkipped: boolean;
  cpuProfileMode: ModeName | undefined;
  outputDir: string;
  /** How the app and the load generator were kept apart (CPU pinning), for the report. */
  cpuPinning?: string;
}

/** Medians over the rounds of one mode under one load generator. */
export interface ModeSummary {
  generator: LoadGenerator;
  mode: ModeName;
  unavailableReason: string | undefined;
  rounds: number;
  requestsPerSecond: number | undefined;
  latencyP50Ms: number | undefined;
  latencyP99Ms: number | undefined;
  failures: number;
  /** Each round's req/s, in round order (the modes of one round ran minutes apart, not further). */
  roundRates?: number[];
}

interface ReportInput {
  settings: BenchSettings;
  summaries: ModeSummary[];
  memory: MemoryResult[];
  chartFile: string;
  /** Hand-written notes on the optimisations, copied into the report. */
  notesFile: string;
}

const require = createRequire(import.meta.url);

function versionOf(packageName: string): string {
  try {
    // The package folder from its entry point: some packages' exports hide package.json.
    let folder = dirname(require.resolve(packageName));
    while (!existsSync(join(folder, 'package.json')) || !folder.endsWith(packageName)) folder = dirname(folder);
    return (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

const formatNumber = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const formatRatio = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(2)}×`);
const formatMiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function ratio(summaries: ModeSummary[], mode: ModeName, baseline: ModeName | undefined): number | undefined {
  if (!baseline) return undefined;
  const value = summaries.find((summary) => summary.mode === mode)?.requestsPerSecond;
  const base = summaries.find((summary) => summary.mode === baseline)?.requestsPerSecond;
  return value !== undefined && base ? value / base : undefined;
}

/**
 * The ratio of `mode` to `baseline` round by round (each round's pair measured within minutes
 * of each other), as median and range: on a machine whose speed drifts between rounds, the
 * spread shows how far a ratio of medians can be trusted.
 */
export function pairedRatios(modeRates: readonly number[], baselineRates: readonly number[]): { median: number; min: number; max: number } | undefined {
  const ratios: number[] = [];
  for (let round = 0; round < Math.min(modeRates.length, baselineRates.length); round++) {
    if (baselineRates[round]! > 0) ratios.push(modeRates[round]! / baselineRates[round]!);
  }
  if (ratios.length === 0) return undefined;
  const sorted = [...ratios].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

function formatPairedRatios(summaries: ModeSummary[], mode: ModeName, baseline: ModeName | undefined): string {
  if (!baseline) return '–';
  const rates = (name: ModeName) => summaries.find((summary) => summary.mode === name)?.roundRates ?? [];
  const paired = pairedRatios(rates(mode), rates(baseline));
  return paired === undefined ? '–' : `${formatRatio(paired.median)} (${paired.min.toFixed(2)}–${paired.max.toFixed(2)})`;
}

interface Target {
  name: string;
  measured: string;
  isMet: boolean | undefined;
}

/** The targets of issue 12, checked under each generator (throughput) and once (memory). */
function targets(allSummaries: ModeSummary[], memory: MemoryResult[], loads: LoadGenerator[]): Target[] {
  return [
    ...loads.flatMap((generator) =>
      throughputTargets(allSummaries.filter((summary) => summary.generator === generator)).map((target) => ({
        ...target,
        name: `${generator}: ${target.name}`,
      })),
    ),
    ...memoryTargets(memory),
  ];
}

function p99(summaries: ModeSummary[], mode: ModeName): number | undefined {
  return summaries.find((summary) => summary.mode === mode)?.latencyP99Ms;
}

function throughputTargets(summaries: ModeSummary[]): Target[] {
  const toCeiling = ratio(summaries, 'nest-sessions-memory', 'no-session');
  const fastifyToCeiling = ratio(summaries, 'nest-sessions-fastify-memory', 'fastify-no-session');
  const toFastifyMemory = ratio(summaries, 'nest-sessions-fastify-memory', 'fastify-session-memory');
  const toFastifyRedis = ratio(summaries, 'nest-sessions-fastify-redis', 'fastify-session-redis');
  const toExpressMemory = ratio(summaries, 'nest-sessions-memory', 'express-session-memory');
  const toExpressRedis = ratio(summaries, 'nest-sessions-redis', 'express-session-redis');
  const ourP99 = p99(summaries, 'nest-sessions-memory');
  const theirP99 = p99(summaries, 'express-session-memory');
  const redisReason = summaries.find((summary) => summary.mode === 'nest-sessions-redis')?.unavailableReason;
  return [
    { name: 'nest-sessions + MemoryStore ≥ 80% of the no-session ceiling', measured: toCeiling === undefined ? 'not run' : `${(toCeiling * 100).toFixed(1)}%`, isMet: toCeiling === undefined ? undefined : toCeiling >= 0.8 },
    { name: 'nest-sessions + MemoryStore ≥ 1.3× express-session + MemoryStore', measured: toExpressMemory === undefined ? 'not run' : formatRatio(toExpressMemory), isMet: toExpressMemory === undefined ? undefined : toExpressMemory >= 1.3 },
    { name: 'nest-sessions + RedisStore ≥ 1.3× express-session + connect-redis', measured: toExpressRedis === undefined ? (redisReason ?? 'not run') : formatRatio(toExpressRedis), isMet: toExpressRedis === undefined ? undefined : toExpressRedis >= 1.3 },
    { name: 'nest-sessions + MemoryStore p99 ≤ express-session + MemoryStore p99', measured: ourP99 === undefined || theirP99 === undefined ? 'not run' : `${ourP99} vs ${theirP99} ms`, isMet: ourP99 === undefined || theirP99 === undefined ? undefined : ourP99 <= theirP99 },
    { name: 'Fastify: nest-sessions + MemoryStore ≥ 1.3× @fastify/session + its MemoryStore', measured: toFastifyMemory === undefined ? 'not run' : formatRatio(toFastifyMemory), isMet: toFastifyMemory === undefined ? undefined : toFastifyMemory >= 1.3 },
    { name: 'Fastify: nest-sessions + RedisStore ≥ 1.3× @fastify/session + connect-redis', measured: toFastifyRedis === undefined ? 'not run' : formatRatio(toFastifyRedis), isMet: toFastifyRedis === undefined ? undefined : toFastifyRedis >= 1.3 },
    {
      name: 'Fastify: nest-sessions + MemoryStore as close to its ceiling as on Express',
      measured: fastifyToCeiling === undefined || toCeiling === undefined ? 'not run' : `${(fastifyToCeiling * 100).toFixed(1)}% vs ${(toCeiling * 100).toFixed(1)}%`,
      isMet: fastifyToCeiling === undefined || toCeiling === undefined ? undefined : fastifyToCeiling >= toCeiling,
    },
  ];
}

function memoryTargets(memory: MemoryResult[]): Target[] {
  const ours = memory.find((result) => result.store === 'nest-sessions');
  const theirs = memory.find((result) => result.store === 'express-session');
  const heapBack = ours ? ours.heapAfterExpiryBytes / ours.heapBeforeBytes : undefined;
  return [
    { name: 'MemoryStore bytes per session ≤ express-session MemoryStore', measured: ours && theirs ? `${ours.bytesPerSession} vs ${theirs.bytesPerSession}` : 'not run', isMet: ours && theirs ? ours.bytesPerSession <= theirs.bytesPerSession : undefined },
    { name: 'MemoryStore heap within 10% of its start after expiry + sweep', measured: heapBack === undefined ? 'not run' : `${((heapBack - 1) * 100).toFixed(1)}% above start`, isMet: heapBack === undefined ? undefined : heapBack <= 1.1 },
  ];
}

export function renderResults({ settings, summaries, memory, chartFile, notesFile }: ReportInput): string {
  const cpuList = cpus();
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push(`Generated by \`npm run bench${settings.isQuick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`);
  if (settings.isQuick) lines.push('', '> Quick run: short and single-round, for development only. Run `npm run bench` for the numbers to quote.');
  lines.push('');
  lines.push(`- Machine: ${cpuList.length} × ${cpuList[0]?.model ?? 'unknown CPU'}, ${formatMiB(totalmem())} RAM, ${osType()} ${osRelease()}`);
  lines.push(`- Node ${process.version}; express-session ${versionOf('express-session')}, connect-redis ${versionOf('connect-redis')} on redis (node-redis) ${versionOf('redis')}, ioredis ${versionOf('ioredis')}, @nestjs/core ${versionOf('@nestjs/core')}, autocannon ${versionOf('autocannon')}`);
  const generatorDescriptions: Record<LoadGenerator, string> = {
    autocannon: `autocannon ${versionOf('autocannon')} (in the harness process), ${settings.connections.autocannon} connections`,
    wrk: `wrk (Debian's package, \`-t1\`, a Lua script picking a random session cookie per request), ${settings.connections.wrk} connections`,
  };
  lines.push(`- Load: ${settings.loads.map((generator) => generatorDescriptions[generator]).join('; ')}. Each mode and round: a fresh app, ${settings.warmupSeconds} s warm-up (by the generator going first) then ${settings.durationSeconds} s measured per generator; ${settings.rounds} round(s), modes and generators alternating (order rotated each round); medians over rounds; the targets are judged on the ratio of medians, and each ratio is also given round by round (median and range of the per-round ratios), which shows how much the machine drifted between rounds.`);
  if (settings.cpuPinning) lines.push(`- CPUs: ${settings.cpuPinning}.`);
  lines.push(`- Each mode: its own Node process serving \`GET /counter\` (read and increment a counter in the session) from a Nest 12 app with Nest's default body parsers on, on Express (modes 1–5) or Fastify (modes 6–10, \`@nestjs/platform-fastify\` ${versionOf('@nestjs/platform-fastify')}, @fastify/session ${versionOf('@fastify/session')} with \`cookiePrefix: 's:'\` to read the same cookies); ${formatNumber(settings.sessions)} sessions pre-created in its store; every request carries the signed cookie of a random one of them. Redis modes use a redis-server the harness starts (no persistence); the RedisStore's ioredis client is wired as the README shows (\`new Redis(url, RedisStore.failFastClientOptions)\`).`);
  lines.push('');
  lines.push('## Throughput and latency', '');
  for (const generator of settings.loads) {
    const generatorSummaries = summaries.filter((summary) => summary.generator === generator);
    lines.push(`### ${generator}, ${settings.connections[generator]} connections`, '');
    lines.push(...throughputTable(generatorSummaries), '');
  }
  lines.push(`![Requests per second by mode and load generator](${chartFile})`, '');
  lines.push('## Memory', '');
  if (memory.length === 0) {
    lines.push('Not measured in this run (`--no-memory`).');
  } else {
    lines.push(`${formatNumber(memory[0]!.sessions)} sessions (\`{ cookie, counter }\`, as the middleware writes them) in each MemoryStore, in a process of its own run with \`--expose-gc\`; heap after a full GC. The sessions' max age is ${settings.memoryMaxAgeMs / 1000} s; "after expiry" is measured once it has passed (and, for nest-sessions, \`sweep()\` ran — its timer does the same every \`checkPeriod\`).`, '');
    lines.push('| Store | bytes / session | heap before | heap with sessions | heap after expiry | after expiry vs before | sessions still held |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const result of memory) {
      const change = (result.heapAfterExpiryBytes / result.heapBeforeBytes - 1) * 100;
      lines.push(
        `| ${result.store} MemoryStore | ${formatNumber(result.bytesPerSession)} | ${formatMiB(result.heapBeforeBytes)} | ${formatMiB(result.heapWithSessionsBytes)} | ` +
          `${formatMiB(result.heapAfterExpiryBytes)} | ${change >= 0 ? '+' : ''}${change.toFixed(1)}% | ${formatNumber(result.retainedSessions)} |`,
      );
    }
  }
  lines.push('', '## Targets', '');
  lines.push('| Target | Measured | Met |', '| --- | --- | --- |');
  for (const target of targets(summaries, memory, settings.loads)) {
    lines.push(`| ${target.name} | ${target.measured} | ${target.isMet === undefined ? '–' : target.isMet ? 'yes' : '**no**'} |`);
  }
  lines.push('', '## Where the time goes', '');
  lines.push('Instruction counts per request (callgrind; they do not move with the machine\'s load the way req/s do), what nest-sessions adds to the no-session app and where: [PROFILE.md](PROFILE.md), reproduced with `npm run bench -- --profile`. The optimisations it leads to, ranked by the instructions they save: [OPTIMISATIONS.md](OPTIMISATIONS.md).');
  if (existsSync(notesFile)) lines.push('', readFileSync(notesFile, 'utf8').trim());
  lines.push('', '## How to run', '');
  lines.push(
    '`npm run bench` (5 rounds, both load generators, about 15 minutes; needs `redis-server` on PATH, installs Debian\'s `wrk` when it is missing) compiles `bench/` and `lib/` to `bench/.tmp/` — Nest needs the decorator metadata that tsx does not emit — and writes this file and the chart. ' +
      '`npm run bench -- --quick` is a one-round, 3-second-per-mode run written to `bench/.tmp/RESULTS.md` (a smoke test of the harness, not numbers to quote). ' +
      'Other flags: `--load autocannon|wrk|both`, `--modes a,b`, `--rounds N`, `--duration S`, `--warmup S`, `--connections N` (both generators; default 20 for autocannon, 64 for wrk), `--sessions N` (default 2,000), `--no-memory`, `--memory-only`, `--cpu-prof <mode>` (profile to `bench/.tmp/profiles/`), `--out DIR`. ' +
      '`npm run bench -- --profile` counts instructions per request under callgrind instead (bench/profile.ts, see bench/PROFILE.md). `node bench/.tmp/bench/core-micro.js` times the middleware alone; `node bench/.tmp/bench/profile-summary.js <file>` summarises a profile.',
  );
  lines.push('');
  return lines.join('\n');
}

/** One generator's table: medians per mode and the ratios to the ceiling and to express-session. */
function throughputTable(summaries: ModeSummary[]): string[] {
  const lines = [
    "| Mode | req/s | p50 (ms) | p99 (ms) | vs its platform's ceiling (1 or 6) | vs express-session / @fastify/session | the same, round by round: median (range) | rounds |",
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const summary of summaries) {
    const info = MODES[summary.mode];
    if (summary.requestsPerSecond === undefined) {
      lines.push(`| ${info.label} | ${summary.unavailableReason ?? 'not run'} | – | – | – | – | – | 0 |`);
      continue;
    }
    const failures = summary.failures ? ` (${summary.failures} failed requests)` : '';
    lines.push(
      `| ${info.label} | ${formatNumber(summary.requestsPerSecond)}${failures} | ${summary.latencyP50Ms} | ${summary.latencyP99Ms} | ` +
        `${formatRatio(ratio(summaries, summary.mode, info.ceiling))} | ${formatRatio(ratio(summaries, summary.mode, info.baseline))} | ` +
        `${formatPairedRatios(summaries, summary.mode, info.baseline)} | ${summary.rounds} |`,
    );
  }
  return lines;
}

/** A horizontal bar chart of the median req/s per mode, as a standalone SVG. */
export function renderChart(summaries: ModeSummary[]): string {
  const width = 930;
  const labelWidth = 380;
  const barHeight = 30;
  const gap = 14;
  const top = 50;
  const chartWidth = width - labelWidth - 110;
  const height = top + summaries.length * (barHeight + gap) + 30;
  const maximum = Math.max(1, ...summaries.map((summary) => summary.requestsPerSecond ?? 0));
  const colorOf = (mode: ModeName) =>
    mode === 'no-session' ? '#9e9e9e' : mode.startsWith('express-session') ? '#e8913a' : '#2f6fc9';
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="14">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="28" text-anchor="middle" font-size="17" font-weight="bold">GET /counter, requests per second by load generator (median; higher is better)</text>`,
  ];
  summaries.forEach((summary, index) => {
    const y = top + index * (barHeight + gap);
    const value = summary.requestsPerSecond;
    parts.push(`<text x="${labelWidth - 10}" y="${y + barHeight / 2 + 5}" text-anchor="end">${escape(`${MODES[summary.mode].label} · ${summary.generator}`)}</text>`);
    if (value === undefined) {
      parts.push(`<text x="${labelWidth + 6}" y="${y + barHeight / 2 + 5}" fill="#777">${escape(summary.unavailableReason ?? 'not run')}</text>`);
      return;
    }
    const barWidth = Math.max(1, (value / maximum) * chartWidth);
    parts.push(`<rect x="${labelWidth}" y="${y}" width="${barWidth.toFixed(1)}" height="${barHeight}" fill="${colorOf(summary.mode)}"/>`);
    parts.push(`<text x="${labelWidth + barWidth + 8}" y="${y + barHeight / 2 + 5}">${formatNumber(value)}</text>`);
  });
  parts.push(`<text x="${labelWidth}" y="${height - 10}" fill="#777" font-size="12">grey: no session · orange: express-session · blue: nest-sessions</text>`);
  parts.push('</svg>', '');
  return parts.join('\n');
}
