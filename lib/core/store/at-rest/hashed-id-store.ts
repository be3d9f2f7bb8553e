import { setWithinBound } from '../../bounded-map.js';
import { VERIFIED_COOKIE_CACHE_CAPACITY } from '../../cookie/verified-cookie-cache.js';
import type { SessionChanges } from '../../session/session-changes.js';
import { isUsableRecord } from '../../session/session-record.js';
import { hashedSessionKey } from '../../session/session-storage-key.js';
import type { HashIdsMode } from '../../session/session-storage-key.js';
import { ownerOfSession } from '../session-owner-index.js';
import type { SessionOwnerResolver } from '../session-owner-index.js';
import { immediateStoreOf, offerImmediateStore } from '../immediate-store.js';
import type { ImmediateStore } from '../immediate-store.js';
import { SessionStore } from '../session-store.js';
import { sharedClass } from '../../shared-across-builds.js';
import type { SessionRecord, StoreWriteOptions } from '../session-store.js';

/** Options of `HashedIdStore`. */
export interface HashedIdStoreOptions {
  /**
   * `'migrate'`: a session missing under its hashed key is looked for under its plain id, and
   * moved to the hashed key when found. Default `false` (only hashed keys are read).
   */
  migrate?: boolean;
  /**
   * The owner of a stored session (the `sessionOwner` option), so that a migrated session
   * joins its owner's index under its hashed key. Without it a migrated session is indexed
   * under no owner.
   */
  ownerOf?: (record: SessionRecord) => string | undefined;
}

/**
 * Ids whose keys are remembered, at most: as many as the verified-cookie cache holds, so a
 * returning cookie is neither verified nor hashed again (the raw ids are in memory there anyway).
 */
const MAX_REMEMBERED_KEYS = VERIFIED_COOKIE_CACHE_CAPACITY;

/**
 * The `hashIds` option: a store that keeps each session under `hashedSessionKey(id)` (SHA-256,
 * base64url) instead of its id, wrapping any `SessionStore` (the configured one, or a layer on
 * it). Callers use session ids as before; the wrapped store only ever sees the keys, so
 * nothing in it can be replayed as a cookie. Each call is one call of the wrapped store.
 *
 * The optional methods exist exactly when the wrapped store has them. The owner index
 * (`ownerSessionIds`, `removeFromOwnerIndex`) and the listings (`all`, `ids`) speak storage
 * keys, as the ids cannot be recovered from them; `inner` reaches the sessions by key.
 */
class LocalHashedIdStore extends SessionStore {
  /** The store that holds the sessions under their hashed keys. */
  readonly inner: SessionStore;
  /** Recent ids → their keys, the oldest dropped first; never listed or logged. */
  readonly #rememberedKeys = new Map<string, string>();
  readonly #isMigrating: boolean;
  readonly #ownerOf: ((record: SessionRecord) => string | undefined) | undefined;

