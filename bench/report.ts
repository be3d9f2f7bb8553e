import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { cpus, totalmem, type as osType, release as osRelease } from 'node:os';
import type { LoadGenerator } from './load.js';
import type { MemoryResult } from './memory.js';
import { cellName } from './matrix.js';
import type { Cell } from './matrix.js';
import { compareCells, formatRatio, ratio, renderMatrix, worstOf } from './matrix-report.js';
import type { CellComparison } from './matrix-report.js';
import { MODES } from './modes.js';
import { loadSideFullModes, renderLoadSideFull, renderRunProblems, runProblems } from './run-validity.js';
import type { CpuBusy } from './cpu-busy.js';
import { sqlTargets } from './sql-targets.js';
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
  /** The matrix cells, each run with the modes `--modes` selects (bench/matrix.ts). */
  cells: Cell[];
  /** Whether `--modes` chose the modes (then the Fastify ones run in every Nest cell). */
  areModesChosen: boolean;
  isMemorySkipped: boolean;
  cpuProfileMode: ModeName | undefined;
  outputDir: string;
  /** How the app and the load generator were kept apart (CPU pinning), for the report. */
  cpuPinning?: string;
}

/** Medians over the rounds of one mode under one load generator. */
export interface ModeSummary {
  /** The matrix cell's name (bench/matrix.ts). */
  cell: string;
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
  /** How busy the app's CPU and the load side's were while it was measured (medians over rounds), when the harness was pinned. */
  cpuBusy?: CpuBusy;
}

interface ReportInput {
  settings: BenchSettings;
  summaries: ModeSummary[];
  memory: MemoryResult[];
  chartFile: string;
  /** Hand-written notes on the optimisations, copied into the report. */
  notesFile: string;
}

