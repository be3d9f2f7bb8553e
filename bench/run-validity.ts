/**
 * Whether a run's req/s can be quoted: a session mode cannot serve more than the fastest app
 * without sessions on its platform (the ceiling, or on Express mode 15, whose objects are in
 * the dictionary mode nest-sessions puts them in), so a session mode measured above that means
 * the machine's speed changed between modes (seen on the shared VM: the same ceiling at 1,348
 * and 5,660 req/s within one run), and every ratio of that run is the machine's drift as much
 * as the libraries'.
 * And which modes ran with the load side's CPU full, so that the generator may have set their
 * pace: quotable, with that said beside them.
 */
import { LOAD_BUSY_CEILING } from './cpu-busy.js';
import { MODES } from './modes.js';
import type { ModeName } from './modes.js';
import type { ModeSummary } from './report.js';

/** Above its ceiling by more than this share, a session mode is not noise but a changed machine. */
export const CEILING_MARGIN = 0.05;

const formatRate = (value: number) => Math.round(value).toLocaleString('en-US');

const isSessionFree = (mode: ModeName) => MODES[mode].ceiling === mode || MODES[mode].isSessionFree === true;

/** One sentence per session mode measured above the fastest session-free app of its platform, in the same cell under the same generator. */
export function runProblems(summaries: readonly ModeSummary[]): string[] {
  const problems: string[] = [];
  for (const summary of summaries) {
    const { label, platform } = MODES[summary.mode];
    if (isSessionFree(summary.mode) || summary.requestsPerSecond === undefined) continue;
    const bound = summaries
      .filter((other) => other.cell === summary.cell && other.generator === summary.generator && isSessionFree(other.mode) && MODES[other.mode].platform === platform)
      .reduce<ModeSummary | undefined>((fastest, other) => ((other.requestsPerSecond ?? 0) > (fastest?.requestsPerSecond ?? 0) ? other : fastest), undefined);
    if (bound?.requestsPerSecond === undefined || summary.requestsPerSecond <= bound.requestsPerSecond * (1 + CEILING_MARGIN)) continue;
    problems.push(
      `${summary.cell}, ${summary.generator}: ${label} at ${formatRate(summary.requestsPerSecond)} req/s, above the app without sessions (${MODES[bound.mode].label}) at ${formatRate(bound.requestsPerSecond)}`,
    );
  }
  return problems;
}

/** The report's warning for `problems`, or nothing for a run without any. */
export function renderRunProblems(problems: readonly string[]): string[] {
  if (problems.length === 0) return [];
  return [
    '> **Not fit to quote.** In this run a session mode served more requests/s than the same app without sessions, which the sessions cannot cause: the machine ran at different speeds for different modes, so the ratios below measure that as much as the libraries. Run again on a quieter machine (or with more `--rounds`) before quoting any number from this file.',
    '>',
    ...problems.map((problem) => `> - ${problem}`),
  ];
}

const formatShare = (share: number) => `${Math.round(share * 100)} %`;

/**
 * One sentence per mode measured while the load side's CPU (the generator, and Redis beside it)
 * was full: its req/s may be the generator's limit. A ceiling measured so is too low, and the
 * session modes' shares of it too high; a session mode's ratio to another is pulled towards 1.
 */
export function loadSideFullModes(summaries: readonly ModeSummary[]): string[] {
  return summaries
    .filter(({ cpuBusy }) => cpuBusy !== undefined && cpuBusy.load >= LOAD_BUSY_CEILING)
    .map(({ cell, generator, mode, cpuBusy }) => `${cell}, ${generator}: ${MODES[mode].label}: the load side's CPU ${formatShare(cpuBusy!.load)} busy, the app's ${formatShare(cpuBusy!.app)}`);
}

/** The report's note for `modes`, or nothing when the load side kept up everywhere. */
export function renderLoadSideFull(modes: readonly string[]): string[] {
  if (modes.length === 0) return [];
  return [
    `> **The load side was full.** In these modes the CPU where the load generator and Redis run was at least ${formatShare(LOAD_BUSY_CEILING)} busy (medians over rounds), so their req/s may be the generator's limit rather than the app's: a ceiling measured so is too low and the shares of it too high, and a session mode's ratio to another is pulled towards 1. wrk, lighter than autocannon, measures them better.`,
    '>',
    ...modes.map((mode) => `> - ${mode}`),
  ];
}
