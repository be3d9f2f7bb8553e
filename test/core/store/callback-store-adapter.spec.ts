import { EventEmitter } from 'node:events';
import session from 'express-session';
import { CallbackStoreAdapter, isCallbackSessionStore, toSessionStore } from '../../../lib/core/store/callback-store-adapter.js';
import type { CallbackSessionStore } from '../../../lib/core/store/callback-store-adapter.js';
import type { SessionRecord } from '../../../lib/core/store/session-store.js';
import { MemoryStore } from '../../../lib/stores/memory/memory-store.js';

/** One expiry for every record, so records built at different moments compare equal. */
const EXPIRES = new Date(Date.now() + 3_600_000).toISOString();

function record(data: Record<string, unknown> = {}): SessionRecord {
  return { cookie: { originalMaxAge: 60_000, expires: EXPIRES, path: '/', httpOnly: true }, ...data };
}

/** A callback store whose every method fails the way it is told to. */
function failingStore(failure: (callback: (error?: unknown) => void) => void): CallbackSessionStore & EventEmitter {
  const store = new EventEmitter() as CallbackSessionStore & EventEmitter;
  const call = (...args: unknown[]) => failure(args[args.length - 1] as (error?: unknown) => void);
  Object.assign(store, { get: call, set: call, destroy: call, touch: call, all: call, length: call, clear: call });
  return store;
}

describe('CallbackStoreAdapter over express-session’s MemoryStore', () => {
  let expressStore: session.MemoryStore;
  let store: CallbackStoreAdapter;

  beforeEach(() => {
    expressStore = new session.MemoryStore();
    store = new CallbackStoreAdapter(expressStore as unknown as CallbackSessionStore);
  });

  it('has no merge: express-session stores get whole-record writes (their last save wins)', () => {
    expect(store.merge).toBeUndefined();
    expect(new MemoryStore({ checkPeriod: 0 }).merge).toBeInstanceOf(Function);
  });

  it('set then get round-trips; a missing id gives undefined', async () => {
    await store.set('a', record({ userId: 'u1' }));
    expect(await store.get('a')).toEqual(record({ userId: 'u1' }));
    expect(await store.get('missing')).toBeUndefined();
  });

  it('destroy removes the session', async () => {
    await store.set('a', record());
    await store.destroy('a');
    expect(await store.get('a')).toBeUndefined();
  });

  it('touch updates the stored cookie', async () => {
    await store.set('a', record({ v: 1 }));
    const touched = { ...record({ v: 1 }), cookie: { ...record().cookie, expires: new Date(Date.now() + 120_000).toISOString() } };
    await store.touch!('a', touched);
    expect((await store.get('a'))!.cookie.expires).toBe(touched.cookie.expires);
  });

  it('all, length and clear', async () => {
    await store.set('a', record({ n: 1 }));
    await store.set('b', record({ n: 2 }));
    expect(await store.length!()).toBe(2);
    expect(await store.all!()).toEqual({ a: record({ n: 1 }), b: record({ n: 2 }) });
    await store.clear!();
    expect(await store.length!()).toBe(0);
    expect(await store.all!()).toEqual({});
  });

  it('forwards connect and disconnect events, and isConnected follows them', () => {
    const events: string[] = [];
    store.on('connect', () => events.push('connect'));
    store.on('disconnect', () => events.push('disconnect'));
    expect(store.isConnected).toBe(true);
    expressStore.emit('disconnect');
    // A health check reading the injected store sees what the store last said.
    expect(store.isConnected).toBe(false);
    expressStore.emit('connect');
    expect(store.isConnected).toBe(true);
    expect(events).toEqual(['disconnect', 'connect']);
  });
});

describe('CallbackStoreAdapter', () => {
  it('treats ENOENT as a missing session', async () => {
    const enoent = Object.assign(new Error('no such session'), { code: 'ENOENT' });
    const store = new CallbackStoreAdapter(failingStore((callback) => callback(enoent)));
    await expect(store.get('a')).resolves.toBeUndefined();
    await expect(store.destroy('a')).resolves.toBeUndefined();
  });

  it('propagates other errors, from the callback or thrown synchronously', async () => {
    const failure = new Error('connection refused');
    const viaCallback = new CallbackStoreAdapter(failingStore((callback) => callback(failure)));
    await expect(viaCallback.get('a')).rejects.toBe(failure);
    await expect(viaCallback.set('a', record())).rejects.toBe(failure);
    await expect(viaCallback.destroy('a')).rejects.toBe(failure);
    await expect(viaCallback.touch!('a', record())).rejects.toBe(failure);
    await expect(viaCallback.all!()).rejects.toBe(failure);
    await expect(viaCallback.length!()).rejects.toBe(failure);
    await expect(viaCallback.clear!()).rejects.toBe(failure);
    const throwing = new CallbackStoreAdapter(
      failingStore(() => {
        throw failure;
      }),
    );
    await expect(throwing.get('a')).rejects.toBe(failure);
  });

  it('offers only the optional methods the wrapped store has', () => {
    const minimal: CallbackSessionStore = {
      get: (_id, callback) => callback(null, null),
      set: (_id, _record, callback) => callback?.(),
      destroy: (_id, callback) => callback?.(),
    };
    const store = new CallbackStoreAdapter(minimal);
    expect(store.touch).toBeUndefined();
    expect(store.all).toBeUndefined();
    expect(store.length).toBeUndefined();
    expect(store.clear).toBeUndefined();
  });

  it('maps an array answer of all() to an object keyed by id', async () => {
    const store = new CallbackStoreAdapter({
      get: (_id, callback) => callback(null, null),
      set: (_id, _record, callback) => callback?.(),
      destroy: (_id, callback) => callback?.(),
      all: (callback) => callback(null, [{ ...record(), id: 'x' }, record()]),
    });
    expect(await store.all!()).toEqual({ x: record(), 1: record() });
  });

  it("resolves set, destroy, touch and clear to nothing whatever the callback passes: a store's false is not \"the session was not there\"", async () => {
    const store = new CallbackStoreAdapter(failingStore((callback) => (callback as (error: unknown, value: unknown) => void)(null, false)));
    await expect(store.set('a', record())).resolves.toBeUndefined();
    await expect(store.destroy('a')).resolves.toBeUndefined();
    await expect(store.touch!('a', record())).resolves.toBeUndefined();
    await expect(store.clear!()).resolves.toBeUndefined();
  });
});

describe('toSessionStore / isCallbackSessionStore', () => {
  it('passes SessionStore instances through', () => {
    const memoryStore = new MemoryStore({ checkPeriod: 0 });
    expect(toSessionStore(memoryStore)).toBe(memoryStore);
  });

  it('wraps express-session stores', () => {
    const expressStore = new session.MemoryStore();
    const wrapped = toSessionStore(expressStore as unknown as CallbackSessionStore);
    expect(wrapped).toBeInstanceOf(CallbackStoreAdapter);
    expect((wrapped as CallbackStoreAdapter).wrapped).toBe(expressStore);
  });

  it('recognizes stores by their get, set and destroy methods', () => {
    expect(isCallbackSessionStore(new session.MemoryStore())).toBe(true);
    expect(isCallbackSessionStore({ get() {}, set() {} })).toBe(false);
    expect(isCallbackSessionStore(null)).toBe(false);
    expect(isCallbackSessionStore('store')).toBe(false);
  });
});
