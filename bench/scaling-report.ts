/** What `--scaling` measures and how RESULTS.md shows it (pure, so the spec can check it). */
import { median, withSection } from './results-section.js';

/** The three series: one quantity moved, the others at their first point. */
export const SCALING_SERIES = {
  /** Sessions in the store. */
  sessions: [2_000, 20_000, 200_000],
  /** Concurrent connections of the load generator. */
  connections: [1, 16, 64, 256],
  /** Session data (the matrix's `data` values): ~150 B, ~5 KB, ~50 KB of JSON. */
  data: ['small', '5kb', '50kb'],
} as const;

export type SeriesName = keyof typeof SCALING_SERIES;
export type SeriesPoint = (typeof SCALING_SERIES)[SeriesName][number];

/** The pairs compared: nest-sessions and what users would otherwise pick, on each store. */
export const SCALING_PAIRS = [
  { store: 'MemoryStore', ours: 'nest-sessions-memory', theirs: 'express-session-memory' },
  { store: 'Redis', ours: 'nest-sessions-redis', theirs: 'express-session-redis' },
] as const;

export type ScalingMode = (typeof SCALING_PAIRS)[number]['ours' | 'theirs'];

/** Each round's requests/s and p99 latency (ms) at one point of a series, by mode. */
export type ScalingRounds = Partial<Record<ScalingMode, { requestsPerSecond: number[]; latencyP99Ms: number[] }>>;

export interface ScalingSeriesResult {
  series: SeriesName;
  /** In the order of `SCALING_SERIES[series]`. */
  points: Array<{ point: SeriesPoint; rounds: ScalingRounds }>;
}

const POINT_LABELS: Record<string, string> = { small: '~150 B', '5kb': '~5 KB', '50kb': '~50 KB' };
export const pointLabel = (point: SeriesPoint): string => POINT_LABELS[String(point)] ?? Number(point).toLocaleString('en-US');
const SERIES_LABELS: Record<SeriesName, string> = { sessions: 'sessions in the store', connections: 'connections', data: 'session data' };

/**
 * How much of its requests/s at the series' first point a mode keeps at `index` (1 = none lost);
 * undefined when either point has no rounds.
 */
export function retained(result: ScalingSeriesResult, mode: ScalingMode, index: number): number | undefined {
  const first = result.points[0]?.rounds[mode]?.requestsPerSecond ?? [];
  const at = result.points[index]?.rounds[mode]?.requestsPerSecond ?? [];
  return first.length && at.length ? median(at) / median(first) : undefined;
}

/**
 * The points where nest-sessions serves less than at its first point, by more than `tolerance`
 * (the run-to-run noise), and has lost more than express-session has: a cliff express-session
 * does not have. Gains are not cliffs: where both serve more than at their first point (more
 * connections), or express-session's first point was its low one, it counts as keeping 100 %.
 */
export function cliffs(results: readonly ScalingSeriesResult[], tolerance = 0.05): string[] {
  const found: string[] = [];
  for (const result of results) {
    for (const pair of SCALING_PAIRS) {
      result.points.forEach(({ point }, index) => {
        const ours = retained(result, pair.ours, index);
        const theirs = retained(result, pair.theirs, index);
        if (ours !== undefined && theirs !== undefined && ours < Math.min(theirs, 1) - tolerance) {
          found.push(`${pair.store}, ${SERIES_LABELS[result.series]} ${pointLabel(point)}: nest-sessions keeps ${(ours * 100).toFixed(0)} % of its first point, express-session ${(theirs * 100).toFixed(0)} %`);
        }
      });
    }
  }
  return found;
}

const START = '<!-- scaling:start -->';
const END = '<!-- scaling:end -->';

export interface ScalingRunSettings {
  rounds: number;
  durationSeconds: number;
  chartFile: string;
}

