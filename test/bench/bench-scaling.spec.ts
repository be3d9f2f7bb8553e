import { cliffs, pointLabel, renderScalingChart, renderScalingSection, retained, withScalingSection } from '../../bench/scaling-report.js';
import type { ScalingSeriesResult } from '../../bench/scaling-report.js';

// `--scaling` publishes whether nest-sessions has a cliff express-session has not: a wrong
// share or comparison would publish a wrong verdict.

const rounds = (requestsPerSecond: number[], latencyP99Ms = [10]) => ({ requestsPerSecond, latencyP99Ms });

const sessions: ScalingSeriesResult = {
  series: 'sessions',
  points: [
    { point: 2_000, rounds: { 'nest-sessions-memory': rounds([1000, 1100, 900]), 'express-session-memory': rounds([700]), 'nest-sessions-redis': rounds([600]), 'express-session-redis': rounds([500]) } },
    { point: 20_000, rounds: { 'nest-sessions-memory': rounds([950]), 'express-session-memory': rounds([690]), 'nest-sessions-redis': rounds([590]), 'express-session-redis': rounds([495]) } },
    { point: 200_000, rounds: { 'nest-sessions-memory': rounds([600]), 'express-session-memory': rounds([630]), 'nest-sessions-redis': rounds([580]), 'express-session-redis': rounds([480]) } },
  ],
};

describe('the scaling bench report', () => {
  it('measures what a mode keeps of its first point, from the medians', () => {
    expect(retained(sessions, 'nest-sessions-memory', 0)).toBe(1);
    expect(retained(sessions, 'nest-sessions-memory', 2)).toBeCloseTo(0.6);
    expect(retained(sessions, 'express-session-memory', 2)).toBeCloseTo(0.9);
    expect(retained({ series: 'sessions', points: [] }, 'nest-sessions-memory', 1)).toBeUndefined();
  });

  it('finds a cliff only where nest-sessions loses more than express-session by more than the noise', () => {
    expect(cliffs([sessions])).toEqual(['MemoryStore, sessions in the store 200,000: nest-sessions keeps 60 % of its first point, express-session 90 %']);
    expect(cliffs([{ ...sessions, points: sessions.points.slice(0, 2) }])).toEqual([]);
  });

  it('a gain is not a cliff, and a share above 100 % counts as 100 %', () => {
    const point = (at: ScalingSeriesResult['points'][number]['point'], ours: number, theirs: number) => ({ point: at, rounds: { 'nest-sessions-memory': rounds([ours]), 'express-session-memory': rounds([theirs]) } });
    // More connections: both serve more than at their first point, express-session more so (146 % against 154 % in a run).
    const growing: ScalingSeriesResult = { series: 'connections', points: [point(1, 1000, 1000), point(16, 1460, 1540), point(64, 3110, 3650)] };
    expect(cliffs([growing])).toEqual([]);
    // express-session's first point was its low one (128 % later): ours at 98 % is noise, ours at 84 % is a loss it did not have.
    const lowFirst: ScalingSeriesResult = { series: 'sessions', points: [point(2_000, 1000, 1000), point(20_000, 980, 1280), point(200_000, 840, 1200)] };
    expect(cliffs([lowFirst])).toEqual(['MemoryStore, sessions in the store 200,000: nest-sessions keeps 84 % of its first point, express-session 120 %']);
    // Both losing alike is no cliff; losing more than the margin beyond express-session is.
    expect(cliffs([{ series: 'data', points: [point('small', 1000, 1000), point('5kb', 700, 720)] }])).toEqual([]);
    expect(cliffs([{ series: 'data', points: [point('small', 1000, 1000), point('5kb', 640, 720)] }])).toHaveLength(1);
  });

  it('renders a table per series with ratios, p99 and the cliffs, and replaces its own section', () => {
    const section = renderScalingSection([sessions], { rounds: 3, durationSeconds: 5, chartFile: 'scaling-chart.svg' });
    expect(section).toContain('| 2,000 | 1,000 (10 ms) | 700 (10 ms) | 1.43× | 100 % / 100 % | 600 (10 ms) | 500 (10 ms) | 1.20× | 100 % / 100 % |');
    expect(section).toContain('- MemoryStore, sessions in the store 200,000');
    expect(pointLabel('50kb')).toBe('~50 KB');
    const replaced = withScalingSection(`# R\n\n${section}\n\n## After\n`, '<!-- scaling:start -->x<!-- scaling:end -->');
    expect(replaced).toBe('# R\n\n<!-- scaling:start -->x<!-- scaling:end -->\n\n## After\n');
  });

  it('draws one line per mode in each panel', () => {
    const chart = renderScalingChart([sessions]);
    expect(chart.match(/<polyline /g)).toHaveLength(4);
    expect(chart).toContain('sessions in the store');
  });
});
