import diagnosticsChannel from 'node:diagnostics_channel';

/** What one pruning did: published on `STORE_PRUNED_CHANNEL` and emitted as the store's `pruned` event. */
export interface SqlPruneStats {
  /** `PostgresStore`, `MySqlStore`. */
  store: string;
  /** The table pruned, as named in SQL (schema-qualified when a schema was given). */
  table: string;
  deletedRows: number;
  batches: number;
  durationMs: number;
}

/** The `node:diagnostics_channel` channel pruning statistics are published on. */
export const STORE_PRUNED_CHANNEL = 'nest-sessions:store:pruned';
const prunedChannel = diagnosticsChannel.channel(STORE_PRUNED_CHANNEL);

/** Expired rows deleted by one statement: short enough never to hold locks requests wait for. */
export const PRUNE_BATCH_ROWS = 1_000;
/** Batches in one pruning at most; the rest waits for the next one. */
export const PRUNE_MAX_BATCHES = 1_000;
/** The pause between two batches, leaving the pool's connections to requests. */
export const PRUNE_PAUSE_MS = 20;

/** What a store gives its pruner. */
export interface SqlPruneRun {
  /**
   * Under the database's lock for this table (`pg_try_advisory_lock`, `GET_LOCK`): deletes
   * expired rows batch by batch (`deleteBatch` answers the rows deleted). Resolves to
   * `false` when another instance holds the lock.
   */
  withPruneLock(prune: (deleteBatch: () => Promise<number>) => Promise<void>): Promise<boolean>;
  onStats(stats: SqlPruneStats): void;
  onError(error: unknown): void;
  /** Whether the store can reach its database now (pruning is skipped otherwise). */
  isConnected(): boolean;
}

/**
 * Prunes expired rows every `intervalMs` ±25 % (jitter: instances started together do not
 * all try at once), one instance at a time, in bounded batches with pauses between them, off
 * the requests' path (a timer that does not keep the process alive).
 */
export class SqlPruner {
  #timer: NodeJS.Timeout | undefined;
  #isStopped = false;

  constructor(
    /** `false`: no timer, `pruneNow` only. */
    private readonly intervalMs: number | false,
    private readonly names: { store: string; table: string },
    private readonly run: SqlPruneRun,
  ) {}

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#isStopped = true;
    clearTimeout(this.#timer);
  }

  /** One pruning now: its statistics, or `undefined` when another instance was pruning. */
  async pruneNow(): Promise<SqlPruneStats | undefined> {
    const startedAt = performance.now();
    let deletedRows = 0;
    let batches = 0;
    const didPrune = await this.run.withPruneLock(async (deleteBatch) => {
      while (batches < PRUNE_MAX_BATCHES && !this.#isStopped) {
        const deleted = await deleteBatch();
        batches += 1;
        deletedRows += deleted;
        if (deleted < PRUNE_BATCH_ROWS) break;
        await new Promise((resolve) => setTimeout(resolve, PRUNE_PAUSE_MS));
      }
    });
    if (!didPrune) return undefined;
    const stats: SqlPruneStats = { ...this.names, deletedRows, batches, durationMs: Math.round(performance.now() - startedAt) };
    if (prunedChannel.hasSubscribers) prunedChannel.publish(stats);
    this.run.onStats(stats);
    return stats;
  }

  #schedule(): void {
    if (this.#isStopped || this.intervalMs === false) return;
    const delayMs = this.intervalMs * (0.75 + Math.random() * 0.5);
    this.#timer = setTimeout(async () => {
      try {
        if (this.run.isConnected()) await this.pruneNow();
      } catch (error) {
        this.run.onError(error);
      }
      this.#schedule();
    }, delayMs);
    this.#timer.unref();
  }
}
