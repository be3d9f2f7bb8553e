import { SessionStoreError } from '../../errors.js';
import type { SessionChanges } from '../../session/session-changes.js';
import { removeFlashMembers } from '../../session/flash.js';
import { isUsableRecord, serializeRecordData } from '../../session/session-record.js';
import { immediateStoreOf, offerImmediateStore } from '../immediate-store.js';
import type { ImmediateStore } from '../immediate-store.js';
import { SessionStore } from '../session-store.js';
import type { CompareAndSetOutcome, SessionRecord, StoreWriteOptions } from '../session-store.js';
import type { EncryptionKeyRing } from './encryption-keys.js';
import { OpenedDataCache } from './opened-data-cache.js';
import { mergedData, withCookie } from './opened-record.js';
import { isOpened, needsResealing, openRecord, SEALED_KEY, sealRecord } from './sealed-record.js';
import type { OpenedData, UnreadableReason } from './sealed-record.js';

/**
 * Tries of a merge before it gives up. Each lost try means another write to the session landed,
 * so n overlapping writers all land within n tries; past that, a pause between tries spreads them.
 */
export const MAX_MERGE_ATTEMPTS = 50;
/** The longest pause between two tries, in ms (a random part of it: writers that collided do not collide again). */
const MAX_RETRY_PAUSE_MS = 20;

/** Sessions remembered as due for sealing again (until their next write), at most. */
const MAX_REMEMBERED_RESEALING_SESSIONS = 10_000;

/** Told of each record that does not open (the caller logs and publishes it; never with the storage key). */
export type UnreadableRecordHandler = (reason: UnreadableReason, keyId: string | undefined) => void;

/** A change to a session's stored data (opened: a copy of its own): the record to write, or undefined to write nothing. */
type StoredDataUpdate = (data: Record<string, unknown>, stored: SessionRecord) => SessionRecord | undefined;

/** The optional methods passed straight to the store inside, offered only when it has them. */
const PASSED_THROUGH_METHODS = ['ownerSessionIds', 'removeFromOwnerIndex', 'ids', 'length', 'whenReady', 'close'] as const;
/** The optional methods of this class that call the store inside's: not offered without them. */
const WRAPPED_OPTIONAL_METHODS = ['touch', 'take', 'all', 'clear'] as const;

/**
 * Keeps session data sealed (AES-256-CTR, Poly1305-AES: `sealed-record.ts`) in any
 * `SessionStore`: the store inside sees `{ cookie, __sealed }`, the caller whole sessions. The
 * storage key each method receives is bound to the sealed data (a hashed id, when `hashIds`
 * wraps this store).
 *
 * A record that does not open is no session (the request starts a new one) and is reported to
 * `onUnreadable`. `merge` cannot run inside the store on sealed data: it reads, opens, applies
 * the request's changes, seals and writes with the store's `compareAndSet`, retried while other
 * writes come between; without `compareAndSet` sessions are written whole (last save wins).
 */
export class SealedDataStore extends SessionStore {
  /** Per record `get` returned: the stored (sealed) record it was opened from, for `compareAndSet`. */
  readonly #storedFor = new WeakMap<SessionRecord, SessionRecord>();
  /** Storage keys of sessions loaded sealed with an older key or in version 1: their next touch re-seals them. */
  readonly #dueForResealing = new Set<string>();
  /** The data last sealed or opened per storage key: a load of that same sealed value skips decrypting. */
  readonly #opened: OpenedDataCache;

  constructor(
    /** The store the sealed records are kept in. */
    readonly inner: SessionStore,
    private readonly ring: EncryptionKeyRing,
    private readonly onUnreadable: UnreadableRecordHandler = () => undefined,
  ) {
    super();
    this.#opened = new OpenedDataCache(ring.openedCacheSize);
    for (const method of PASSED_THROUGH_METHODS) {
      const passThrough = (...args: unknown[]) => (inner[method] as (...args: unknown[]) => unknown).apply(inner, args);
      Object.defineProperty(this, method, { value: typeof inner[method] === 'function' ? passThrough : undefined });
    }
    for (const method of WRAPPED_OPTIONAL_METHODS) {
      if (typeof inner[method] !== 'function') Object.defineProperty(this, method, { value: undefined });
    }
    // Without compareAndSet there is no merging sealed data: sessions are written whole (`set`),
    // and flash messages are removed with the request's save.
    if (!this.canCompareAndSet) for (const method of ['merge', 'takeFlashMessages']) Object.defineProperty(this, method, { value: undefined });
    for (const event of ['connect', 'disconnect'] as const) inner.on(event, (...args: unknown[]) => this.emit(event, ...args));
    // A store in this process (the MemoryStore) answers at once: so does this one, merges included.
    if (immediateStoreOf(inner)?.compareAndSet !== undefined) {
      const { get, set, merge, touch } = SealedDataStore.prototype;
      offerImmediateStore(this, this.#immediateTwin(), { get, set, merge, touch }, () => immediateStoreOf(inner)?.compareAndSet !== undefined);
    }
  }

  /** Whether the store inside has `compareAndSet`: without it, merges write whole records. */
  get canCompareAndSet(): boolean {
    return typeof this.inner.compareAndSet === 'function';
  }

  override get isConnected(): boolean {
    return this.inner.isConnected;
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    return this.#loaded(sessionId, await this.inner.get(sessionId));
  }

  /**
   * The session `get` read as `stored`, opened; remembered for `merge`'s compare-and-set.
   * `isChecked`: `stored` came from the store's `getUsable` (its cookie needs no check), and
   * so does the record returned, which keeps that cookie.
   */
  #loaded(sessionId: string, stored: SessionRecord | null | undefined, isChecked = false): SessionRecord | undefined {
    if (stored == null || !(isChecked || isUsableRecord(stored))) return undefined;
    const opened = this.#open(sessionId, stored);
    if (opened === undefined) return undefined;
    if (opened.needsResealing) this.#rememberDueForResealing(sessionId);
    const record = withCookie(stored.cookie, opened.data);
    this.#storedFor.set(record, stored);
    return record;
  }

