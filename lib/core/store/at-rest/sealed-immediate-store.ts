import type { ImmediateStore } from '../immediate-store.js';
import type { StoreWriteOptions } from '../session-store.js';
import { mergedData, withCookie } from './opened-record.js';
import type { SealedJson, SealedSessions, StoredDataUpdate } from './sealed-sessions.js';

/** The immediate calls of the store inside, compare-and-set included (`SealedDataStore` offers its own only then). */
export type ImmediateStoreWithCompareAndSet = ImmediateStore & Required<Pick<ImmediateStore, 'compareAndSet'>>;

/**
 * `SealedDataStore`'s calls answered at once on the store inside's immediate ones (the
 * MemoryStore's): with nothing able to come between a read and a write, a merge that finds
 * another write reads, merges and writes once. When the store inside hands out its entries
 * (`getEntry`), sessions are loaded, merged and touched by entry (`SealedSessions.loadedFromEntry`).
 */
export function sealedImmediateStore(inner: () => ImmediateStoreWithCompareAndSet, sessions: SealedSessions): ImmediateStore {
  const updateStoredNow = (storageKey: string, options: Pick<StoreWriteOptions, 'owner'> | undefined, update: StoredDataUpdate): boolean => {
    const store = inner();
    const stored = store.get(storageKey);
    const resealed = sessions.resealed(storageKey, stored, update);
    if (typeof resealed === 'boolean') return resealed;
    return store.compareAndSet(storageKey, stored!, resealed, options) === 'written';
  };
  /** Writes `sealed` over `expectedEntry` and remembers the entry written. */
  const compareAndSetEntry = (storageKey: string, expectedEntry: string, sealed: SealedJson, options?: Pick<StoreWriteOptions, 'owner'>) => {
    const { outcome, entry } = inner().compareAndSetEntry!(storageKey, expectedEntry, sealed.json, sealed.record, options);
    if (outcome === 'written') sessions.rememberWritten(storageKey, entry, sealed);
    return outcome;
  };
  const load = (storageKey: string, isRequestLoad: boolean) => {
    const store = inner();
    if (store.getEntry !== undefined) {
      const entry = store.getEntry(storageKey);
      return entry === undefined ? undefined : sessions.loadedFromEntry(storageKey, entry, store.jsonOfEntry!);
    }
    if (isRequestLoad && store.getUsable !== undefined) return sessions.loaded(storageKey, store.getUsable(storageKey), true);
    return sessions.loaded(storageKey, store.get(storageKey));
  };
  return {
    get: (storageKey) => load(storageKey, false),
    getUsable: (storageKey) => load(storageKey, true),
    loadedDataJson: (storageKey, record) => sessions.loadedDataJson(storageKey, record),
    set: (storageKey, record, options) => {
      sessions.takeDueForResealing(storageKey);
      return inner().set(storageKey, sessions.seal(storageKey, record), options);
    },
    merge: (storageKey, record, changes, options) => {
      sessions.takeDueForResealing(storageKey);
      const readFrom = sessions.readFrom(changes.baseRecord);
      if (readFrom !== undefined) {
        const outcome =
          typeof readFrom === 'string'
            ? compareAndSetEntry(storageKey, readFrom, sessions.sealJson(storageKey, record), options)
            : inner().compareAndSet(storageKey, readFrom, sessions.seal(storageKey, record), options);
        if (outcome !== 'changed') return outcome === 'written';
      }
      return updateStoredNow(storageKey, options, (data) => withCookie(record.cookie, mergedData(data, changes)));
    },
    touch: (storageKey, record) => {
      if (sessions.takeDueForResealing(storageKey)) return updateStoredNow(storageKey, undefined, (data) => withCookie(record.cookie, data));
      const store = inner();
      const entry = store.getEntry?.(storageKey);
      // The record in the entry with the request's cookie, when it is an entry this process knows; else the store's own touch.
      const touched = entry === undefined ? undefined : sessions.touchedJson(storageKey, entry, store.jsonOfEntry!, record);
      if (touched === undefined) return store.touch(storageKey, record);
      return compareAndSetEntry(storageKey, entry!, touched) === 'written';
    },
  };
}
