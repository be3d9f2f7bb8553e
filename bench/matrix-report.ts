/**
 * The matrix in RESULTS.md: for every cell and load generator, nest-sessions against
 * express-session (MemoryStore) and express-session + connect-redis (Redis), and against the
 * cell's no-session ceiling; then the worst cell of each comparison.
 */
import type { LoadGenerator } from './load.js';
import type { ModeName } from './modes.js';
import type { ModeSummary } from './report.js';

export const formatRatio = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(2)}×`);
const formatShare = (value: number | undefined) => (value === undefined ? '–' : `${(value * 100).toFixed(0)} %`);

/** req/s of `mode` over req/s of `baseline`, within summaries of one cell and one generator. */
export function ratio(summaries: ModeSummary[], mode: ModeName, baseline: ModeName | undefined): number | undefined {
  if (!baseline) return undefined;
  const value = summaries.find((summary) => summary.mode === mode)?.requestsPerSecond;
  const base = summaries.find((summary) => summary.mode === baseline)?.requestsPerSecond;
  return value !== undefined && base ? value / base : undefined;
}

/** One row of the matrix: one cell under one generator. */
export interface CellComparison {
  cell: string;
  generator: LoadGenerator;
  /** nest-sessions + MemoryStore ÷ express-session + MemoryStore. */
  memory: number | undefined;
  /** nest-sessions + RedisStore ÷ express-session + connect-redis. */
  redis: number | undefined;
  /** nest-sessions + MemoryStore ÷ the cell's no-session app. */
  memoryOfCeiling: number | undefined;
  /** nest-sessions + MemoryStore ÷ the cell's no-session app with its objects in dictionary mode (mode 15). */
  memoryOfDictionaryApp: number | undefined;
  redisOfCeiling: number | undefined;
  /** p99 of nest-sessions + MemoryStore and of express-session + MemoryStore (ms). */
  p99: { ours: number; theirs: number } | undefined;
}

export function compareCells(summaries: ModeSummary[], cells: string[], loads: LoadGenerator[]): CellComparison[] {
  return cells.flatMap((cell) =>
    loads.map((generator) => {
      const ofCell = summaries.filter((summary) => summary.cell === cell && summary.generator === generator);
      const p99Of = (mode: ModeName) => ofCell.find((summary) => summary.mode === mode)?.latencyP99Ms;
      const ours = p99Of('nest-sessions-memory');
      const theirs = p99Of('express-session-memory');
      return {
        cell,
        generator,
        memory: ratio(ofCell, 'nest-sessions-memory', 'express-session-memory'),
        redis: ratio(ofCell, 'nest-sessions-redis', 'express-session-redis'),
        memoryOfCeiling: ratio(ofCell, 'nest-sessions-memory', 'no-session'),
        memoryOfDictionaryApp: ratio(ofCell, 'nest-sessions-memory', 'no-session-dictionary'),
        redisOfCeiling: ratio(ofCell, 'nest-sessions-redis', 'no-session'),
        p99: ours === undefined || theirs === undefined ? undefined : { ours, theirs },
      };
    }),
  );
}

/** The row with the lowest value of `measure` (rows without it left out). */
export function worstOf(rows: CellComparison[], measure: (row: CellComparison) => number | undefined): CellComparison | undefined {
  return rows.reduce<CellComparison | undefined>((worst, row) => {
    const value = measure(row);
    return value !== undefined && (worst === undefined || value < measure(worst)!) ? row : worst;
  }, undefined);
}

export function renderMatrix(rows: CellComparison[]): string[] {
  const lines = [
    '| Cell | load | MemoryStore ÷ express-session | of the ceiling | of the ceiling in dictionary mode (15) | RedisStore ÷ express-session + connect-redis | of the ceiling | p99 ours / express-session (MemoryStore, ms) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.cell} | ${row.generator} | ${formatRatio(row.memory)} | ${formatShare(row.memoryOfCeiling)} | ${formatShare(row.memoryOfDictionaryApp)} | ${formatRatio(row.redis)} | ` +
        `${formatShare(row.redisOfCeiling)} | ${row.p99 ? `${row.p99.ours} / ${row.p99.theirs}` : '–'} |`,
    );
  }
  const worst: [string, (row: CellComparison) => number | undefined, (value: number | undefined) => string][] = [
    ['MemoryStore ÷ express-session', (row) => row.memory, formatRatio],
    ['RedisStore ÷ express-session + connect-redis', (row) => row.redis, formatRatio],
    ['MemoryStore, share of the ceiling', (row) => row.memoryOfCeiling, formatShare],
  ];
  lines.push('');
  for (const [name, measure, format] of worst) {
    const row = worstOf(rows, measure);
    lines.push(`- Worst cell for ${name}: ${row ? `**${row.cell}** under ${row.generator}, ${format(measure(row))}` : 'not run'}.`);
  }
  return lines;
}