  constructor(inner: SessionStore, options: HashedIdStoreOptions = {}) {
    super();
    this.inner = inner;
    this.#isMigrating = options.migrate === true;
    this.#ownerOf = options.ownerOf;
    this.#forwardConnectionEvents(inner);
    this.#forwardOptionalMethods(inner);
    // Migration needs async steps: only plain hashing answers at once.
    if (!this.#isMigrating && immediateStoreOf(inner) !== undefined) {
      const { get, set, merge, touch } = this;
      offerImmediateStore(this, this.#immediateTwin(), { get, set, merge, touch }, () => immediateStoreOf(inner) !== undefined);
    }
  }

  /** The key the wrapped store keeps `sessionId` under. */
  keyOf(sessionId: string): string {
    let key = this.#rememberedKeys.get(sessionId);
    if (key === undefined) {
      key = hashedSessionKey(sessionId);
      setWithinBound(this.#rememberedKeys, sessionId, key, MAX_REMEMBERED_KEYS);
    }
    return key;
  }

  override get isConnected(): boolean {
    return this.inner.isConnected;
  }

  async get(sessionId: string): Promise<SessionRecord | null | undefined> {
    const key = this.keyOf(sessionId);
    const record = await this.inner.get(key);
    if (record != null || !this.#isMigrating) return record;
    return this.#migrate(sessionId, key);
  }

  async set(sessionId: string, record: SessionRecord, options?: StoreWriteOptions): Promise<boolean | void> {
    return this.inner.set(this.keyOf(sessionId), record, options);
  }

  async destroy(sessionId: string): Promise<void> {
    const key = this.keyOf(sessionId);
    this.#rememberedKeys.delete(sessionId);
    await this.inner.destroy(key);
    // While migrating, a session not yet moved must not outlive its logout under its plain id.
    if (this.#isMigrating) await this.inner.destroy(sessionId);
  }

  /**
   * `'migrate'`: the session under its plain id, moved to `key`. Copy first, delete after, so
   * that an overlapping request of the same session always finds it under one of the two
   * keys: it reads the hashed key again when the plain one is gone. A write to the plain id
   * between the copy and the delete (a process still running without `hashIds`) is lost.
   */
  async #migrate(sessionId: string, key: string): Promise<SessionRecord | null | undefined> {
    const plain = await this.inner.get(sessionId);
    if (!isUsableRecord(plain)) {
      // Another request may have moved it between our two reads.
      return plain == null ? this.inner.get(key) : plain;
    }
    const owner = this.#ownerOf?.(plain);
    const isCreated = await this.inner.set(key, plain, { mode: 'create', owner: owner ?? null });
    await this.inner.destroy(sessionId);
    if (owner !== undefined && this.inner.removeFromOwnerIndex) await this.inner.removeFromOwnerIndex(owner, [sessionId]);
    // Refused: another request moved it first, and may have written since.
    return isCreated === false ? this.inner.get(key) : plain;
  }

  /**
   * Re-emits the wrapped store's `connect` and `disconnect` while this store has listeners for
   * them: a session manager that stops listening (`dispose`) leaves no listener on the
   * wrapped store, which may outlive it (a store shared by several apps).
   */
  #forwardConnectionEvents(inner: SessionStore): void {
    const forwarders = new Map(['connect', 'disconnect'].map((event) => [event, () => this.emit(event)]));
    this.on('newListener', (event: string | symbol) => {
      const forward = forwarders.get(event as string);
      if (forward && this.listenerCount(event) === 0) inner.on(event, forward);
    });
    this.on('removeListener', (event: string | symbol) => {
      const forward = forwarders.get(event as string);
      if (forward && this.listenerCount(event) === 0) inner.off(event, forward);
    });
  }

  /** Defines each optional method the wrapped store has, as an own property (callers probe them). */
  #forwardOptionalMethods(inner: SessionStore): void {
    if (inner.merge) {
      const merge = inner.merge.bind(inner);
      this.merge = (sessionId: string, record: SessionRecord, changes: SessionChanges, options?: Pick<StoreWriteOptions, 'owner'>) =>
        merge(this.keyOf(sessionId), record, changes, options);
    }
    if (inner.takeFlashMessages) {
      const takeFlashMessages = inner.takeFlashMessages.bind(inner);
      this.takeFlashMessages = (sessionId: string, messageIds: readonly string[]) => takeFlashMessages(this.keyOf(sessionId), messageIds);
    }
    if (inner.take) {
      const take = inner.take.bind(inner);
      this.take = (sessionId: string) => take(this.keyOf(sessionId));
    }
    if (inner.touch) {
      const touch = inner.touch.bind(inner);
      this.touch = (sessionId: string, record: SessionRecord) => touch(this.keyOf(sessionId), record);
    }
    // Storage keys in, storage keys out: see the class comment.
    if (inner.ownerSessionIds) this.ownerSessionIds = inner.ownerSessionIds.bind(inner);
    if (inner.removeFromOwnerIndex) this.removeFromOwnerIndex = inner.removeFromOwnerIndex.bind(inner);
    if (inner.all) this.all = inner.all.bind(inner);
    if (inner.ids) this.ids = inner.ids.bind(inner);
    if (inner.length) this.length = inner.length.bind(inner);
    if (inner.clear) this.clear = inner.clear.bind(inner);
    if (inner.whenReady) this.whenReady = inner.whenReady.bind(inner);
    if (inner.close) this.close = inner.close.bind(inner);
  }

  /** The wrapped store's immediate calls (the MemoryStore's), on hashed keys. */
  #immediateTwin(): ImmediateStore {
    const immediate = (): ImmediateStore => immediateStoreOf(this.inner)!;
    return {
      get: (sessionId) => immediate().get(this.keyOf(sessionId)),
      // The store inside's trusted load when it has one (the MemoryStore, or encryption's wrapper of it).
      getUsable: (sessionId) => {
        const inner = immediate();
        const key = this.keyOf(sessionId);
        if (inner.getUsable !== undefined) return inner.getUsable(key);
        const record = inner.get(key);
        return isUsableRecord(record) ? record : undefined;
      },
      loadedDataJson: (sessionId, record) => immediate().loadedDataJson?.(this.keyOf(sessionId), record),
      loadedCookie: (sessionId, record) => immediate().loadedCookie?.(this.keyOf(sessionId), record),
      set: (sessionId, record, options) => immediate().set(this.keyOf(sessionId), record, options),
      merge: (sessionId, record, changes, options) => immediate().merge(this.keyOf(sessionId), record, changes, options),
      touch: (sessionId, record) => immediate().touch(this.keyOf(sessionId), record),
    };
  }
}

/**
 * The `hashIds` store, one class for the ESM and the CommonJS build (see
 * shared-across-builds.ts): `withHashedIds` and `UserSessions` recognise it whichever build made it.
 */
export const HashedIdStore: typeof LocalHashedIdStore = sharedClass('HashedIdStore', LocalHashedIdStore);
export type HashedIdStore = LocalHashedIdStore;

/**
 * The store that holds sessions by storage key, and how a session id becomes that key: the
 * store itself and the id for a plain store, the wrapped store and the hash for a
 * `HashedIdStore`. `UserSessions` works on keys (the owner index holds keys).
 */
export function keyedStoreOf(store: SessionStore): { keyedStore: SessionStore; keyOf: (sessionId: string) => string } {
  if (store instanceof HashedIdStore) return { keyedStore: store.inner, keyOf: (sessionId) => store.keyOf(sessionId) };
  return { keyedStore: store, keyOf: (sessionId) => sessionId };
}

/**
 * The store as the `hashIds` option wants it: `store` itself when the option is off (or when
 * it hashes already: the Nest module wraps the store it provides, and the session manager is
 * then given that one), otherwise a `HashedIdStore` on it.
 */
export function withHashedIds(store: SessionStore, options: { hashIds: HashIdsMode; sessionOwner: SessionOwnerResolver }): SessionStore {
  if (options.hashIds === false || store instanceof HashedIdStore) return store;
  const { sessionOwner } = options;
  return new HashedIdStore(store, { migrate: options.hashIds === 'migrate', ownerOf: (record) => ownerOfSession(record, sessionOwner) });
}
