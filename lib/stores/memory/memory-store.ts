// Over our ~250-line aim: every method of the store contract, most with the synchronous twin a request's load and end call.
import { objectSlot } from '../../core/object-slot.js';
import { checkedOption, numberWithin } from '../../core/option-checks.js';
import { offerImmediateStore } from '../../core/store/immediate-store.js';
import type { EntryWriteResult } from '../../core/store/immediate-store.js';
import { SessionStore } from '../../core/store/session-store.js';
import type { CompareAndSetOutcome, SessionRecord, StoreWriteOptions } from '../../core/store/session-store.js';
import { recordExpiresAt } from '../../core/store/stored-record.js';
import type { SessionChanges } from '../../core/session/session-changes.js';
import type { SessionCookie } from '../../core/cookie/session-cookie.js';
import { removeFlashMembers } from '../../core/session/flash.js';
import { isSessionMadeRecord, isUsableRecord } from '../../core/session/session-record.js';
import { MemoryEntries } from './memory-entries.js';
import { cookieEndOfWritten, dataJsonOfEntry, expiryOf, jsonOf, MAX_EXPIRES_AT, memoryEntry, mergedJson, recordEntryOf, sessionRecordOf, storedRecordOf, touchedEntry } from './memory-entry.js';

/** Options of the in-process store. */
export interface MemoryStoreOptions {
  /**
   * Most sessions kept at once; past it the least recently used one is evicted, so memory
   * stays bounded under a flood of new visitors. Default 100,000. `Infinity` disables it.
   */
  max?: number;
  /** Lifetime in ms of sessions whose cookie has no expiry (browser-session cookies). Default one day. */
  ttl?: number;
  /** How often expired sessions are swept out, in ms; `0` turns the sweep off. Default one minute. */
  checkPeriod?: number;
}

/** For records `get` returned, the entry they were parsed from (the same text is stored while nothing was written since). */
const entryReadFor = objectSlot<string>();

const GONE: EntryWriteResult = { outcome: 'gone' };
const CHANGED: EntryWriteResult = { outcome: 'changed' };
const ONE_DAY_MS = 24 * 60 * 60 * 1000;
const ONE_MINUTE_MS = 60 * 1000;
/** setInterval runs longer delays after 1 ms instead (TimeoutOverflowWarning). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
const MAX_ENTRIES = numberWithin(1, Infinity, 'a number of entries, at least 1 (Infinity: no bound)');
const TTL_MS = numberWithin(Number.MIN_VALUE, Infinity, 'a positive number of milliseconds (Infinity: no expiry)');
const CHECK_PERIOD_MS = numberWithin(0, MAX_TIMER_DELAY_MS, `a number of milliseconds up to ${MAX_TIMER_DELAY_MS} (0 turns the sweep off)`);

/**
 * Sessions kept in this process, as serialized JSON (no references shared with requests).
 * Unlike express-session's MemoryStore it expires entries by their cookie's expiry, sweeps
 * them on an unref'd timer so the memory comes back, and is bounded by `max` with
 * least-recently-used eviction. Sessions do not survive a restart and are not shared between
 * processes: use `RedisStore` for that.
 */
