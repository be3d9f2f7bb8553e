/** What `--at-rest` measures and how RESULTS.md shows it (pure, so the spec can check it). */
import type { AXES } from './matrix.js';
import { median, withSection } from './results-section.js';

export type AtRestSetting = (typeof AXES)['atRest'][number];
export const AT_REST_SETTINGS: readonly AtRestSetting[] = ['off', 'hashIds', 'encryption', 'both'];

/** Issue 21's targets, in requests/s lost against the option off: `hashIds` alone, and both options together. */
export const AT_REST_MAX_COST: Partial<Record<AtRestSetting, number>> = { hashIds: 0.05, both: 0.1 };

/** One setting's rounds on one store mode. */
export interface AtRestMeasurements {
  requestsPerSecond: number[];
  /** The app process's CPU time (user + system) per request, µs. */
  cpuMicroseconds: number[];
  /** Steady instructions per request (callgrind, without the major GC and the JIT compilers); empty with `--no-callgrind`. */
  instructions: number[];
}

export interface AtRestModeResult {
  /** The bench mode (nest-sessions-memory, nest-sessions-redis). */
  mode: string;
  label: string;
  settings: Record<AtRestSetting, AtRestMeasurements>;
}

export function emptyMeasurements(): Record<AtRestSetting, AtRestMeasurements> {
  return Object.fromEntries(AT_REST_SETTINGS.map((setting) => [setting, { requestsPerSecond: [], cpuMicroseconds: [], instructions: [] }])) as never;
}

/**
 * The costs of a setting against `off`, as shares of requests/s lost: by requests/s
 * (1 − on/off), by CPU time and by instructions (1 − off/on: a CPU-bound app loses the share
 * of its work the setting adds). Undefined where a measure has no rounds.
 */
export function atRestCosts(result: AtRestModeResult, setting: AtRestSetting): { requestsPerSecond?: number; cpu?: number; instructions?: number } {
  const off = result.settings.off;
  const on = result.settings[setting];
  const cost = (onValues: number[], offValues: number[], isThroughput: boolean) => {
    if (!onValues.length || !offValues.length) return undefined;
    return isThroughput ? 1 - median(onValues) / median(offValues) : 1 - median(offValues) / median(onValues);
  };
  return {
    requestsPerSecond: cost(on.requestsPerSecond, off.requestsPerSecond, true),
    cpu: cost(on.cpuMicroseconds, off.cpuMicroseconds, false),
    instructions: cost(on.instructions, off.instructions, false),
  };
}

const START = '<!-- at-rest:start -->';
const END = '<!-- at-rest:end -->';

export interface AtRestRunSettings {
  rounds: number;
  durationSeconds: number;
  connections: number;
  sessions: number;
  instructionRounds: number;
  instructionRequests: number;
  instructionWarmupRequests: number;
}

/** The section of RESULTS.md, between its markers. */
export function renderAtRestSection(results: readonly AtRestModeResult[], settings: AtRestRunSettings): string {
  const percent = (value: number | undefined) => (value === undefined ? '–' : `${(value * 100).toFixed(1)} %`);
  const count = (values: number[]) => (values.length ? Math.round(median(values)).toLocaleString('en-US') : '–');
  const verdict = (setting: AtRestSetting, cost: number | undefined) => {
    const target = AT_REST_MAX_COST[setting];
    return target === undefined || cost === undefined ? '' : cost <= target ? ' (met)' : ' (missed)';
  };
  const rows = results.flatMap((result) =>
    AT_REST_SETTINGS.map((setting) => {
      const measured = result.settings[setting];
      const costs = atRestCosts(result, setting);
      const isOff = setting === 'off';
      const target = AT_REST_MAX_COST[setting];
      return (
        `| ${result.label} | ${setting}${target === undefined ? '' : ` (target ≤ ${percent(target)})`} ` +
        `| ${measured.requestsPerSecond.length ? Math.round(median(measured.requestsPerSecond)) : '–'} | ${isOff ? '' : percent(costs.requestsPerSecond) + verdict(setting, costs.requestsPerSecond)} ` +
        `| ${measured.cpuMicroseconds.length ? median(measured.cpuMicroseconds).toFixed(1) : '–'} | ${isOff ? '' : percent(costs.cpu) + verdict(setting, costs.cpu)} ` +
        `| ${count(measured.instructions)} | ${isOff ? '' : percent(costs.instructions) + verdict(setting, costs.instructions)} |`
      );
    }),
  );
  const perRound = results.flatMap((result) =>
    AT_REST_SETTINGS.map(
      (setting) =>
        `- ${result.label}, ${setting}: req/s ${result.settings[setting].requestsPerSecond.map(Math.round).join(', ') || '–'}; ` +
        `instructions ${result.settings[setting].instructions.map((value) => Math.round(value).toLocaleString('en-US')).join(', ') || '–'}`,
    ),
  );
  return [
    START,
    '## Protection at rest: `hashIds` and `encryption` (`npm run bench -- --at-rest`)',
    '',
    'The recommended cell (GET /counter writes the session; cookie `maxAge` and `sameSite`) on the Nest app (Express), each store mode with ' +
      '`hashIds` and `encryption` off, each alone, and both; the sessions are written through the module\'s `SessionStore`, so they are stored ' +
      `hashed and sealed as the setting says. ${settings.rounds} rounds of ${settings.durationSeconds} s per setting, each round starting with another, ` +
      `${settings.connections} autocannon connections, ${settings.sessions} sessions; medians. The CPU time is the app process\'s (user + system) per ` +
      `request; the instructions are callgrind's steady count (${settings.instructionRounds} rounds, ${settings.instructionRequests} requests after ` +
      `${settings.instructionWarmupRequests} warm-up requests; all threads, without the major GC and the JIT compilers), which the machine's load does not move. ` +
      'Instructions count user space only, so they overstate the share a setting costs of a request whose kernel time (sockets) they leave out; ' +
      'the CPU time includes it. Targets (issue 21): `hashIds` at most 5 % fewer requests/s, both options at most 10 %.',
    '',
    '| store | setting | req/s | cost | CPU µs/request | cost by CPU time | instructions/request | cost by instructions |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    'Per round:',
    '',
    ...perRound,
    END,
  ].join('\n');
}

/** RESULTS.md with its at-rest section replaced (or appended). */
export function withAtRestSection(results: string, section: string): string {
  return withSection(results, START, END, section);
}
