/** What `--csrf` measures and how RESULTS.md shows it (pure, so the spec can check it). */

export type CsrfBenchPlatform = 'express' | 'fastify';

/**
 * What the app runs with: the `csrf` option off, on, or off with a global guard that lets every
 * request through (`bare-guard`): what Nest's running of any global guard costs by itself.
 */
export type CsrfBenchSetting = 'off' | 'on' | 'bare-guard';
export const CSRF_BENCH_SETTINGS: readonly CsrfBenchSetting[] = ['off', 'on', 'bare-guard'];

/** The harness asks the app process to start with this. */
export interface CsrfStartMessage {
  platform: CsrfBenchPlatform;
  setting: CsrfBenchSetting;
}

export type CsrfAppMessage = { type: 'ready'; port: number } | { type: 'failed'; error: string } | { type: 'cpu'; microseconds: number };

/** The requests/s of each round, with the protection off and on, and the app's CPU time per request. */
export interface CsrfPlatformResult {
  platform: CsrfBenchPlatform;
  offRequestsPerSecond: number[];
  onRequestsPerSecond: number[];
  /** The app process's CPU time (user + system) per request, in µs: what a busy machine distorts least. */
  offCpuMicroseconds: number[];
  onCpuMicroseconds: number[];
  /** The same with the option off and a global guard that returns true. */
  bareGuardCpuMicroseconds: number[];
}

/** Issue 20's target: CSRF on costs at most 3 % of the requests/s of the same route without it. */
export const CSRF_MAX_COST = 0.03;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The cost of the protection: 1 − (median on) / (median off); negative when on measured faster. */
export function csrfCost(result: CsrfPlatformResult): number {
  return 1 - median(result.onRequestsPerSecond) / median(result.offRequestsPerSecond);
}

/** The same cost from CPU time: the share of requests/s a CPU-bound app loses, 1 − (CPU off) / (CPU on). */
export function csrfCpuCost(result: CsrfPlatformResult): number {
  return 1 - median(result.offCpuMicroseconds) / median(result.onCpuMicroseconds);
}

const START = '<!-- csrf:start -->';
const END = '<!-- csrf:end -->';

/** What a global guard that does nothing costs by CPU time (as `csrfCpuCost`). */
export function bareGuardCpuCost(result: CsrfPlatformResult): number {
  return 1 - median(result.offCpuMicroseconds) / median(result.bareGuardCpuMicroseconds);
}

/** The section of RESULTS.md, between its markers. */
export function renderCsrfSection(results: readonly CsrfPlatformResult[], settings: { rounds: number; durationSeconds: number; connections: number; sessions: number }): string {
  const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
  const rows = results.map((result) => {
    const cost = csrfCost(result);
    const cpuCost = csrfCpuCost(result);
    const verdict = (value: number) => (value <= CSRF_MAX_COST ? 'met' : 'missed');
    return (
      `| ${result.platform} | ${Math.round(median(result.offRequestsPerSecond))} | ${Math.round(median(result.onRequestsPerSecond))} | ${percent(cost)} (${verdict(cost)}) ` +
      `| ${median(result.offCpuMicroseconds).toFixed(0)} | ${median(result.onCpuMicroseconds).toFixed(0)} | ${percent(cpuCost)} (${verdict(cpuCost)}) ` +
      `| ${median(result.bareGuardCpuMicroseconds).toFixed(0)} (${percent(bareGuardCpuCost(result))}) |`
    );
  });
  const rounds = (result: CsrfPlatformResult, off: number[], on: number[]) =>
    `${result.platform}: ${off.map((value, index) => `${Math.round(value)} / ${Math.round(on[index]!)}`).join(', ')}`;
  return [
    START,
    '## CSRF protection (`npm run bench -- --csrf`)',
    '',
    `POST /counter (writes the session) with a session cookie and a valid \`X-CSRF-Token\`, on a Nest app with the MemoryStore, ` +
      `the \`csrf\` option off and on; ${settings.rounds} rounds of ${settings.durationSeconds} s per setting, each round starting with another, ` +
      `${settings.connections} autocannon connections, ${settings.sessions} sessions; medians. Target: at most ${percent(CSRF_MAX_COST)} fewer requests/s. ` +
      'The CPU time the app process used per request (user + system) is measured too: on a machine other work keeps busy, requests/s drift ' +
      'from one run to the next far more than 3 %, the CPU time per request much less. The last column is the CPU time with the option off ' +
      'and a global guard whose `canActivate` returns true: what Nest charges for running any global guard, which the CSRF guard pays too.',
    '',
    '| platform | req/s, csrf off | req/s, csrf on | cost | CPU µs/request, off | CPU µs/request, on | cost by CPU time | CPU µs/request, a guard returning true (its cost) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'Per round, req/s (off / on): ' + results.map((result) => rounds(result, result.offRequestsPerSecond, result.onRequestsPerSecond)).join('; ') + '.',
    '',
    'Per round, CPU µs/request (off / on): ' + results.map((result) => rounds(result, result.offCpuMicroseconds, result.onCpuMicroseconds)).join('; ') + '.',
    '',
    'Per round, CPU µs/request (off / a guard returning true): ' +
      results.map((result) => rounds(result, result.offCpuMicroseconds, result.bareGuardCpuMicroseconds)).join('; ') +
      '.',
    END,
  ].join('\n');
}

/** RESULTS.md with its CSRF section replaced (or appended). */
export function withCsrfSection(results: string, section: string): string {
  const start = results.indexOf(START);
  const end = results.indexOf(END);
  if (start >= 0 && end > start) return results.slice(0, start) + section + results.slice(end + END.length);
  return `${results.trimEnd()}\n\n${section}\n`;
}
