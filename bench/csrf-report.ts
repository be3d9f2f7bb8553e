/** What `--csrf` measures and how RESULTS.md shows it (pure, so the spec can check it). */
import { median, withSection } from './results-section.js';

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
  /** Steady instructions per request counted by callgrind (all threads, without the major GC and the JIT compilers); empty with `--no-callgrind`. */
  offInstructions: number[];
  onInstructions: number[];
}

/** Issue 20's target: CSRF on costs at most 3 % of the requests/s of the same route without it. */
export const CSRF_MAX_COST = 0.03;

/** The cost of the protection: 1 − (median on) / (median off); negative when on measured faster. */
export function csrfCost(result: CsrfPlatformResult): number {
  return 1 - median(result.onRequestsPerSecond) / median(result.offRequestsPerSecond);
}

/** The same cost from CPU time: the share of requests/s a CPU-bound app loses, 1 − (CPU off) / (CPU on). */
export function csrfCpuCost(result: CsrfPlatformResult): number {
  return 1 - median(result.offCpuMicroseconds) / median(result.onCpuMicroseconds);
}

/** The same cost from callgrind's instruction counts, which the machine's load does not move; undefined without them. */
export function csrfInstructionCost(result: CsrfPlatformResult): number | undefined {
  if (!result.offInstructions.length || !result.onInstructions.length) return undefined;
  return 1 - median(result.offInstructions) / median(result.onInstructions);
}

const START = '<!-- csrf:start -->';
const END = '<!-- csrf:end -->';

/** What a global guard that does nothing costs by CPU time (as `csrfCpuCost`). */
export function bareGuardCpuCost(result: CsrfPlatformResult): number {
  return 1 - median(result.offCpuMicroseconds) / median(result.bareGuardCpuMicroseconds);
}

function rounds(result: CsrfPlatformResult, off: number[], on: number[]): string {
  return `${result.platform}: ${off.map((value, index) => `${Math.round(value)} / ${Math.round(on[index]!)}`).join(', ')}`;
}

/** The section of RESULTS.md, between its markers. */
export function renderCsrfSection(
  results: readonly CsrfPlatformResult[],
  settings: { rounds: number; durationSeconds: number; connections: number; sessions: number; instructionRounds: number; instructionRequests: number; instructionWarmupRequests: number },
): string {
  const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
  const verdict = (value: number) => (value <= CSRF_MAX_COST ? 'met' : 'missed');
  const count = (value: number) => Math.round(value).toLocaleString('en-US');
  const rows = results.map((result) => {
    const cost = csrfCost(result);
    const cpuCost = csrfCpuCost(result);
    return (
      `| ${result.platform} | ${Math.round(median(result.offRequestsPerSecond))} | ${Math.round(median(result.onRequestsPerSecond))} | ${percent(cost)} (${verdict(cost)}) ` +
      `| ${median(result.offCpuMicroseconds).toFixed(0)} | ${median(result.onCpuMicroseconds).toFixed(0)} | ${percent(cpuCost)} (${verdict(cpuCost)}) ` +
      `| ${median(result.bareGuardCpuMicroseconds).toFixed(0)} (${percent(bareGuardCpuCost(result))}) |`
    );
  });
  const instructionRows = results.flatMap((result) => {
    const cost = csrfInstructionCost(result);
    if (cost === undefined) return [];
    const added = median(result.onInstructions) - median(result.offInstructions);
    return [`| ${result.platform} | ${count(median(result.offInstructions))} | ${count(median(result.onInstructions))} | ${count(added)} | ${percent(cost)} (${verdict(cost)}) |`];
  });
  const instructionTable = instructionRows.length
    ? [
        '',
        `By instructions (callgrind, the same app and requests: ${settings.instructionRounds} rounds per setting, ${settings.instructionRequests} requests counted ` +
          `after ${settings.instructionWarmupRequests} warm-up requests, all threads, steady: without the major GC and the JIT compilers, which follow the clock; medians). ` +
          'Counts do not drift with the machine\'s load, so they decide when the requests/s above are too noisy to: a CPU-bound app loses the share of ' +
          'requests/s the instructions added make of the whole.',
        '',
        '| platform | instructions/request, csrf off | csrf on | added by the protection | cost by instructions |',
        '| --- | --- | --- | --- | --- |',
        ...instructionRows,
        '',
        'Per round, instructions/request (off / on): ' +
          results
            .filter((result) => result.offInstructions.length)
            .map((result) => rounds(result, result.offInstructions, result.onInstructions))
            .join('; ') +
          '.',
      ]
    : [];
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
    ...instructionTable,
    END,
  ].join('\n');
}

/** RESULTS.md with its CSRF section replaced (or appended). */
export function withCsrfSection(results: string, section: string): string {
  return withSection(results, START, END, section);
}