  async set(sessionId: string, record: SessionRecord, options?: StoreWriteOptions): Promise<boolean | void> {
    this.#dueForResealing.delete(sessionId);
    return this.inner.set(sessionId, this.#seal(sessionId, record), options);
  }

  /**
   * Compare-and-swap on the sealed value: written whole when the stored value is still the one
   * the request loaded, else read again, opened, changed as the request changed it, sealed
   * and written if nothing came between, up to `MAX_MERGE_ATTEMPTS` times. Offered only when
   * the store inside has `compareAndSet`.
   */
  override async merge(sessionId: string, record: SessionRecord, changes: SessionChanges, options?: Pick<StoreWriteOptions, 'owner'>): Promise<boolean> {
    const { inner } = this;
    this.#dueForResealing.delete(sessionId);
    const loaded = changes.baseRecord === undefined ? undefined : this.#storedFor.get(changes.baseRecord);
    if (loaded !== undefined) {
      const outcome = await inner.compareAndSet!(sessionId, loaded, this.#seal(sessionId, record), options);
      if (outcome !== 'changed') return outcome === 'written';
    }
    return this.#updateStored(sessionId, options, (data) => withCookie(record.cookie, mergedData(data, record, changes)));
  }

  /**
   * Extends the session's life; a session loaded sealed with an older key (or in version 1) is
   * re-sealed with the first key instead (its data as stored, the request's cookie), so
   * rotation completes on the next request of each session even when it changes nothing.
   */
  override async touch(sessionId: string, record: SessionRecord): Promise<boolean | void> {
    const { inner } = this;
    if (!this.#dueForResealing.delete(sessionId)) return inner.touch!(sessionId, record);
    if (inner.compareAndSet === undefined) return inner.set(sessionId, this.#seal(sessionId, record), { mode: 'update' });
    return this.#updateStored(sessionId, undefined, (data) => withCookie(record.cookie, data));
  }

  /**
   * Removes flash messages by compare-and-swap on the sealed value, as `merge` writes: of
   * overlapping requests reading one message only one gets it. Offered only when the store
   * inside has `compareAndSet`.
   */
  override async takeFlashMessages(sessionId: string, messageIds: readonly string[]): Promise<string[]> {
    let takenIds: string[] = [];
    await this.#updateStored(sessionId, undefined, (data, stored) => {
      takenIds = removeFlashMembers(data, messageIds);
      return takenIds.length === 0 ? undefined : withCookie(stored.cookie, data);
    });
    return takenIds;
  }

  async destroy(sessionId: string): Promise<void> {
    this.#dueForResealing.delete(sessionId);
    this.#opened.forget(sessionId);
    await this.inner.destroy(sessionId);
  }

  override async take(sessionId: string): Promise<SessionRecord | undefined> {
    this.#dueForResealing.delete(sessionId);
    const stored = await this.inner.take!(sessionId);
    this.#opened.forget(sessionId);
    if (!isUsableRecord(stored)) return undefined;
    const opened = this.#open(sessionId, stored, false);
    return opened === undefined ? undefined : withCookie(stored.cookie, opened.data);
  }

  /** Every session that opens, keyed by storage key; those that do not are left out (and reported). */
  override async all(): Promise<Record<string, SessionRecord>> {
    const sessions: Record<string, SessionRecord> = {};
    for (const [sessionId, stored] of Object.entries(await this.inner.all!())) {
      const opened = isUsableRecord(stored) ? this.#open(sessionId, stored, false) : undefined;
      if (opened !== undefined) sessions[sessionId] = withCookie(stored.cookie, opened.data);
    }
    return sessions;
  }

  override clear(): Promise<void> {
    this.#dueForResealing.clear();
    this.#opened.clear();
    return this.inner.clear!();
  }

  /**
   * Reads, opens, applies `update` to the data (given the stored record too), seals and writes
   * if the stored value is still the one read; again while another write came between. `false`
   * when the session is gone or no longer opens; `true` without a write when `update` gives
   * nothing to write.
   */
  async #updateStored(
    sessionId: string,
    options: Pick<StoreWriteOptions, 'owner'> | undefined,
    update: StoredDataUpdate,
  ): Promise<boolean> {
    const { inner } = this;
    for (let attempt = 0; attempt < MAX_MERGE_ATTEMPTS; attempt++) {
      const stored = await inner.get(sessionId);
      const resealed = this.#resealed(sessionId, stored, update);
      if (typeof resealed === 'boolean') return resealed;
      const outcome: CompareAndSetOutcome = await inner.compareAndSet!(sessionId, stored!, resealed, options);
      if (outcome !== 'changed') return outcome === 'written';
      if (attempt >= 2) await pause(Math.random() * Math.min(MAX_RETRY_PAUSE_MS, 2 ** attempt));
    }
    throw new SessionStoreError(
      `nest-sessions: the session could not be saved: other writes to it came between ${MAX_MERGE_ATTEMPTS} tries of reading and writing its sealed data`,
    );
  }

  /** One try's `stored` opened, updated and sealed for the compare-and-set; `false`: gone or unopenable, `true`: nothing to write. */
  #resealed(sessionId: string, stored: SessionRecord | null | undefined, update: StoredDataUpdate): SessionRecord | boolean {
    if (!isUsableRecord(stored)) return false;
    const opened = this.#open(sessionId, stored);
    if (opened === undefined) return false;
    const updated = update(opened.data, stored);
    return updated === undefined ? true : this.#seal(sessionId, updated);
  }

