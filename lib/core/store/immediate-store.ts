import type { SessionCookie } from '../cookie/session-cookie.js';
import type { SessionChanges } from '../session/session-changes.js';
import type { CompareAndSetOutcome, SessionRecord, SessionStore, StoreWriteOptions } from './session-store.js';

/**
 * The calls of a request's load and end that a store keeping sessions in this process (the
 * MemoryStore) can also answer synchronously, with the same results as its async methods: the
 * session is then attached without a wait, and the response ends at once (no promise, no
 * snapshot of its head). Each throws where the async method would reject. The records they
 * are given carry their cookie, and their data only as JSON (`toSessionRecordByJson`: read it
 * with `serializeSessionRecord` or `serializeRecordData`, and a merge's values from its changes).
 */
export interface ImmediateStore {
  get(sessionId: string): SessionRecord | undefined;
  /**
   * `get`, answering only with a record `isUsableRecord` accepts (undefined for any other):
   * for a store that knows which of its records came from a session, and so need no check.
   * Each call's record is a new object the store keeps no hold on: the caller may make it the
   * session itself (`Session.overRecord`), whose data the request then changes.
   */
  getUsable?(sessionId: string): SessionRecord | undefined;
  /**
   * The data's JSON (without the cookie) as the store holds it, for a record its `getUsable`
   * just returned, when it can tell: the load's baseline for change detection, instead of
   * serializing the session made from it.
   */
  loadedDataJson?(sessionId: string, record: SessionRecord): string | undefined;
  /**
   * `SessionCookie.fromStored(record.cookie)` for a record its `getUsable` just returned, when
   * the store can make it without reading that cookie again (a form it wrote and checked before).
   */
  loadedCookie?(sessionId: string, record: SessionRecord): SessionCookie | undefined;
  set(sessionId: string, record: SessionRecord, options?: StoreWriteOptions): boolean;
  merge(sessionId: string, record: SessionRecord, changes: SessionChanges, options?: Pick<StoreWriteOptions, 'owner'>): boolean;
  touch(sessionId: string, record: SessionRecord): boolean;
  /** For stores that have `compareAndSet`: a wrapper that seals data merges through it at once. */
  compareAndSet?(sessionId: string, expected: SessionRecord, record: SessionRecord, options?: Pick<StoreWriteOptions, 'owner'>): CompareAndSetOutcome;
  /**
   * For a store that keeps each record as one string in this process (the MemoryStore): that
   * string, the session's entry, as it is (no parse, no check). Each write makes a new one, so
   * a wrapper keeping a text of its own in the record (sealed data) knows an entry it wrote by
   * identity. Offered with `jsonOfEntry` and `compareAndSetEntry`.
   */
  getEntry?(sessionId: string): string | undefined;
  /** The record's JSON in an entry `getEntry` gave. */
  jsonOfEntry?(entry: string): string;
  /**
   * `compareAndSet` by entry: stores `json`, the JSON of a record whose cookie and trust are
   * `record`'s, when the session's entry is still `expectedEntry`; gives the new entry.
   */
  compareAndSetEntry?(sessionId: string, expectedEntry: string, json: string, record: SessionRecord, options?: Pick<StoreWriteOptions, 'owner'>): EntryWriteResult;
}

/** What `compareAndSetEntry` did; `entry`: the one it wrote (none when the record had expired already). */
export interface EntryWriteResult {
  readonly outcome: CompareAndSetOutcome;
  readonly entry?: string;
}

type ImmediateMethods = Pick<SessionStore, 'get' | 'set' | 'merge' | 'touch'>;

interface Offer {
  readonly immediate: ImmediateStore;
  /** The async methods the immediate calls stand in for, as the store had them when it offered. */
  readonly methods: ImmediateMethods;
  /** For a store that answers through another (a wrapper): whether that one still answers at once. */
  readonly isAvailable?: () => boolean;
}

const offers = new WeakMap<object, Offer>();

/**
 * Called by a store in its constructor: `methods` are its own async ones (its class's
 * prototype). A store that answers through another one it wraps passes `isAvailable`, which
 * tells whether the wrapped store's immediate calls are still there.
 */
export function offerImmediateStore(store: SessionStore, immediate: ImmediateStore, methods: ImmediateMethods, isAvailable?: () => boolean): void {
  offers.set(store, { immediate, methods, isAvailable });
}

/**
 * The store's immediate calls, while its async methods are still the ones it offered them for:
 * a subclass or an instance that overrides one (to log, to hold calls in a test) has every
 * call go through its override.
 */
export function immediateStoreOf(store: SessionStore): ImmediateStore | undefined {
  const offer = offers.get(store);
  if (offer === undefined) return undefined;
  const { methods } = offer;
  const isOriginal = store.get === methods.get && store.set === methods.set && store.merge === methods.merge && store.touch === methods.touch;
  return isOriginal && (offer.isAvailable === undefined || offer.isAvailable()) ? offer.immediate : undefined;
}
