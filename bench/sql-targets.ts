/** Issue 19's targets for the SQL stores, judged in the recommended cell (where the SQL modes run). */
import { formatRatio, ratio } from './matrix-report.js';
import type { ModeName } from './modes.js';
import type { ModeSummary } from './report.js';

export interface SqlTarget {
  name: string;
  measured: string;
  isMet: boolean | undefined;
}

const PAIRS: Array<{ ours: ModeName; theirs: ModeName; name: string }> = [
  { ours: 'nest-sessions-postgres', theirs: 'express-session-postgres', name: 'PostgresStore vs express-session + connect-pg-simple' },
  { ours: 'nest-sessions-mysql', theirs: 'express-session-mysql', name: 'MySqlStore vs express-session + express-mysql-session' },
];

/** For each store: ≥ 1.3× the req/s of its express-session counterpart, and a p99 no worse. */
export function sqlTargets(summaries: ModeSummary[]): SqlTarget[] {
  return PAIRS.flatMap(({ ours, theirs, name }) => {
    const speedUp = ratio(summaries, ours, theirs);
    const p99Ours = summaries.find((summary) => summary.mode === ours)?.latencyP99Ms;
    const p99Theirs = summaries.find((summary) => summary.mode === theirs)?.latencyP99Ms;
    const hasP99 = p99Ours !== undefined && p99Theirs !== undefined;
    return [
      { name: `${name}: ≥ 1.3× req/s`, measured: speedUp === undefined ? 'not run' : formatRatio(speedUp), isMet: speedUp === undefined ? undefined : speedUp >= 1.3 },
      { name: `${name}: p99 no worse`, measured: hasP99 ? `${p99Ours} vs ${p99Theirs} ms` : 'not run', isMet: hasP99 ? p99Ours <= p99Theirs : undefined },
    ];
  });
}
