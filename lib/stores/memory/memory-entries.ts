import { expiryOf } from './memory-entry.js';
import { OwnerIndex } from './memory-owner-index.js';

/**
 * The MemoryStore's table: each session's entry (memory-entry.ts) by id, in least-recently-used
 * order and at most `max` of them, removed when read past its expiry. The owner index and the
 * ids of unchecked records are kept beside it, and every removal (expiry, eviction, destroy)
 * drops the session from all three.
 */
export class MemoryEntries {
  /** Sessions per owner, for `UserSessions`. */
  readonly owners = new OwnerIndex();
  /**
   * Ids whose entry was not written from a session's record (a `set` of a record from
   * elsewhere, a `touch` with another cookie): only their records are checked at load.
   */
  readonly uncheckedIds = new Set<string>();
  /** Map order is insertion order: the least recently used entry comes first. */
  readonly #entries = new Map<string, string>();

  constructor(readonly max: number) {}

  /** The session's entry, unless it has expired (then it is removed). */
  live(sessionId: string, now: number): string | undefined {
    const entry = this.#entries.get(sessionId);
    if (entry === undefined) return undefined;
    if (expiryOf(entry) > now) return entry;
    this.remove(sessionId);
    return undefined;
  }

  /** The live entry of a session read now, marked most recently used. */
  used(sessionId: string): string | undefined {
    const entry = this.live(sessionId, Date.now());
    if (entry !== undefined && this.max !== Infinity) {
      // Re-inserting marks the entry most recently used.
      this.#entries.delete(sessionId);
      this.#entries.set(sessionId, entry);
    }
    return entry;
  }

  /** Stores `entry` (memory-entry.ts), expiring at `expiresAt`, and gives it; undefined when it was already expired (and so removed instead). */
  write(sessionId: string, entry: string, expiresAt: number, now: number): string | undefined {
    this.#entries.delete(sessionId);
    if (expiresAt <= now) {
      this.owners.remove(sessionId);
      return undefined;
    }
    this.#entries.set(sessionId, entry);
    if (this.#entries.size > this.max) this.remove(this.#entries.keys().next().value as string);
    return entry;
  }

  remove(sessionId: string): void {
    this.#entries.delete(sessionId);
    if (this.uncheckedIds.size !== 0) this.uncheckedIds.delete(sessionId);
    this.owners.remove(sessionId);
  }

  /** The entries not expired at `now`, by id (expired ones are left for the sweep). */
  *liveEntries(now: number): IterableIterator<[string, string]> {
    for (const idAndEntry of this.#entries) if (expiryOf(idAndEntry[1]) > now) yield idAndEntry;
  }

  /** Removes every entry expired at `now`; how many. */
  sweep(now: number): number {
    let removed = 0;
    for (const [sessionId, entry] of this.#entries) {
      if (expiryOf(entry) <= now) {
        this.remove(sessionId);
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.#entries.clear();
    this.uncheckedIds.clear();
    this.owners.clear();
  }
}
