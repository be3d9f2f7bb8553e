/**
 * `--prune`'s messages and arithmetic: the latency of the requests before the pruning and of
 * those that overlapped it, and the RESULTS.md section that reports them.
 */
import type { SqlDatabase } from './modes.js';
import { withSection } from './results-section.js';

/** Parent → prune app. */
export interface PruneStartMessage {
  type: 'start';
  database: SqlDatabase;
  sessionIds: string[];
  expiredRows: number;
}

/** Prune app → parent. */
export type PruneAppMessage =
  | { type: 'ready'; port: number }
  | { type: 'pruned'; startedAt: number; endedAt: number; deletedRows: number; batches: number }
  | { type: 'unavailable'; reason: string }
  | { type: 'failed'; error: string };

/** One answered request: when it completed (ms since the epoch), how long it took, and whether it succeeded. */
export interface TimedResponse {
  completedAt: number;
  latencyMs: number;
  isOk: boolean;
}

export interface LatencyWindow {
  requests: number;
  failures: number;
  p99Ms: number;
  maxMs: number;
}

function oneDecimal(value: number): number {
  return Math.round(value * 10) / 10;
}

/** p99 and max of the responses; zeros when there are none. */
export function latencyWindow(responses: readonly TimedResponse[]): LatencyWindow {
  const latencies = responses.map((response) => response.latencyMs).sort((a, b) => a - b);
  const p99Index = Math.max(0, Math.ceil(latencies.length * 0.99) - 1);
  return {
    requests: responses.length,
    failures: responses.filter((response) => !response.isOk).length,
    p99Ms: oneDecimal(latencies[p99Index] ?? 0),
    maxMs: oneDecimal(latencies.at(-1) ?? 0),
  };
}

/** The responses before `pruneStartedAt` (and after `warmedUpAt`), and those in flight at any time during the pruning. */
export function splitAroundPrune(
  responses: readonly TimedResponse[],
  warmedUpAt: number,
  pruneStartedAt: number,
  pruneEndedAt: number,
): { before: TimedResponse[]; during: TimedResponse[] } {
  return {
    before: responses.filter((response) => response.completedAt >= warmedUpAt && response.completedAt < pruneStartedAt),
    during: responses.filter((response) => response.completedAt >= pruneStartedAt && response.completedAt - response.latencyMs <= pruneEndedAt),
  };
}

/** What `--prune` measured for one store. */
export interface PruneResult {
  store: string;
  unavailableReason?: string;
  expiredRows: number;
  deletedRows: number;
  batches: number;
  durationMs: number;
  before: LatencyWindow;
  during: LatencyWindow;
}

const PRUNE_SECTION_TITLE = '## Pruning expired rows under load';
// Marked, as every bench's own section is, so that the main run (which writes RESULTS.md anew) keeps it.
const START = '<!-- prune:start -->';
const END = '<!-- prune:end -->';

function latencyCells(window: LatencyWindow): string {
  return `${window.p99Ms} | ${window.maxMs} | ${window.requests}${window.failures ? ` (${window.failures} failed)` : ''}`;
}

/** The section: one row per store, the deadline checked against the slowest request during the pruning. */
export function renderPruneSection(results: readonly PruneResult[], deadlineMs: number, connections: number): string {
  const lines = [
    START,
    PRUNE_SECTION_TITLE,
    '',
    `\`npm run bench -- --prune\`: the store's table holds the bench's sessions plus expired rows written by one INSERT … SELECT; autocannon (${connections} connections) reads sessions on GET /counter while \`store.prune()\` deletes the expired rows in its bounded batches. "Before" is the load before the pruning started, "during" every request in flight while it ran. The store's deadline is ${deadlineMs} ms.`,
    '',
    '| Store | expired rows deleted | batches | prune (ms) | rows/s | p99 before (ms) | max before (ms) | requests before | p99 during (ms) | max during (ms) | requests during | slowest under the deadline |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |',
  ];
  for (const result of results) {
    if (result.unavailableReason !== undefined) {
      lines.push(`| ${result.store} | ${result.unavailableReason} | – | – | – | – | – | – | – | – | – | – |`);
      continue;
    }
    const rowsPerSecond = result.durationMs > 0 ? Math.round((result.deletedRows * 1000) / result.durationMs) : 0;
    lines.push(
      `| ${result.store} | ${result.deletedRows} of ${result.expiredRows} | ${result.batches} | ${result.durationMs} | ${rowsPerSecond} | ` +
        `${latencyCells(result.before)} | ${latencyCells(result.during)} | ${result.during.maxMs < deadlineMs && result.during.failures === 0 ? 'yes' : 'NO'} |`,
    );
  }
  lines.push(END);
  return lines.join('\n');
}

/** `markdown` with its pruning section replaced by `section` (appended when it has none). */
export function withPruneSection(markdown: string, section: string): string {
  return withSection(markdown, START, END, section);
}
