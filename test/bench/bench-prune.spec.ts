import { MODES } from '../../bench/modes.js';
import { latencyWindow, renderPruneSection, splitAroundPrune, withPruneSection } from '../../bench/prune-report.js';
import { markedSectionsOf } from '../../bench/results-section.js';
import type { PruneResult, TimedResponse } from '../../bench/prune-report.js';
import type { ModeSummary } from '../../bench/report.js';
import { sqlTargets } from '../../bench/sql-targets.js';

// `--prune` reports whether requests slowed down while a store pruned: a request put in the
// wrong window, or a wrong p99, would publish a pruning that blocks requests as one that does not.

const response = (completedAt: number, latencyMs: number, isOk = true): TimedResponse => ({ completedAt, latencyMs, isOk });

describe('bench --prune latency windows', () => {
  it('p99 is the latency at the 99th percentile, max the slowest, failures counted', () => {
    const responses = Array.from({ length: 100 }, (_, index) => response(index, 100 - index, index !== 7));
    expect(latencyWindow(responses)).toEqual({ requests: 100, failures: 1, p99Ms: 99, maxMs: 100 });
    expect(latencyWindow([response(0, 1.26)])).toEqual({ requests: 1, failures: 0, p99Ms: 1.3, maxMs: 1.3 });
    expect(latencyWindow([])).toEqual({ requests: 0, failures: 0, p99Ms: 0, maxMs: 0 });
  });

  it('before: completed after the warm-up and before the pruning; during: in flight at any time while it ran', () => {
    const warmup = response(50, 5);
    const before = response(150, 5);
    const heldUp = response(1_400, 600); // started at 800, before the pruning ended at 1,000
    const inside = response(600, 5);
    const after = response(1_100, 50); // started at 1,050, after the pruning
    const { before: beforeWindow, during } = splitAroundPrune([warmup, before, heldUp, inside, after], 100, 500, 1_000);
    expect(beforeWindow).toEqual([before]);
    expect(during).toEqual([heldUp, inside]);
  });
});

describe('bench --prune section of RESULTS.md', () => {
  const result: PruneResult = {
    store: 'PostgresStore (PostgreSQL)',
    expiredRows: 100_000,
    deletedRows: 100_000,
    batches: 101,
    durationMs: 4_000,
    before: { requests: 900, failures: 0, p99Ms: 120, maxMs: 140 },
    during: { requests: 2_000, failures: 0, p99Ms: 130, maxMs: 2_100 },
  };

  it('gives rows/s and says NO when a request during the pruning outlasted the deadline, and names an unavailable store', () => {
    const section = renderPruneSection([result, { ...result, store: 'MySqlStore (MariaDB)', unavailableReason: 'no mysql server at mysql://x' }], 2_000, 20);
    expect(section).toContain('| PostgresStore (PostgreSQL) | 100000 of 100000 | 101 | 4000 | 25000 | 120 | 140 | 900 | 130 | 2100 | 2000 | NO |');
    expect(section).toContain('| MySqlStore (MariaDB) | no mysql server at mysql://x |');
    expect(renderPruneSection([{ ...result, during: { ...result.during, maxMs: 150 } }], 2_000, 20)).toContain('| 150 | 2000 | yes |');
  });

  it('replaces its own section and keeps the rest of the file, or appends it', () => {
    const section = renderPruneSection([result], 2_000, 20);
    const markdown = `# Results\n\nintro\n\n${renderPruneSection([{ ...result, deletedRows: 1 }], 2_000, 20)}\n\n## How to run\n\nsteps\n`;
    expect(withPruneSection(markdown, section)).toBe(`# Results\n\nintro\n\n${section}\n\n## How to run\n\nsteps\n`);
    expect(withPruneSection('# Results\n', section)).toBe(`# Results\n\n${section}\n`);
  });

  it('is marked, so that the main run, which writes RESULTS.md anew, keeps it', () => {
    const section = renderPruneSection([result], 2_000, 20);
    expect(section.startsWith('<!-- prune:start -->\n')).toBe(true);
    expect(markedSectionsOf(`# Benchmark results\n\n## Memory\n\n${section}\n`)).toEqual([section]);
  });
});

describe('bench SQL modes', () => {
  it('compare each nest-sessions SQL store with express-session on the same database', () => {
    expect(MODES['nest-sessions-postgres']).toMatchObject({ baseline: 'express-session-postgres', database: 'postgres' });
    expect(MODES['nest-sessions-mysql']).toMatchObject({ baseline: 'express-session-mysql', database: 'mysql' });
    expect(MODES['express-session-postgres'].database).toBe('postgres');
    expect(MODES['express-session-mysql'].database).toBe('mysql');
  });
});

describe('bench SQL targets', () => {
  const summary = (mode: ModeSummary['mode'], requestsPerSecond: number, latencyP99Ms: number): ModeSummary =>
    ({ cell: 'recommended', generator: 'autocannon', mode, rounds: 1, requestsPerSecond, latencyP50Ms: 1, latencyP99Ms, failures: 0, roundRates: [requestsPerSecond] }) as ModeSummary;

  it('are met at 1.3× with a p99 no worse, missed below, and not run without the modes', () => {
    const targets = sqlTargets([summary('express-session-postgres', 1_000, 20), summary('nest-sessions-postgres', 1_300, 20), summary('express-session-mysql', 1_000, 20), summary('nest-sessions-mysql', 1_200, 25)]);
    expect(targets.map((target) => target.isMet)).toEqual([true, true, false, false]);
    expect(sqlTargets([]).map((target) => target.measured)).toEqual(['not run', 'not run', 'not run', 'not run']);
  });
});