/** The section of RESULTS.md, between its markers. */
export function renderScalingSection(results: readonly ScalingSeriesResult[], settings: ScalingRunSettings): string {
  const rate = (values: number[] | undefined) => (values?.length ? Math.round(median(values)).toLocaleString('en-US') : '–');
  const ms = (values: number[] | undefined) => (values?.length ? `${median(values)} ms` : '–');
  const tables = results.flatMap((result) => [
    '',
    `### ${SERIES_LABELS[result.series]}`,
    '',
    `| ${SERIES_LABELS[result.series]} | ${SCALING_PAIRS.map((pair) => `${pair.store}: nest-sessions req/s (p99) | express-session req/s (p99) | ratio | kept, ours / theirs`).join(' | ')} |`,
    `| --- | ${SCALING_PAIRS.map(() => '---: | ---: | ---: | ---:').join(' | ')} |`,
    ...result.points.map(({ point, rounds }, index) => {
      const cells = SCALING_PAIRS.map((pair) => {
        const ours = rounds[pair.ours];
        const theirs = rounds[pair.theirs];
        const ratio = ours?.requestsPerSecond.length && theirs?.requestsPerSecond.length ? `${(median(ours.requestsPerSecond) / median(theirs.requestsPerSecond)).toFixed(2)}×` : '–';
        const kept = (mode: ScalingMode) => {
          const value = retained(result, mode, index);
          return value === undefined ? '–' : `${(value * 100).toFixed(0)} %`;
        };
        return `${rate(ours?.requestsPerSecond)} (${ms(ours?.latencyP99Ms)}) | ${rate(theirs?.requestsPerSecond)} (${ms(theirs?.latencyP99Ms)}) | ${ratio} | ${kept(pair.ours)} / ${kept(pair.theirs)}`;
      });
      return `| ${pointLabel(point)} | ${cells.join(' | ')} |`;
    }),
  ]);
  const found = cliffs(results);
  return [
    START,
    '## Scaling (`npm run bench -- --scaling`)',
    '',
    `The recommended cell (GET /counter writes the session) on the Nest app, each series moving one quantity from its first point ` +
      `(2,000 sessions, 20 connections, ~150 B of session data): the sessions in the store, the connections (autocannon), the size of the data. ` +
      `Each point runs nest-sessions and express-session on the MemoryStore and on Redis (connect-redis), ${settings.rounds} rounds of ` +
      `${settings.durationSeconds} s, the modes alternating; medians. "kept" is the share of its own first point's requests/s a mode still serves: ` +
      'a cliff is nest-sessions serving less than at its first point and losing more than express-session does, each by more than 5 points (the run-to-run noise); a share above 100 % counts as 100 %. ' +
      `Chart: [${settings.chartFile}](${settings.chartFile}).`,
    ...tables,
    '',
    found.length ? `Cliffs (nest-sessions losing more than express-session):\n\n${found.map((line) => `- ${line}`).join('\n')}` : 'No cliff: at no point does nest-sessions lose more of its requests/s than express-session.',
    END,
  ].join('\n');
}

/** RESULTS.md with its scaling section replaced (or appended). */
export function withScalingSection(results: string, section: string): string {
  return withSection(results, START, END, section);
}

/** One panel per series: requests/s (median) by point, a line per mode. */
export function renderScalingChart(results: readonly ScalingSeriesResult[]): string {
  const panelWidth = 320;
  const panelHeight = 220;
  const margin = { left: 60, top: 50, bottom: 40 };
  const width = results.length * (panelWidth + margin.left) + 20;
  const height = margin.top + panelHeight + margin.bottom + 40;
  const lines: Array<{ mode: ScalingMode; color: string; dash: string }> = [
    { mode: 'nest-sessions-memory', color: '#2f6fc9', dash: '' },
    { mode: 'express-session-memory', color: '#e8913a', dash: '' },
    { mode: 'nest-sessions-redis', color: '#2f6fc9', dash: '6 4' },
    { mode: 'express-session-redis', color: '#e8913a', dash: '6 4' },
  ];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Requests per second as each quantity grows (median; higher is better)</text>`,
  ];
  results.forEach((result, panel) => {
    const left = margin.left + panel * (panelWidth + margin.left);
    const maximum = Math.max(1, ...result.points.flatMap(({ rounds }) => lines.map(({ mode }) => (rounds[mode]?.requestsPerSecond.length ? median(rounds[mode]!.requestsPerSecond) : 0))));
    const xOf = (index: number) => left + (result.points.length === 1 ? panelWidth / 2 : (index / (result.points.length - 1)) * panelWidth);
    const yOf = (value: number) => margin.top + panelHeight - (value / maximum) * panelHeight;
    parts.push(`<text x="${left + panelWidth / 2}" y="${margin.top - 12}" text-anchor="middle" font-weight="bold">${SERIES_LABELS[result.series]}</text>`);
    parts.push(`<line x1="${left}" y1="${margin.top + panelHeight}" x2="${left + panelWidth}" y2="${margin.top + panelHeight}" stroke="#999"/>`);
    parts.push(`<text x="${left - 6}" y="${margin.top + 4}" text-anchor="end" fill="#555">${Math.round(maximum).toLocaleString('en-US')}</text>`);
    parts.push(`<text x="${left - 6}" y="${margin.top + panelHeight}" text-anchor="end" fill="#555">0</text>`);
    result.points.forEach(({ point }, index) => parts.push(`<text x="${xOf(index)}" y="${margin.top + panelHeight + 18}" text-anchor="middle">${pointLabel(point)}</text>`));
    for (const { mode, color, dash } of lines) {
      const coordinates = result.points.flatMap(({ rounds }, index) => (rounds[mode]?.requestsPerSecond.length ? [`${xOf(index).toFixed(1)},${yOf(median(rounds[mode]!.requestsPerSecond)).toFixed(1)}`] : []));
      if (coordinates.length) parts.push(`<polyline points="${coordinates.join(' ')}" fill="none" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    }
  });
  parts.push(`<text x="${margin.left}" y="${height - 12}" fill="#555">blue: nest-sessions · orange: express-session · solid: MemoryStore · dashed: Redis (connect-redis)</text>`);
  parts.push('</svg>', '');
  return parts.join('\n');
}
