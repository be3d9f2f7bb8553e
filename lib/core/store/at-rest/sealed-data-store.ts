import { SessionStoreError } from '../../errors.js';
import type { SessionChanges } from '../../session/session-changes.js';
import { removeFlashMembers } from '../../session/flash.js';
import { isUsableRecord } from '../../session/session-record.js';
import { immediateStoreOf, offerImmediateStore } from '../immediate-store.js';
import { SessionStore } from '../session-store.js';
import type { CompareAndSetOutcome, SessionRecord, StoreWriteOptions } from '../session-store.js';
import type { EncryptionKeyRing } from './encryption-keys.js';
import { mergedData, withCookie } from './opened-record.js';
import { sealedImmediateStore } from './sealed-immediate-store.js';
import type { ImmediateStoreWithCompareAndSet } from './sealed-immediate-store.js';
import { SealedSessions } from './sealed-sessions.js';
import type { StoredDataUpdate, UnreadableRecordHandler } from './sealed-sessions.js';

export type { UnreadableRecordHandler } from './sealed-sessions.js';

/**
 * Tries of a merge before it gives up. Each lost try means another write to the session landed,
 * so n overlapping writers all land within n tries; past that, a pause between tries spreads them.
 */
export const MAX_MERGE_ATTEMPTS = 50;
/** The longest pause between two tries, in ms (a random part of it: writers that collided do not collide again). */
const MAX_RETRY_PAUSE_MS = 20;

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
  /** Sealing, opening, and what this process remembers of both. */
  readonly #sessions: SealedSessions;

  constructor(
    /** The store the sealed records are kept in. */
    readonly inner: SessionStore,
    ring: EncryptionKeyRing,
    onUnreadable: UnreadableRecordHandler = () => undefined,
  ) {
    super();
    this.#sessions = new SealedSessions(ring, onUnreadable);
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
      const immediate = sealedImmediateStore(() => immediateStoreOf(inner) as ImmediateStoreWithCompareAndSet, this.#sessions);
      offerImmediateStore(this, immediate, { get, set, merge, touch }, () => immediateStoreOf(inner)?.compareAndSet !== undefined);
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
    return this.#sessions.loaded(sessionId, await this.inner.get(sessionId));
  }

  async set(sessionId: string, record: SessionRecord, options?: StoreWriteOptions): Promise<boolean | void> {
    this.#sessions.takeDueForResealing(sessionId);
    return this.inner.set(sessionId, this.#sessions.seal(sessionId, record), options);
  }

  /**
   * Compare-and-swap on the sealed value: written whole when the stored value is still the one
   * the request loaded, else read again, opened, changed as the request changed it, sealed
   * and written if nothing came between, up to `MAX_MERGE_ATTEMPTS` times. Offered only when
   * the store inside has `compareAndSet`.
   */
  override async merge(sessionId: string, record: SessionRecord, changes: SessionChanges, options?: Pick<StoreWriteOptions, 'owner'>): Promise<boolean> {
    this.#sessions.takeDueForResealing(sessionId);
    const readFrom = this.#sessions.readFrom(changes.baseRecord);
    // A session the immediate calls loaded (by the store's entry) merges by reading it again.
    if (readFrom !== undefined && typeof readFrom !== 'string') {
      const outcome = await this.inner.compareAndSet!(sessionId, readFrom, this.#sessions.seal(sessionId, record), options);
      if (outcome !== 'changed') return outcome === 'written';
    }
    return this.#updateStored(sessionId, options, (data) => withCookie(record.cookie, mergedData(data, changes)));
  }

  /**
   * Extends the session's life; a session loaded sealed with an older key (or in version 1) is
   * re-sealed with the first key instead (its data as stored, the request's cookie), so
   * rotation completes on the next request of each session even when it changes nothing.
   */
  override async touch(sessionId: string, record: SessionRecord): Promise<boolean | void> {
    const { inner } = this;
    if (!this.#sessions.takeDueForResealing(sessionId)) return inner.touch!(sessionId, record);
    if (inner.compareAndSet === undefined) return inner.set(sessionId, this.#sessions.seal(sessionId, record), { mode: 'update' });
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
    this.#sessions.forget(sessionId);
    await this.inner.destroy(sessionId);
  }

  override async take(sessionId: string): Promise<SessionRecord | undefined> {
    const stored = await this.inner.take!(sessionId);
    this.#sessions.forget(sessionId);
    if (!isUsableRecord(stored)) return undefined;
    const opened = this.#sessions.open(sessionId, stored, false);
    return opened === undefined ? undefined : withCookie(stored.cookie, opened.data);
  }

  /** Every session that opens, keyed by storage key; those that do not are left out (and reported). */
  override async all(): Promise<Record<string, SessionRecord>> {
    const sessions: Record<string, SessionRecord> = {};
    for (const [sessionId, stored] of Object.entries(await this.inner.all!())) {
      const opened = isUsableRecord(stored) ? this.#sessions.open(sessionId, stored, false) : undefined;
      if (opened !== undefined) sessions[sessionId] = withCookie(stored.cookie, opened.data);
    }
    return sessions;
  }

  override clear(): Promise<void> {
    this.#sessions.clear();
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
      const resealed = this.#sessions.resealed(sessionId, stored, update);
      if (typeof resealed === 'boolean') return resealed;
      const outcome: CompareAndSetOutcome = await inner.compareAndSet!(sessionId, stored!, resealed, options);
      if (outcome !== 'changed') return outcome === 'written';
      if (attempt >= 2) await pause(Math.random() * Math.min(MAX_RETRY_PAUSE_MS, 2 ** attempt));
    }
    throw new SessionStoreError(
      `nest-sessions: the session could not be saved: other writes to it came between ${MAX_MERGE_ATTEMPTS} tries of reading and writing its sealed data`,
    );
  }
}

function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
