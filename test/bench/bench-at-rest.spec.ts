import { AT_REST_MAX_COST, atRestCosts, emptyMeasurements, renderAtRestSection, withAtRestSection } from '../../bench/at-rest-report.js';
import type { AtRestModeResult } from '../../bench/at-rest-report.js';

// `--at-rest` publishes what hashIds and encryption cost in RESULTS.md and the README: a wrong
// ratio or verdict would publish a wrong claim.

function resultOf(values: Partial<Record<'off' | 'hashIds' | 'encryption' | 'both', [number[], number[], number[]]>>): AtRestModeResult {
  const settings = emptyMeasurements();
  for (const [setting, [requestsPerSecond, cpuMicroseconds, instructions]] of Object.entries(values)) {
    settings[setting as keyof typeof settings] = { requestsPerSecond, cpuMicroseconds, instructions };
  }
  return { mode: 'nest-sessions-memory', label: 'nest-sessions + MemoryStore', settings };
}

const settings = { rounds: 3, durationSeconds: 8, connections: 20, sessions: 2000, instructionRounds: 1, instructionRequests: 2000, instructionWarmupRequests: 10000 };

describe('the at-rest bench report', () => {
  const result = resultOf({
    off: [[1000, 900, 1100], [100, 110, 90], [800_000]],
    hashIds: [[980, 990, 970], [102, 101, 103], [816_000]],
    both: [[850, 860, 870], [120, 118, 122], [1_000_000]],
  });

  it('costs each setting against off: req/s lost, and the share of the work added by CPU time and by instructions', () => {
    const hashIds = atRestCosts(result, 'hashIds');
    expect(hashIds.requestsPerSecond).toBeCloseTo(1 - 980 / 1000);
    expect(hashIds.cpu).toBeCloseTo(1 - 100 / 102);
    expect(hashIds.instructions).toBeCloseTo(1 - 800 / 816);
    expect(atRestCosts(result, 'both').instructions).toBeCloseTo(0.2);
    expect(atRestCosts(result, 'encryption')).toEqual({ requestsPerSecond: undefined, cpu: undefined, instructions: undefined });
  });

  it('renders every setting with its medians and the issue\'s targets met or missed', () => {
    expect(AT_REST_MAX_COST).toEqual({ hashIds: 0.05, both: 0.1 });
    const section = renderAtRestSection([result], settings);
    expect(section).toContain('| nest-sessions + MemoryStore | hashIds (target ≤ 5.0 %) | 980 | 2.0 % (met) | 102.0 | 2.0 % (met) | 816,000 | 2.0 % (met) |');
    expect(section).toContain('| nest-sessions + MemoryStore | both (target ≤ 10.0 %) | 860 | 14.0 % (missed) | 120.0 | 16.7 % (missed) | 1,000,000 | 20.0 % (missed) |');
    expect(section).toContain('| nest-sessions + MemoryStore | encryption | – |');
    expect(section).toContain('- nest-sessions + MemoryStore, off: req/s 1000, 900, 1100; instructions 800,000');
  });

  it('replaces its own section of RESULTS.md and leaves the rest', () => {
    const first = withAtRestSection('# Benchmark results\n\nintro\n', renderAtRestSection([result], settings));
    expect(first.startsWith('# Benchmark results\n\nintro\n\n<!-- at-rest:start -->')).toBe(true);
    const again = withAtRestSection(`${first}\n## later\n`, '<!-- at-rest:start -->new<!-- at-rest:end -->');
    expect(again).toBe('# Benchmark results\n\nintro\n\n<!-- at-rest:start -->new<!-- at-rest:end -->\n\n## later\n');
  });
});
