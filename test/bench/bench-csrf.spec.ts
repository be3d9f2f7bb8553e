import { CSRF_MAX_COST, csrfCost, median, renderCsrfSection, withCsrfSection } from '../../bench/csrf-report.js';
import type { CsrfPlatformResult } from '../../bench/csrf-report.js';

// `--csrf` publishes the cost of the `csrf` option: a wrong median or ratio would publish a
// protection that slows requests down as one that does not.

const settings = { rounds: 3, durationSeconds: 8, connections: 20, sessions: 500 };
const result = (platform: 'express' | 'fastify', off: number[], on: number[]): CsrfPlatformResult => ({ platform, offRequestsPerSecond: off, onRequestsPerSecond: on });

describe('bench --csrf report', () => {
  it('takes medians of the rounds, and the cost as the share of requests/s lost', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(csrfCost(result('express', [1000, 900, 1100], [980, 10, 990]))).toBeCloseTo(0.02);
    expect(csrfCost(result('fastify', [1000], [1010]))).toBeCloseTo(-0.01);
  });

  it('renders each platform with its medians, cost and whether the 3 % target is met, and the rounds', () => {
    const section = renderCsrfSection([result('express', [1000, 1000, 1000], [980, 970, 990]), result('fastify', [2000, 2000, 2000], [1900, 1900, 1900])], settings);
    expect(CSRF_MAX_COST).toBe(0.03);
    expect(section).toContain('| express | 1000 | 980 | 2.0 % | met |');
    expect(section).toContain('| fastify | 2000 | 1900 | 5.0 % | missed |');
    expect(section).toContain('express: 1000 / 980, 1000 / 970, 1000 / 990; fastify: 2000 / 1900');
    expect(section).toMatch(/^<!-- csrf:start -->\n## CSRF protection/);
  });

  it('replaces its own section of RESULTS.md and leaves the rest', () => {
    const first = withCsrfSection('# Results\n\nother text\n', '<!-- csrf:start -->\nold\n<!-- csrf:end -->');
    expect(first).toBe('# Results\n\nother text\n\n<!-- csrf:start -->\nold\n<!-- csrf:end -->\n');
    expect(withCsrfSection(first, '<!-- csrf:start -->\nnew\n<!-- csrf:end -->')).toBe('# Results\n\nother text\n\n<!-- csrf:start -->\nnew\n<!-- csrf:end -->\n');
  });
});
