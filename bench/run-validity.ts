/**
 * Whether a run's req/s can be quoted: a session mode cannot serve more than the same app
 * without sessions, so a session mode measured above its ceiling means the machine's speed
 * changed between modes (seen on the shared VM: the same ceiling at 1,348 and 5,660 req/s within
 * one run), and every ratio of that run is the machine's drift as much as the libraries'.
 */
import { MODES } from './modes.js';
import type { ModeSummary } from './report.js';

/** Above its ceiling by more than this share, a session mode is not noise but a changed machine. */
export const CEILING_MARGIN = 0.05;

const formatRate = (value: number) => Math.round(value).toLocaleString('en-US');

/** One sentence per session mode measured above its ceiling, in the same cell under the same generator. */
export function runProblems(summaries: readonly ModeSummary[]): string[] {
  const problems: string[] = [];
  for (const summary of summaries) {
    const { ceiling, label } = MODES[summary.mode];
    if (ceiling === summary.mode || summary.requestsPerSecond === undefined) continue;
    const ceilingRate = summaries.find((other) => other.cell === summary.cell && other.generator === summary.generator && other.mode === ceiling)?.requestsPerSecond;
    if (ceilingRate === undefined || summary.requestsPerSecond <= ceilingRate * (1 + CEILING_MARGIN)) continue;
    problems.push(
      `${summary.cell}, ${summary.generator}: ${label} at ${formatRate(summary.requestsPerSecond)} req/s, above its ceiling (${MODES[ceiling].label}) at ${formatRate(ceilingRate)}`,
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