export class MemoryStore extends SessionStore {
  readonly max: number;
  readonly ttl: number;
  /** The entries (memory-entry.ts: expiry, then the JSON or, for a session, its data and cookie form) with the owner index and the unchecked ids beside them. */
  readonly #table: MemoryEntries;
  readonly #sweepTimer: NodeJS.Timeout | undefined;
  /** The last request load's record and its cookie, made as it was read, until `loadedCookie` takes it. */
  #loadedCookie: { readonly record: SessionRecord; readonly cookie?: SessionCookie } | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    super();
    this.max = checkedOption('MemoryStore.max', options.max, MAX_ENTRIES) ?? 100_000;
    this.ttl = checkedOption('MemoryStore.ttl', options.ttl, TTL_MS) ?? ONE_DAY_MS;
    this.#table = new MemoryEntries(this.max);
    // null takes the default: configs that spell "default" as null keep working.
    const checkPeriod = checkedOption('MemoryStore.checkPeriod', options.checkPeriod ?? undefined, CHECK_PERIOD_MS) ?? ONE_MINUTE_MS;
    if (checkPeriod > 0) {
      this.#sweepTimer = setInterval(() => this.sweep(), checkPeriod);
      this.#sweepTimer.unref();
    }
    const immediate = {
      get: (sessionId: string) => this.#getNow(sessionId),
      getUsable: (sessionId: string) => this.#getUsableNow(sessionId),
      set: (sessionId: string, record: SessionRecord, options?: StoreWriteOptions) => this.#setNow(sessionId, record, options),
      merge: (sessionId: string, record: SessionRecord, changes: SessionChanges, options?: Pick<StoreWriteOptions, 'owner'>) =>
        this.#mergeNow(sessionId, record, changes, options),
      touch: (sessionId: string, record: SessionRecord) => this.#touchNow(sessionId, record),
      compareAndSet: (sessionId: string, expected: SessionRecord, record: SessionRecord, options?: Pick<StoreWriteOptions, 'owner'>) =>
        this.#compareAndSetNow(sessionId, expected, record, options),
      loadedDataJson: (_sessionId: string, record: SessionRecord) => {
        const entry = entryReadFor.get(record);
        return entry === undefined ? undefined : dataJsonOfEntry(entry);
      },
      // The cookie `#getUsableNow` made for the record it returned last: given once.
      loadedCookie: (_sessionId: string, record: SessionRecord) => {
        const loaded = this.#loadedCookie;
        this.#loadedCookie = undefined;
        return loaded?.record === record ? loaded.cookie : undefined;
      },
      getEntry: (sessionId: string) => this.#table.used(sessionId),
      jsonOfEntry: jsonOf,
      compareAndSetEntry: (sessionId: string, expectedEntry: string, json: string, record: SessionRecord, options?: Pick<StoreWriteOptions, 'owner'>) =>
        this.#compareAndSetEntryNow(sessionId, expectedEntry, json, record, options),
    };
    offerImmediateStore(this, immediate, MemoryStore.prototype);
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    return this.#getNow(sessionId);
  }

  #getNow(sessionId: string): SessionRecord | undefined {
    const entry = this.#table.used(sessionId);
    if (entry === undefined) return undefined;
    const record = storedRecordOf(entry);
    // `merge` then sees that nothing was written since (the same text is still stored) and skips merging.
    entryReadFor.set(record, entry);
    return record;
  }

  /** `#getNow` for a request's load: a record written from a session needs no check, and its cookie no parse. */
  #getUsableNow(sessionId: string): SessionRecord | undefined {
    const { uncheckedIds } = this.#table;
    if (uncheckedIds.size !== 0 && uncheckedIds.has(sessionId)) {
      const record = this.#getNow(sessionId);
      return record === undefined || isUsableRecord(record) ? record : undefined;
    }
    const entry = this.#table.used(sessionId);
    if (entry === undefined) return undefined;
    const read = sessionRecordOf(entry);
    entryReadFor.set(read.record, entry);
    this.#loadedCookie = read;
    return read.record;
  }

  /** Resolves to `false` when `mode` refused the write. */
  async set(sessionId: string, record: SessionRecord, options?: StoreWriteOptions): Promise<boolean> {
    return this.#setNow(sessionId, record, options);
  }

  #setNow(sessionId: string, record: SessionRecord, options?: StoreWriteOptions): boolean {
    const now = Date.now();
    const mode = options?.mode ?? 'upsert';
    if (mode !== 'upsert') {
      const exists = this.#table.live(sessionId, now) !== undefined;
      if (mode === 'create' ? exists : !exists) return false;
    }
    this.#writeWhole(sessionId, record, now, options?.owner);
    return true;
  }

  /**
   * Applies one request's changes to the stored session; atomic, as it runs without yielding
   * between the read and the write. `false` when the session is gone.
   */
  override async merge(
    sessionId: string,
    record: SessionRecord,
    changes: SessionChanges,
    options?: Pick<StoreWriteOptions, 'owner'>,
  ): Promise<boolean> {
    return this.#mergeNow(sessionId, record, changes, options);
  }

  #mergeNow(sessionId: string, record: SessionRecord, changes: SessionChanges, options?: Pick<StoreWriteOptions, 'owner'>): boolean {
    const now = Date.now();
    const entry = this.#table.live(sessionId, now);
    if (entry === undefined) return false;
    const baseEntry = changes.baseRecord === undefined ? undefined : entryReadFor.get(changes.baseRecord);
    // Nothing written since the request read it: the merge would give the record itself.
    if (entry === baseEntry) this.#writeWhole(sessionId, record, now, options?.owner);
    else {
      const json = mergedJson(entry, record, changes);
      const expiresAt = this.#expiresAt(record, now);
      this.#writeRecord(sessionId, memoryEntry(expiresAt, json, cookieEndOfWritten(json, record)), expiresAt, record, now, options?.owner);
    }
    return true;
  }

  /**
   * Writes `record` if the session is still stored as `get` read it into `expected` (the same
   * entry: nothing written, touched or expired since); atomic, as it runs without yielding.
   */
  override async compareAndSet(
    sessionId: string,
    expected: SessionRecord,
    record: SessionRecord,
    options?: Pick<StoreWriteOptions, 'owner'>,
  ): Promise<CompareAndSetOutcome> {
    return this.#compareAndSetNow(sessionId, expected, record, options);
  }

  #compareAndSetNow(sessionId: string, expected: SessionRecord, record: SessionRecord, options?: Pick<StoreWriteOptions, 'owner'>): CompareAndSetOutcome {
    const now = Date.now();
    const entry = this.#table.live(sessionId, now);
    if (entry === undefined) return 'gone';
    if (entry !== entryReadFor.get(expected)) return 'changed';
    this.#writeWhole(sessionId, record, now, options?.owner);
    return 'written';
  }

  #compareAndSetEntryNow(sessionId: string, expectedEntry: string, json: string, record: SessionRecord, options?: Pick<StoreWriteOptions, 'owner'>): EntryWriteResult {
    const now = Date.now();
    const entry = this.#table.live(sessionId, now);
    if (entry === undefined) return GONE;
    if (entry !== expectedEntry) return CHANGED;
    const expiresAt = this.#expiresAt(record, now);
    return { outcome: 'written', entry: this.#writeRecord(sessionId, memoryEntry(expiresAt, json, 0), expiresAt, record, now, options?.owner) };
  }

  /** Removes flash messages; atomic, as it runs without yielding between the read and the write. */
  override async takeFlashMessages(sessionId: string, messageIds: readonly string[]): Promise<string[]> {
    const now = Date.now();
    const entry = this.#table.live(sessionId, now);
    if (entry === undefined) return [];
    const stored = storedRecordOf(entry) as Record<string, unknown>;
    const takenIds = removeFlashMembers(stored, messageIds);
    if (takenIds.length > 0) this.#table.write(sessionId, memoryEntry(expiryOf(entry), JSON.stringify(stored), 0), expiryOf(entry), now);
    return takenIds;
  }

  /** Resolves to `false` when there is no such session (it is not created). */
  override async touch(sessionId: string, record: SessionRecord): Promise<boolean> {
    return this.#touchNow(sessionId, record);
  }

  #touchNow(sessionId: string, record: SessionRecord): boolean {
    const now = Date.now();
    const entry = this.#table.live(sessionId, now);
    if (entry === undefined) return false;
    // Only the cookie (and so the expiry) changes: the stored data is kept as it is, in its text when the entry knows where the cookie ends.
    if (!isSessionMadeRecord(record)) this.#table.uncheckedIds.add(sessionId);
    const expiresAt = this.#expiresAt(record, now);
    const touched = touchedEntry(entry, record, expiresAt);
    if (touched !== undefined) {
      this.#table.write(sessionId, touched, expiresAt, now);
      return true;
    }
    // Written cookie first, whatever the entry's order was: from then on it knows where its cookie ends.
    const { cookie: _storedCookie, ...data } = storedRecordOf(entry);
    const json = JSON.stringify({ cookie: record.cookie, ...data });
    this.#table.write(sessionId, memoryEntry(expiresAt, json, cookieEndOfWritten(json, record)), expiresAt, now);
    return true;
  }

  async destroy(sessionId: string): Promise<void> {
    this.#table.remove(sessionId);
  }

  /** Removes the session and returns it; atomic, as it runs without yielding. */
  override async take(sessionId: string): Promise<SessionRecord | undefined> {
    const entry = this.#table.live(sessionId, Date.now());
    if (entry === undefined) return undefined;
    this.#table.remove(sessionId);
    return storedRecordOf(entry);
  }

  /** The live sessions recorded under `ownerId`, from an index kept beside the entries. */
  override async ownerSessionIds(ownerId: string): Promise<string[]> {
    const now = Date.now();
    return this.#table.owners.sessionIdsOf(ownerId).filter((sessionId) => this.#table.live(sessionId, now) !== undefined);
  }

  override async removeFromOwnerIndex(ownerId: string, sessionIds: readonly string[]): Promise<void> {
    this.#table.owners.removeFromOwner(ownerId, sessionIds);
  }

  override async all(): Promise<Record<string, SessionRecord>> {
    const sessions: Record<string, SessionRecord> = {};
    for (const [sessionId, entry] of this.#table.liveEntries(Date.now())) sessions[sessionId] = storedRecordOf(entry);
    return sessions;
  }

  override async ids(): Promise<string[]> {
    return Array.from(this.#table.liveEntries(Date.now()), ([sessionId]) => sessionId);
  }

  override async length(): Promise<number> {
    return (await this.ids()).length;
  }

  override async clear(): Promise<void> {
    this.#table.clear();
  }

  /** Stops the sweep timer. The sessions stay readable until the store is dropped. */
  override async close(): Promise<void> {
    clearInterval(this.#sweepTimer);
  }

  /** Removes every expired session now; the timer calls it every `checkPeriod`. */
  sweep(): number {
    return this.#table.sweep(Date.now());
  }

  /** Stores `record` whole (`#writeRecord`). */
  #writeWhole(sessionId: string, record: SessionRecord, now: number, owner: string | null | undefined): void {
    const expiresAt = this.#expiresAt(record, now);
    this.#writeRecord(sessionId, recordEntryOf(record, expiresAt), expiresAt, record, now, owner);
  }

  /**
   * Stores a session's `entry`, made of `record`, until `expiresAt` (its cookie's expiry), and
   * files it under `owner` (see `StoreWriteOptions.owner`).
   */
  #writeRecord(sessionId: string, entry: string, expiresAt: number, record: SessionRecord, now: number, owner: string | null | undefined): string | undefined {
    // A session's record is usable; the data merged into it does not decide that (its cookie does).
    const { uncheckedIds } = this.#table;
    if (!isSessionMadeRecord(record)) uncheckedIds.add(sessionId);
    else if (uncheckedIds.size !== 0) uncheckedIds.delete(sessionId);
    const written = this.#table.write(sessionId, entry, expiresAt, now);
    if (written !== undefined && owner !== undefined) this.#table.owners.assign(sessionId, owner);
    return written;
  }

  #expiresAt(record: SessionRecord, now: number): number {
    return Math.min(recordExpiresAt(record, now, this.ttl), MAX_EXPIRES_AT);
  }
}

