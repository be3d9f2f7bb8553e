import { CEILING_MARGIN, renderRunProblems, runProblems } from '../../bench/run-validity.js';
import { renderResults } from '../../bench/report.js';
import type { BenchSettings, ModeSummary } from '../../bench/report.js';
import type { ModeName } from '../../bench/modes.js';
import { RECOMMENDED_CELL } from '../../bench/matrix.js';

// A run whose machine changed speed between modes publishes ratios that measure the machine:
// RESULTS.md must say so instead of quoting them (a run of 2026-12-06 put the no-session app
// at 1,348 req/s and every session mode above it).

function summary(mode: ModeName, requestsPerSecond: number | undefined, cell = 'recommended', generator: 'autocannon' | 'wrk' = 'autocannon'): ModeSummary {
  return { cell, generator, mode, unavailableReason: undefined, rounds: 3, requestsPerSecond, latencyP50Ms: 5, latencyP99Ms: 20, failures: 0, roundRates: [requestsPerSecond ?? 0] };
}

describe('whether a bench run is fit to quote', () => {
  it('a session mode above its ceiling is a problem, named with its cell, generator and both rates', () => {
    const problems = runProblems([summary('no-session', 1348), summary('express-session-memory', 2647), summary('nest-sessions-memory', 2731)]);
    expect(problems).toEqual([
      'recommended, autocannon: 2. express-session + MemoryStore at 2,647 req/s, above its ceiling (1. no session (ceiling)) at 1,348',
      'recommended, autocannon: 4. nest-sessions + MemoryStore at 2,731 req/s, above its ceiling (1. no session (ceiling)) at 1,348',
    ]);
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
      modes: ['no-session', 'nest-sessions-memory'],
      cells: [RECOMMENDED_CELL],
      areModesChosen: true,
      isMemorySkipped: true,
      cpuProfileMode: undefined,
      outputDir: '/nonexistent',
    } satisfies BenchSettings;
    const render = (summaries: ModeSummary[]) => renderResults({ settings, summaries, memory: [], chartFile: 'chart.svg', notesFile: '/nonexistent/notes.md' });

    const unfit = render([summary('no-session', 1000), summary('nest-sessions-memory', 2000)]);
    const header = unfit.split('## Throughput and latency')[0]!;
    expect(header).toContain('> **Not fit to quote.**');
    expect(header).toContain('> - recommended, autocannon: 4. nest-sessions + MemoryStore at 2,000 req/s, above its ceiling');
    expect(unfit.split('## Targets')[1]).toMatch(/^\s*Judged on a run not fit to quote/);

    const fit = render([summary('no-session', 3000), summary('nest-sessions-memory', 2000)]);
    expect(fit).not.toContain('Not fit to quote');
    expect(fit).not.toContain('Judged on a run not fit to quote');
    expect(renderRunProblems([])).toEqual([]);
  });
});
