import { CEILING_MARGIN, loadSideFullModes, renderLoadSideFull, renderRunProblems, runProblems } from '../../bench/run-validity.js';
import { cpuBusyBetween, cpuTimes, LOAD_BUSY_CEILING } from '../../bench/cpu-busy.js';
import type { CpuBusy } from '../../bench/cpu-busy.js';
import { renderResults } from '../../bench/report.js';
import type { BenchSettings, ModeSummary } from '../../bench/report.js';
import type { ModeName } from '../../bench/modes.js';
import { RECOMMENDED_CELL } from '../../bench/matrix.js';

// A run whose machine changed speed between modes publishes ratios that measure the machine:
// RESULTS.md must say so instead of quoting them (a run of 2026-12-06 put the no-session app
// at 1,348 req/s and every session mode above it).

function summary(mode: ModeName, requestsPerSecond: number | undefined, cell = 'recommended', generator: 'autocannon' | 'wrk' = 'autocannon', cpuBusy?: CpuBusy): ModeSummary {
  return { cell, generator, mode, unavailableReason: undefined, rounds: 3, requestsPerSecond, latencyP50Ms: 5, latencyP99Ms: 20, failures: 0, roundRates: [requestsPerSecond ?? 0], cpuBusy };
}

/** RESULTS.md as a one-cell, one-generator run of the ceiling and `mode` renders it from `summaries`. */
function renderFor(mode: ModeName): (summaries: ModeSummary[]) => string {
  const settings = {
    isQuick: false,
    rounds: 3,
    durationSeconds: 5,
    warmupSeconds: 2,
    loads: ['autocannon'],
    connections: { autocannon: 20 },
    sessions: 2000,
    memorySessions: 0,
    memoryMaxAgeMs: 1000,
    modes: ['no-session', mode],
    cells: [RECOMMENDED_CELL],
    areModesChosen: true,
    isMemorySkipped: true,
    cpuProfileMode: undefined,
    outputDir: '/nonexistent',
  } satisfies BenchSettings;
  return (summaries) => renderResults({ settings, summaries, memory: [], chartFile: 'chart.svg', notesFile: '/nonexistent/notes.md' });
}

describe('whether a bench run is fit to quote', () => {
  it('a session mode above its ceiling is a problem, named with its cell, generator and both rates', () => {
    const problems = runProblems([summary('no-session', 1348), summary('express-session-memory', 2647), summary('nest-sessions-memory', 2731)]);
    expect(problems).toEqual([
      'recommended, autocannon: 2. express-session + MemoryStore at 2,647 req/s, above the app without sessions (1. no session (ceiling)) at 1,348',
      'recommended, autocannon: 4. nest-sessions + MemoryStore at 2,731 req/s, above the app without sessions (1. no session (ceiling)) at 1,348',
    ]);
  });

  // nest-sessions puts Express's objects in dictionary mode, which can make its app faster than
  // mode 1 (bench/PROFILE.md): mode 15, the app without sessions so treated, is then the bound.
  it('on Express, the app without sessions in dictionary mode (15) bounds the session modes when it is faster than the ceiling', () => {
    const withDictionaryApp = [summary('no-session', 3000), summary('no-session-dictionary', 4000), summary('nest-sessions-memory', 3500)];
    expect(runProblems(withDictionaryApp)).toEqual([]);
    expect(runProblems([summary('no-session', 3000), summary('nest-sessions-memory', 3500)])).toHaveLength(1);
    expect(runProblems([...withDictionaryApp, summary('nest-sessions-redis', 4300)])).toEqual([
      'recommended, autocannon: 5. nest-sessions + RedisStore at 4,300 req/s, above the app without sessions (15. no session, objects in dictionary mode) at 4,000',
    ]);
    // Mode 15 is not a session mode: above the ceiling is what it is for.
    expect(runProblems([summary('no-session', 3000), summary('no-session-dictionary', 5000)])).toEqual([]);
    // Fastify's session modes are not bounded by an Express app.
    expect(runProblems([summary('fastify-no-session', 3000), summary('no-session-dictionary', 9000), summary('nest-sessions-fastify-memory', 4000)])).toHaveLength(1);
  });

  it('a session mode below its ceiling, or above it within the margin, is not', () => {
    const ceiling = 3000;
    expect(runProblems([summary('no-session', ceiling), summary('nest-sessions-memory', 2400), summary('nest-sessions-redis', ceiling * (1 + CEILING_MARGIN))])).toEqual([]);
  });

  it('each mode is held to its own platform, cell and generator', () => {
    const summaries = [
      summary('no-session', 3000),
      summary('fastify-no-session', 20000),
      summary('nest-sessions-fastify-memory', 9000),
      summary('no-session', 5000, 'route=read'),
      summary('nest-sessions-memory', 4000, 'route=read'),
      summary('no-session', 1000, 'recommended', 'wrk'),
      summary('nest-sessions-memory', 2900, 'recommended', 'autocannon'),
    ];
    expect(runProblems(summaries)).toEqual([]);
    expect(runProblems([...summaries, summary('nest-sessions-memory', 1200, 'recommended', 'wrk')])).toHaveLength(1);
  });

  it('modes that did not run, and cells without their ceiling, are skipped', () => {
    expect(runProblems([summary('no-session', undefined), summary('nest-sessions-memory', 2000)])).toEqual([]);
    expect(runProblems([summary('no-session', 1000), summary('nest-sessions-memory', undefined)])).toEqual([]);
  });

  it('RESULTS.md opens with the warning and its list when there are problems, and has none otherwise', () => {
    const render = renderFor('nest-sessions-memory');

    const unfit = render([summary('no-session', 1000), summary('nest-sessions-memory', 2000)]);
    const header = unfit.split('## Throughput and latency')[0]!;
    expect(header).toContain('> **Not fit to quote.**');
    expect(header).toContain('> - recommended, autocannon: 4. nest-sessions + MemoryStore at 2,000 req/s, above the app without sessions');
    expect(unfit.split('## Targets')[1]).toMatch(/^\s*Judged on a run not fit to quote/);

    const fit = render([summary('no-session', 3000), summary('nest-sessions-memory', 2000)]);
    expect(fit).not.toContain('Not fit to quote');
    expect(fit).not.toContain('Judged on a run not fit to quote');
    expect(renderRunProblems([])).toEqual([]);
  });
});

