import type { SessionCookie } from '../cookie/session-cookie.js';
import type { SessionRecord, SessionStore } from './session-store.js';

/**
 * A request's load of a session, as a store that waits for its backend (Redis) can answer it
 * when it read the record itself (`readFlatRecordJson`): the record, new and held by nobody
 * else, whose cookie and data need no check; its data's JSON as stored, for change detection;
 * its cookie as a SessionCookie. The async counterpart of `ImmediateStore.getUsable` with its
 * `loadedDataJson` and `loadedCookie`.
 */
export class RequestLoad {
  constructor(
    readonly record: SessionRecord,
    readonly dataJson: string,
    readonly cookie: SessionCookie,
  ) {}
}

/** `get` for a request's load: a `RequestLoad`, or, when the store could not read the record so, what `get` gives. */
export type RequestLoader = (sessionId: string) => Promise<RequestLoad | SessionRecord | undefined>;

interface Offer {
  readonly load: RequestLoader;
  /** The store's `get` when it offered: a subclass or an instance overriding it has every load go through the override. */
  readonly get: SessionStore['get'];
}

const offers = new WeakMap<object, Offer>();

/** Called by a store in its constructor, with its class's own `get`. */
export function offerRequestLoad(store: SessionStore, load: RequestLoader, get: SessionStore['get']): void {
  offers.set(store, { load, get });
}

/** The store's load for requests, while its `get` is still the one it offered it with. */
export function requestLoaderOf(store: SessionStore): RequestLoader | undefined {
  const offer = offers.get(store);
  return offer !== undefined && store.get === offer.get ? offer.load : undefined;
}