/** The installed version of `packageName`: its package.json in the nearest node_modules up from here, as Node finds packages (exports maps, ESM-only packages like connect-redis 11, do not matter). */
function versionOf(packageName: string): string {
  for (let folder = dirname(fileURLToPath(import.meta.url)); ; folder = dirname(folder)) {
    const manifest = join(folder, 'node_modules', packageName, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    if (dirname(folder) === folder) return 'not installed';
  }
}

const formatNumber = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const formatMiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

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

/**
 * The targets of issue 18: the Express ones in every cell (judged on the worst), the Fastify
 * ones (and issue 19's SQL ones) in the cell that runs those modes, each under each generator; memory once.
 */
function targets(detailSummaries: ModeSummary[], comparisons: CellComparison[], memory: MemoryResult[], loads: LoadGenerator[]): Target[] {
  return [
    ...loads.flatMap((generator) =>
      [
        ...matrixTargets(comparisons.filter((row) => row.generator === generator)),
        ...fastifyTargets(detailSummaries.filter((summary) => summary.generator === generator)),
        ...sqlTargets(detailSummaries.filter((summary) => summary.generator === generator)),
      ].map((target) => ({ ...target, name: `${generator}: ${target.name}` })),
    ),
    ...memoryTargets(memory),
  ];
}

/** A target met when the worst cell's value reaches `minimum`. */
function worstCellTarget(rows: CellComparison[], name: string, measure: (row: CellComparison) => number | undefined, minimum: number, format: (value: number) => string): Target {
  const worst = worstOf(rows, measure);
  if (!worst) return { name, measured: 'not run', isMet: undefined };
  return { name, measured: `${format(measure(worst)!)} (worst: ${worst.cell})`, isMet: measure(worst)! >= minimum };
}

function matrixTargets(rows: CellComparison[]): Target[] {
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  const slowerP99 = rows.filter((row) => row.p99 && row.p99.ours > row.p99.theirs);
  const withP99 = rows.filter((row) => row.p99);
  return [
    worstCellTarget(rows, 'every cell: nest-sessions + MemoryStore ≥ 85% of the no-session ceiling', (row) => row.memoryOfCeiling, 0.85, percent),
    worstCellTarget(rows, 'every cell: nest-sessions + MemoryStore ≥ 1.5× express-session + MemoryStore', (row) => row.memory, 1.5, formatRatio),
    worstCellTarget(rows, 'every cell: nest-sessions + RedisStore ≥ 1.5× express-session + connect-redis', (row) => row.redis, 1.5, formatRatio),
    {
      name: 'every cell: nest-sessions + MemoryStore p99 ≤ express-session + MemoryStore p99',
      measured: withP99.length ? `higher in ${slowerP99.length} of ${withP99.length} cells${slowerP99.length ? ` (${slowerP99.map((row) => row.cell).join('; ')})` : ''}` : 'not run',
      isMet: withP99.length ? slowerP99.length === 0 : undefined,
    },
  ];
}

function fastifyTargets(summaries: ModeSummary[]): Target[] {
  const toCeiling = ratio(summaries, 'nest-sessions-fastify-memory', 'fastify-no-session');
  const toMemory = ratio(summaries, 'nest-sessions-fastify-memory', 'fastify-session-memory');
  const toRedis = ratio(summaries, 'nest-sessions-fastify-redis', 'fastify-session-redis');
  return [
    { name: 'Fastify: nest-sessions + MemoryStore ≥ 1.5× @fastify/session + its MemoryStore', measured: toMemory === undefined ? 'not run' : formatRatio(toMemory), isMet: toMemory === undefined ? undefined : toMemory >= 1.5 },
    { name: 'Fastify: nest-sessions + RedisStore ≥ 1.5× @fastify/session + connect-redis', measured: toRedis === undefined ? 'not run' : formatRatio(toRedis), isMet: toRedis === undefined ? undefined : toRedis >= 1.5 },
    { name: 'Fastify: nest-sessions + MemoryStore ≥ 70% of the Fastify ceiling', measured: toCeiling === undefined ? 'not run' : `${(toCeiling * 100).toFixed(1)}%`, isMet: toCeiling === undefined ? undefined : toCeiling >= 0.7 },
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

/** The cell whose modes get the detailed tables and the chart: the recommended one when it ran. */
export function detailSummariesOf(summaries: ModeSummary[]): ModeSummary[] {
  const cell = summaries.some((summary) => summary.cell === 'recommended') ? 'recommended' : summaries[0]?.cell;
  return summaries.filter((summary) => summary.cell === cell);
}

export function renderResults({ settings, summaries: allSummaries, memory, chartFile, notesFile }: ReportInput): string {
  const summaries = detailSummariesOf(allSummaries);
  const comparisons = compareCells(allSummaries, settings.cells.map(cellName), settings.loads);
  const cpuList = cpus();
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push(`Generated by \`npm run bench${settings.isQuick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`);
  if (settings.isQuick) lines.push('', '> Quick run: short and single-round, for development only. Run `npm run bench` for the numbers to quote.');
  const problems = renderRunProblems(runProblems(allSummaries));
  if (problems.length) lines.push('', ...problems);
  const loadSideFull = renderLoadSideFull(loadSideFullModes(allSummaries));
  if (loadSideFull.length) lines.push('', ...loadSideFull);
  lines.push('');
  lines.push(`- Machine: ${cpuList.length} × ${cpuList[0]?.model ?? 'unknown CPU'}, ${formatMiB(totalmem())} RAM, ${osType()} ${osRelease()}`);
  lines.push(`- Node ${process.version}; express-session ${versionOf('express-session')}, connect-redis ${versionOf('connect-redis')} on redis (node-redis) ${versionOf('redis')}, ioredis ${versionOf('ioredis')}, @nestjs/core ${versionOf('@nestjs/core')}, autocannon ${versionOf('autocannon')}`);
  const generatorDescriptions: Record<LoadGenerator, string> = {
    autocannon: `autocannon ${versionOf('autocannon')} (in the harness process), ${settings.connections.autocannon} connections`,
    wrk: `wrk (Debian's package, \`-t1\`, a Lua script picking a random session cookie per request), ${settings.connections.wrk} connections`,
  };
  lines.push(`- Load: ${settings.loads.map((generator) => generatorDescriptions[generator]).join('; ')}. Each mode and round: a fresh app, ${settings.warmupSeconds} s warm-up (by the generator going first) then ${settings.durationSeconds} s measured per generator; ${settings.rounds} round(s), modes and generators alternating (order rotated each round); medians over rounds; the targets are judged on the ratio of medians, and each ratio is also given round by round (median and range of the per-round ratios), which shows how much the machine drifted between rounds.`);
  if (settings.cpuPinning) lines.push(`- CPUs: ${settings.cpuPinning}.`);
  lines.push(
    `- Each mode: its own Node process serving \`GET /counter\` from a Nest 12 app with Nest's default body parsers on, on Express (modes 1–5) or Fastify (modes 6–10, \`@nestjs/platform-fastify\` ${versionOf('@nestjs/platform-fastify')}, @fastify/session ${versionOf('@fastify/session')} with \`cookiePrefix: 's:'\` to read the same cookies), or from a plain Express 5 app in the \`app=express\` cells; ${formatNumber(settings.sessions)} sessions pre-created in its store; every request carries the signed cookie of a random one of them. ` +
      `The app loads only what its mode uses (ioredis only with the RedisStore, node-redis only with connect-redis), and nest-sessions from its built package (dist/, or dist/cjs/ in the \`build=cjs\` cells). ` +
      `Redis modes use a redis-server the harness starts (no persistence). Each library is wired as its README shows: nest-sessions' RedisStore through \`forRootAsync\` on the app's ioredis client (\`new Redis(url, RedisStore.failFastClientOptions)\`, default prefix), connect-redis on \`createClient({ url })\` with \`prefix: 'myapp:'\`. ` +
      `Mode 15 is mode 1 with what nest-sessions does on Express around the session, at the same places (in the Nest app and the plain Express app alike): each request and response put in V8's dictionary mode as Express hands the request to its router (up to Node.js 23; the README's Platforms section says why), and the requests continued in cohorts where the session middleware runs (the README's \`requestCohorts\`): it shows how much of nest-sessions' speed comes from these two, and a session mode above mode 1 but not above it is no sign of a changed machine.`,
  );
  lines.push(
    `- Cells (bench/matrix.ts): \`recommended\` is the README's configuration (cookie \`{ maxAge: 24 h, sameSite: 'lax', secure: 'auto' }\`, \`resave\`, \`rolling\` and \`saveUninitialized\` off, a route that writes the session, one field of data, the ESM build, a Nest app); every other cell is named by what it changes. \`route=read\` only reads the session; \`data=large\` holds ~2 KB in 30 keys; both libraries get the same options in every cell. The tables below are the ${summaries[0]?.cell ?? 'recommended'} cell's; "The matrix" has every cell.`,
  );
  lines.push('');
  lines.push('## Throughput and latency', '');
  for (const generator of settings.loads) {
    const generatorSummaries = summaries.filter((summary) => summary.generator === generator);
    lines.push(`### ${generator}, ${settings.connections[generator]} connections`, '');
    lines.push(...throughputTable(generatorSummaries), '');
  }
  lines.push(`![Requests per second by mode and load generator](${chartFile})`, '');
  lines.push('## The matrix', '');
  lines.push('Every cell against express-session in the same run (ratios of median req/s; "of the ceiling" is the same cell\'s app without sessions).', '');
  lines.push(...renderMatrix(comparisons), '');
  lines.push('## Memory', '');
  if (memory.length === 0) {
    lines.push('Not measured in this run (`--no-memory`).');
  } else {
    lines.push(`${formatNumber(memory[0]!.sessions)} sessions in each MemoryStore, each written by its library's own middleware (one \`GET /counter\` without a cookie: a new session with \`{ counter: 1 }\`, the README's recommended options), in a process of its own run with \`--expose-gc\`; heap after a full GC. The sessions' max age is ${settings.memoryMaxAgeMs / 1000} s; "after expiry" is measured once it has passed (and, for nest-sessions, \`sweep()\` ran — its timer does the same every \`checkPeriod\`).`, '');
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
  if (problems.length) lines.push('Judged on a run not fit to quote (see the top of this file).', '');
  lines.push('| Target | Measured | Met |', '| --- | --- | --- |');
  for (const target of targets(summaries, comparisons, memory, settings.loads)) {
    lines.push(`| ${target.name} | ${target.measured} | ${target.isMet === undefined ? '–' : target.isMet ? 'yes' : '**no**'} |`);
  }
  lines.push('', '## Where the time goes', '');
  lines.push('Instruction counts per request (callgrind; they do not move with the machine\'s load the way req/s do), what nest-sessions adds to the no-session app and where: [PROFILE.md](PROFILE.md), reproduced with `npm run bench -- --profile`. The optimisations it leads to, ranked by the instructions they save: [OPTIMISATIONS.md](OPTIMISATIONS.md).');
  if (existsSync(notesFile)) lines.push('', readFileSync(notesFile, 'utf8').trim());
  lines.push('', '## How to run', '');
  lines.push(
    '`npm run bench` builds the package (`npm run build`: the apps load dist/ and dist/cjs/), compiles `bench/` to `bench/.tmp/` — Nest needs the decorator metadata that tsx does not emit — and runs the default matrix (10 cells, 3 rounds, both load generators, about 45 minutes; needs `redis-server` on PATH, installs Debian\'s `wrk` when it is missing), then writes this file and the chart; a run in which a session mode served more requests/s than its app without sessions (the machine changed speed between modes) is marked not fit to quote at the top of this file, and the command exits with code 1; each round\'s log line gives how busy the app\'s CPU and the load side\'s were, and modes measured with the load side\'s CPU at 90 % or more (the generator may have set their pace) are listed at the top too. ' +
      '`--matrix full` runs all 256 cells (hours: pick cells with `--cells \'recommended;app=express,build=cjs\'` instead); `--modes a,b` limits the modes. ' +
      '`npm run bench -- --quick` is a one-round, 3-second-per-mode run written to `bench/.tmp/RESULTS.md` (a smoke test of the harness, not numbers to quote). ' +
      'Other flags: `--load autocannon|wrk|both`, `--rounds N`, `--duration S`, `--warmup S`, `--connections N` (both generators; default 20 for autocannon, 64 for wrk), `--sessions N` (default 2,000), `--no-memory`, `--memory-only`, `--cpu-prof <mode>` (profile to `bench/.tmp/profiles/`), `--out DIR`. ' +
      'The SQL modes (11–14: express-session + connect-pg-simple / express-mysql-session against PostgresStore / MySqlStore, each on a table of its own, created and dropped by the run) run in the recommended cell and need PostgreSQL at 127.0.0.1:5432 and MariaDB/MySQL at 127.0.0.1:3306 (or BENCH_POSTGRES_URL, BENCH_MYSQL_URL); without a server they are reported unavailable. ' +
      '`npm run bench -- --prune` measures PostgresStore\'s and MySqlStore\'s `prune()` of 100,000 expired rows (`--expired-rows N`) under load and writes the pruning section. ' +
      '`--csrf`, `--at-rest` (`hashIds` and `encryption`) and `--scaling` (sessions, connections, data size) write their own sections, each described there. ' +
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
    mode === 'no-session' || mode === 'no-session-dictionary' ? '#9e9e9e' : mode.startsWith('express-session') ? '#e8913a' : '#2f6fc9';
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