describe("which modes ran with the load side's CPU full (the generator may have set their pace)", () => {
  it("reads each CPU's busy share between two readings: the app's CPU (0) and the busiest other one", () => {
    const before = [
      { busy: 1000, total: 2000 },
      { busy: 500, total: 2000 },
      { busy: 100, total: 2000 },
    ];
    const after = [
      { busy: 1600, total: 3000 },
      { busy: 1450, total: 3000 },
      { busy: 300, total: 3000 },
    ];
    expect(cpuBusyBetween(before, after)).toEqual({ app: 0.6, load: 0.95 });
    // One CPU: nothing to tell apart; no time passed: no share.
    expect(cpuBusyBetween(before.slice(0, 1), after.slice(0, 1))).toBeUndefined();
    expect(cpuBusyBetween(before, before)).toBeUndefined();
  });

  it("reads this machine's CPUs: a busy loop shows on one of them", () => {
    const before = cpuTimes();
    const until = Date.now() + 200;
    while (Date.now() < until);
    const after = cpuTimes();
    expect(after).toHaveLength(before.length);
    for (const [index, cpu] of after.entries()) {
      expect(cpu.busy).toBeLessThanOrEqual(cpu.total);
      expect(cpu.busy).toBeGreaterThanOrEqual(before[index]!.busy);
    }
    const busiest = Math.max(...after.map((cpu, index) => (cpu.busy - before[index]!.busy) / Math.max(1, cpu.total - before[index]!.total)));
    expect(busiest).toBeGreaterThan(0.3);
  });

  it("flags a mode whose load side's CPU was full, whatever the app's, and no other", () => {
    const ceiling = summary('fastify-no-session', 23765, 'recommended', 'autocannon', { app: 0.96, load: 0.97 });
    const paced = summary('nest-sessions-redis', 7115, 'recommended', 'autocannon', { app: 0.62, load: 0.98 });
    const appBound = summary('nest-sessions-memory', 8305, 'recommended', 'autocannon', { app: 1, load: 0.54 });
    const unmeasured = summary('no-session', 11730);
    expect(loadSideFullModes([ceiling, paced, appBound, unmeasured])).toEqual([
      "recommended, autocannon: 6. Fastify: no session (ceiling): the load side's CPU 97 % busy, the app's 96 %",
      "recommended, autocannon: 5. nest-sessions + RedisStore: the load side's CPU 98 % busy, the app's 62 %",
    ]);
    // The threshold itself: at it the load side was full, just under it not.
    expect(loadSideFullModes([summary('nest-sessions-redis', 1, 'recommended', 'wrk', { app: 1, load: LOAD_BUSY_CEILING })])).toHaveLength(1);
    expect(loadSideFullModes([summary('nest-sessions-redis', 1, 'recommended', 'wrk', { app: 1, load: LOAD_BUSY_CEILING - 0.01 })])).toEqual([]);
  });

  it('RESULTS.md says which modes ran with the load side full, and nothing when it kept up everywhere', () => {
    const render = renderFor('nest-sessions-redis');

    const paced = render([summary('no-session', 3000, 'recommended', 'autocannon', { app: 1, load: 0.5 }), summary('nest-sessions-redis', 2000, 'recommended', 'autocannon', { app: 0.7, load: 0.96 })]);
    const header = paced.split('## Throughput and latency')[0]!;
    expect(header).toContain('> **The load side was full.**');
    expect(header).toContain("> - recommended, autocannon: 5. nest-sessions + RedisStore: the load side's CPU 96 % busy, the app's 70 %");

    const keptUp = render([summary('no-session', 3000, 'recommended', 'autocannon', { app: 1, load: 0.5 }), summary('nest-sessions-redis', 2000, 'recommended', 'autocannon', { app: 0.97, load: 0.6 })]);
    expect(keptUp).not.toContain('The load side was full');
    expect(renderLoadSideFull([])).toEqual([]);
  });
});
