import { bareGuardCpuCost, CSRF_MAX_COST, csrfCost, csrfCpuCost, csrfInstructionCost, renderCsrfSection, withCsrfSection } from '../../bench/csrf-report.js';
import { median } from '../../bench/results-section.js';
import type { CsrfPlatformResult } from '../../bench/csrf-report.js';

// `--csrf` publishes the cost of the `csrf` option: a wrong median or ratio would publish a
// protection that slows requests down as one that does not.

const settings = { rounds: 3, durationSeconds: 8, connections: 20, sessions: 500, instructionRounds: 3, instructionRequests: 3000, instructionWarmupRequests: 15000 };
const result = (
  platform: 'express' | 'fastify',
  off: number[],
  on: number[],
  offCpu = [100],
  onCpu = [101],
  bareGuardCpu = [101],
  offInstructions: number[] = [],
  onInstructions: number[] = [],
): CsrfPlatformResult => ({
  platform,
  offInstructions,
  onInstructions,
  offRequestsPerSecond: off,
  onRequestsPerSecond: on,
  offCpuMicroseconds: offCpu,
  onCpuMicroseconds: onCpu,
  bareGuardCpuMicroseconds: bareGuardCpu,
});

describe('bench --csrf report', () => {
  it('takes medians of the rounds, and the cost as the share of requests/s lost', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(csrfCost(result('express', [1000, 900, 1100], [980, 10, 990]))).toBeCloseTo(0.02);
    expect(csrfCost(result('fastify', [1000], [1010]))).toBeCloseTo(-0.01);
    // CPU time: 100 µs a request off, 125 µs on, is 20 % fewer requests/s for a CPU-bound app.
    expect(csrfCpuCost(result('express', [1], [1], [100, 90, 110], [125, 500, 120]))).toBeCloseTo(0.2);
    expect(bareGuardCpuCost(result('express', [1], [1], [100], [125], [110]))).toBeCloseTo(1 - 100 / 110);
    // Instructions: 800,000 off and 808,000 on (medians) is 1 − 800/808 ≈ 0.99 % fewer requests/s.
    expect(csrfInstructionCost(result('express', [1], [1], [1], [1], [1], [800_000, 790_000, 900_000], [808_000, 700_000, 950_000]))).toBeCloseTo(1 - 800 / 808);
    expect(csrfInstructionCost(result('express', [1], [1]))).toBeUndefined();
  });

  it('adds the callgrind table when instructions were counted, and only then', () => {
    const counted = renderCsrfSection(
      [
        result('express', [1000], [990], [100], [101], [101], [800_000, 801_000, 799_000], [808_000, 809_500, 807_000]),
        result('fastify', [2000], [1990], [50], [51], [51], [200_000], [210_000]),
      ],
      settings,
    );
    expect(counted).toContain('| express | 800,000 | 808,000 | 8,000 | 1.0 % (met) |');
    expect(counted).toContain('| fastify | 200,000 | 210,000 | 10,000 | 4.8 % (missed) |');
    expect(counted).toContain('3 rounds per setting, 3000 requests counted after 15000 warm-up requests');
    expect(counted).toContain('instructions/request (off / on): express: 800000 / 808000, 801000 / 809500, 799000 / 807000; fastify: 200000 / 210000.');
    expect(counted.endsWith('<!-- csrf:end -->')).toBe(true);
    const uncounted = renderCsrfSection([result('express', [1000], [990])], settings);
    expect(uncounted).not.toContain('By instructions');
  });

  it('renders each platform with its medians, costs (req/s and CPU time) and whether the 3 % target is met, and the rounds', () => {
    const section = renderCsrfSection(
      [
        result('express', [1000, 1000, 1000], [980, 970, 990], [100, 100, 100], [102, 102, 102], [101, 101, 101]),
        result('fastify', [2000, 2000, 2000], [1900, 1900, 1900], [50, 50, 50], [60, 60, 60], [59, 59, 59]),
      ],
      settings,
    );
    expect(CSRF_MAX_COST).toBe(0.03);
    expect(section).toContain('| express | 1000 | 980 | 2.0 % (met) | 100 | 102 | 2.0 % (met) | 101 (1.0 %) |');
    expect(section).toContain('| fastify | 2000 | 1900 | 5.0 % (missed) | 50 | 60 | 16.7 % (missed) | 59 (15.3 %) |');
    expect(section).toContain('(off / a guard returning true): express: 100 / 101, 100 / 101, 100 / 101; fastify: 50 / 59');
    expect(section).toContain('req/s (off / on): express: 1000 / 980, 1000 / 970, 1000 / 990; fastify: 2000 / 1900');
    expect(section).toContain('CPU µs/request (off / on): express: 100 / 102, 100 / 102, 100 / 102; fastify: 50 / 60');
    expect(section).toMatch(/^<!-- csrf:start -->\n## CSRF protection/);
  });

  it('replaces its own section of RESULTS.md and leaves the rest', () => {
    const first = withCsrfSection('# Results\n\nother text\n', '<!-- csrf:start -->\nold\n<!-- csrf:end -->');
    expect(first).toBe('# Results\n\nother text\n\n<!-- csrf:start -->\nold\n<!-- csrf:end -->\n');
    expect(withCsrfSection(first, '<!-- csrf:start -->\nnew\n<!-- csrf:end -->')).toBe('# Results\n\nother text\n\n<!-- csrf:start -->\nnew\n<!-- csrf:end -->\n');
  });
});