  /**
   * The same calls answered at once on the store inside's immediate ones: with nothing able to
   * come between a read and a write, a merge that finds another write reads, merges and
   * writes once.
   */
  #immediateTwin(): ImmediateStore {
    const immediate = (): ImmediateStore & Required<Pick<ImmediateStore, 'compareAndSet'>> => immediateStoreOf(this.inner) as never;
    const updateStoredNow = (sessionId: string, options: Pick<StoreWriteOptions, 'owner'> | undefined, update: StoredDataUpdate) => {
      const stored = immediate().get(sessionId);
      const resealed = this.#resealed(sessionId, stored, update);
      if (typeof resealed === 'boolean') return resealed;
      return immediate().compareAndSet(sessionId, stored!, resealed, options) === 'written';
    };
    return {
      get: (sessionId) => this.#loaded(sessionId, immediate().get(sessionId)),
      getUsable: (sessionId) => {
        const inner = immediate();
        return inner.getUsable === undefined ? this.#loaded(sessionId, inner.get(sessionId)) : this.#loaded(sessionId, inner.getUsable(sessionId), true);
      },
      set: (sessionId, record, options) => {
        this.#dueForResealing.delete(sessionId);
        return immediate().set(sessionId, this.#seal(sessionId, record), options);
      },
      merge: (sessionId, record, changes, options) => {
        this.#dueForResealing.delete(sessionId);
        const loaded = changes.baseRecord === undefined ? undefined : this.#storedFor.get(changes.baseRecord);
        if (loaded !== undefined) {
          const outcome = immediate().compareAndSet(sessionId, loaded, this.#seal(sessionId, record), options);
          if (outcome !== 'changed') return outcome === 'written';
        }
        return updateStoredNow(sessionId, options, (data) => withCookie(record.cookie, mergedData(data, record, changes)));
      },
      touch: (sessionId, record) => {
        if (!this.#dueForResealing.delete(sessionId)) return immediate().touch(sessionId, record);
        return updateStoredNow(sessionId, undefined, (data) => withCookie(record.cookie, data));
      },
    };
  }

  /** The stored record for `record`, sealed; remembered so that loading it back does not decrypt it. */
  #seal(sessionId: string, record: SessionRecord): SessionRecord {
    const text = serializeRecordData(record);
    const stored = sealRecord(this.ring, sessionId, record, text);
    this.#opened.remember(sessionId, stored[SEALED_KEY] as string, text, this.ring.sealingKeyId);
    return stored;
  }

  /** The data of `stored`, or undefined (reported) when it does not open; remembered unless `remember` is false (a listing of every session). */
  #open(sessionId: string, stored: SessionRecord, remember = true): OpenedData | undefined {
    const sealed = stored[SEALED_KEY];
    const known = typeof sealed === 'string' ? this.#opened.known(sessionId, sealed) : undefined;
    if (known !== undefined) {
      const { text, keyId } = known;
      return { data: JSON.parse(text) as Record<string, unknown>, text, keyId, needsResealing: needsResealing(this.ring, keyId, sealed as string) };
    }
    const opened = openRecord(this.ring, sessionId, stored);
    if (isOpened(opened)) {
      if (remember) this.#opened.remember(sessionId, sealed as string, opened.text, opened.keyId);
      return opened;
    }
    this.onUnreadable(opened.reason, opened.keyId);
    return undefined;
  }

  #rememberDueForResealing(sessionId: string): void {
    // A bound, not a cache: past it the older sessions re-seal on their next save instead of their next touch.
    if (this.#dueForResealing.size >= MAX_REMEMBERED_RESEALING_SESSIONS) this.#dueForResealing.clear();
    this.#dueForResealing.add(sessionId);
  }
}

function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
