import { createHash } from 'node:crypto';
import { VERIFIED_COOKIE_CACHE_CAPACITY } from '../../../../lib/core/cookie/verified-cookie-cache.js';
import { HashedIdStore, keyedStoreOf, withHashedIds } from '../../../../lib/core/store/at-rest/hashed-id-store.js';
import { immediateStoreOf } from '../../../../lib/core/store/immediate-store.js';
import { SessionStore } from '../../../../lib/core/store/session-store.js';
import type { SessionRecord } from '../../../../lib/core/store/session-store.js';
import { hashedSessionKey, storageKeyOf } from '../../../../lib/core/session/session-storage-key.js';
import { handleOfSessionId, sessionHandle } from '../../../../lib/core/session/session-handle.js';
import { defaultSessionOwner } from '../../../../lib/core/store/session-owner-index.js';
import { MemoryStore } from '../../../../lib/stores/memory/memory-store.js';
import { SessionCookie } from '../../../../lib/core/cookie/session-cookie.js';
import { Session, serializeSessionData } from '../../../../lib/core/session/session.js';
import type { SessionOperations } from '../../../../lib/core/session/session.js';
import { toSessionRecordByJson } from '../../../../lib/core/session/session-record.js';
import { TEST_SECRET } from '../../../support/test-secret.js';

const ONE_HOUR_MS = 60 * 60 * 1000;

function record(data: Record<string, unknown> = {}): SessionRecord {
  return { cookie: { originalMaxAge: ONE_HOUR_MS, expires: new Date(Date.now() + ONE_HOUR_MS) }, ...data };
}

/** A store with only the required methods, over a Map, that records the keys it was called with. */
class MinimalStore extends SessionStore {
  readonly entries = new Map<string, SessionRecord>();
  readonly keys: string[] = [];
  async get(key: string) {
    this.keys.push(key);
    return this.entries.get(key);
  }
  async set(key: string, value: SessionRecord) {
    this.keys.push(key);
    this.entries.set(key, value);
  }
  async destroy(key: string) {
    this.keys.push(key);
    this.entries.delete(key);
  }
}

describe('hashedSessionKey', () => {
  it('is SHA-256 of the id, base64url without padding: 43 URL-safe characters', () => {
    const key = hashedSessionKey('abc');
    expect(key).toBe(createHash('sha256').update('abc').digest('base64url'));
    expect(key).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(storageKeyOf('abc', false)).toBe('abc');
    expect(storageKeyOf('abc', true)).toBe(key);
    expect(storageKeyOf('abc', 'migrate')).toBe(key);
  });

  it('gives handles of the storage key, so listings by key and events by id agree', () => {
    expect(handleOfSessionId('abc', [TEST_SECRET], true)).toBe(sessionHandle(hashedSessionKey('abc'), [TEST_SECRET]));
    expect(handleOfSessionId('abc', [TEST_SECRET])).toBe(sessionHandle('abc', [TEST_SECRET]));
  });
});

describe('HashedIdStore on a MemoryStore', () => {
  let inner: MemoryStore;
  let store: HashedIdStore;
  beforeEach(() => {
    inner = new MemoryStore({ checkPeriod: 0 });
    store = new HashedIdStore(inner);
  });
  afterEach(async () => {
    await inner.close();
  });

  it('keeps every session under the hash of its id, and finds it by id', async () => {
    const ids = ['session-one', 'session-two'];
    for (const [index, id] of ids.entries()) await store.set(id, record({ userId: `user-${index}` }), { mode: 'create', owner: `user-${index}` });
    expect((await inner.ids()).sort()).toEqual(ids.map(hashedSessionKey).sort());
    expect(await inner.get('session-one')).toBeUndefined();
    expect(await store.get('session-one')).toMatchObject({ userId: 'user-0' });
    expect(JSON.stringify(await inner.all())).not.toMatch(/session-one|session-two/);
  });

  it('gives each id its hash however many ids come and go (the recent keys it remembers are bounded, the oldest dropped)', async () => {
    const ids = Array.from({ length: VERIFIED_COOKIE_CACHE_CAPACITY + 500 }, (_, index) => `session-${index}`);
    for (const id of [...ids, ...ids.slice(0, 50), ...ids.slice(-50)]) expect(store.keyOf(id)).toBe(hashedSessionKey(id));
    await store.set('session-7', record({ a: 1 }));
    await store.destroy('session-7');
    expect(store.keyOf('session-7')).toBe(hashedSessionKey('session-7'));
    expect(await inner.get(hashedSessionKey('session-7'))).toBeUndefined();
  });

  it('passes write modes and their answers through', async () => {
    expect(await store.set('id', record(), { mode: 'update' })).toBe(false);
    expect(await store.set('id', record(), { mode: 'create' })).toBe(true);
    expect(await store.set('id', record(), { mode: 'create' })).toBe(false);
  });

  it('merges, touches, takes flash messages, takes and destroys by hashed key', async () => {
    await store.set('id', record({ views: 1, __flash: { m1: { type: 'info', message: 'hi' } } }), { mode: 'create' });
    expect(await store.merge!('id', record({ views: 2 }), { setKeys: new Map([['views', '2']]), deletedKeys: [] } as never)).toBe(true);
    expect(await inner.get(hashedSessionKey('id'))).toMatchObject({ views: 2 });
    expect(await store.touch!('id', record())).toBe(true);
    expect(await store.touch!('other', record())).toBe(false);
    expect(await store.takeFlashMessages!('id', ['m1'])).toEqual(['m1']);
    expect(await store.take!('id')).toMatchObject({ views: 2 });
    expect(await inner.length()).toBe(0);
    await store.set('id', record(), { mode: 'create' });
    await store.destroy('id');
    expect(await inner.length()).toBe(0);
  });

  it('keeps the owner index in storage keys: ownerSessionIds lists keys, removeFromOwnerIndex takes keys', async () => {
    await store.set('id', record({ userId: 'ada' }), { owner: 'ada' });
    expect(await store.ownerSessionIds!('ada')).toEqual([hashedSessionKey('id')]);
    await store.removeFromOwnerIndex!('ada', [hashedSessionKey('id')]);
    expect(await store.ownerSessionIds!('ada')).toEqual([]);
  });

  it('offers hashing immediate calls while the MemoryStore does, and none once its methods are replaced', () => {
    const immediate = immediateStoreOf(store)!;
    expect(immediate).toBeDefined();
    expect(immediate.set('id', record({ views: 3 }), { mode: 'create' })).toBe(true);
    expect(immediate.get('id')).toMatchObject({ views: 3 });
    expect(immediateStoreOf(inner)!.get(hashedSessionKey('id'))).toMatchObject({ views: 3 });
    expect(immediate.touch('id', record())).toBe(true);
    // A request's load takes the MemoryStore's trusted path, on the hashed key; a record written from elsewhere is checked.
    expect(immediate.getUsable!('id')).toMatchObject({ views: 3 });
    expect(immediate.getUsable!('missing')).toBeUndefined();
    immediateStoreOf(inner)!.set(hashedSessionKey('id'), { ...record(), cookie: { ...record().cookie, expires: 'not a date' } } as SessionRecord);
    expect(immediate.getUsable!('id')).toBeUndefined();
    // A session's record: its cookie comes back made from the form the MemoryStore wrote it in.
    const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: ONE_HOUR_MS });
    const session = new Session({} as SessionOperations, 'made', cookie, { views: 4 });
    immediate.set('made', toSessionRecordByJson(session, serializeSessionData(session)));
    expect(immediate.loadedCookie!('made', immediate.getUsable!('made')!)?.toJSON()).toEqual(cookie.toJSON());
    const get = inner.get.bind(inner);
    inner.get = (key) => get(key);
    expect(immediateStoreOf(store)).toBeUndefined();
    expect(immediateStoreOf(new HashedIdStore(new MemoryStore({ checkPeriod: 0 }), { migrate: true }))).toBeUndefined();
  });

  it('follows the wrapped store: isConnected, connect and disconnect events, close', async () => {
    class ConnectionStore extends MinimalStore {
      connected = true;
      closed = false;
      override get isConnected() {
        return this.connected;
      }
      override async close() {
        this.closed = true;
      }
    }
    const connection = new ConnectionStore();
    const hashed = new HashedIdStore(connection);
    const events: string[] = [];
    const onDisconnect = () => events.push('disconnect');
    const onConnect = () => events.push('connect');
    hashed.on('disconnect', onDisconnect);
    hashed.on('connect', onConnect);
    connection.connected = false;
    expect(hashed.isConnected).toBe(false);
    connection.emit('disconnect');
    connection.emit('connect');
    expect(events).toEqual(['disconnect', 'connect']);
    // Once nobody listens to the wrapper, it leaves no listener on the wrapped store.
    hashed.off('disconnect', onDisconnect);
    hashed.off('connect', onConnect);
    expect([connection.listenerCount('connect'), connection.listenerCount('disconnect')]).toEqual([0, 0]);
    await hashed.close!();
    expect(connection.closed).toBe(true);
  });

  it('has exactly the optional methods of the store it wraps', () => {
    const hashed = new HashedIdStore(new MinimalStore());
    for (const method of ['merge', 'touch', 'take', 'takeFlashMessages', 'ownerSessionIds', 'removeFromOwnerIndex', 'all', 'ids', 'length', 'clear', 'close'] as const) {
      expect({ method, onMinimal: typeof hashed[method] }).toEqual({ method, onMinimal: 'undefined' });
      expect({ method, onMemory: typeof store[method] }).toEqual({ method, onMemory: 'function' });
    }
    expect(hashed).toBeInstanceOf(SessionStore);
  });

  it('reads one key per lookup, the hashed one', async () => {
    const minimal = new MinimalStore();
    const hashed = new HashedIdStore(minimal);
    await hashed.get('absent');
    expect(minimal.keys).toEqual([hashedSessionKey('absent')]);
  });
});

describe("HashedIdStore in 'migrate' mode", () => {
  let inner: MemoryStore;
  let store: HashedIdStore;
  beforeEach(() => {
    inner = new MemoryStore({ checkPeriod: 0 });
    store = new HashedIdStore(inner, { migrate: true, ownerOf: (stored) => defaultSessionOwner(stored as never) });
  });
  afterEach(async () => {
    await inner.close();
  });

  it('moves a session found under its plain id to its hashed key, with its owner index entry', async () => {
    await inner.set('plain-id', record({ userId: 'ada', views: 4 }), { mode: 'create', owner: 'ada' });
    expect(await store.get('plain-id')).toMatchObject({ userId: 'ada', views: 4 });
    expect(await inner.ids()).toEqual([hashedSessionKey('plain-id')]);
    expect(await inner.ownerSessionIds('ada')).toEqual([hashedSessionKey('plain-id')]);
    // Found under its hashed key from then on: one read.
    expect(await store.get('plain-id')).toMatchObject({ views: 4 });
  });

  it('reads the hashed key first, and answers nothing for an id stored under neither', async () => {
    await store.set('id', record({ views: 1 }), { mode: 'create' });
    expect(await store.get('id')).toMatchObject({ views: 1 });
    expect(await store.get('unknown')).toBeUndefined();
    expect(await inner.length()).toBe(1);
  });

  it('gives overlapping loads of one session the same session, stored once under its hashed key', async () => {
    await inner.set('plain-id', record({ views: 7 }), { mode: 'create' });
    const loads = await Promise.all([store.get('plain-id'), store.get('plain-id'), store.get('plain-id')]);
    for (const loaded of loads) expect(loaded).toMatchObject({ views: 7 });
    expect(await inner.ids()).toEqual([hashedSessionKey('plain-id')]);
  });

  it('destroys a session under both keys', async () => {
    await inner.set('plain-id', record(), { mode: 'create' });
    await store.set('plain-id', record({ views: 2 }));
    await store.destroy('plain-id');
    expect(await inner.length()).toBe(0);
  });

  it('leaves a corrupted plain entry alone and answers it as found (the manager starts a new session)', async () => {
    const minimal = new MinimalStore();
    minimal.entries.set('plain-id', { nonsense: true } as unknown as SessionRecord);
    const migrating = new HashedIdStore(minimal, { migrate: true });
    expect(await migrating.get('plain-id')).toEqual({ nonsense: true });
    expect(minimal.entries.has(hashedSessionKey('plain-id'))).toBe(false);
  });
});

describe('keyedStoreOf and withHashedIds', () => {
  it('reach the store by key: the wrapped store and the hash, or the store and the id', async () => {
    const inner = new MemoryStore({ checkPeriod: 0 });
    const hashed = withHashedIds(inner, { hashIds: true, sessionOwner: defaultSessionOwner });
    expect(hashed).toBeInstanceOf(HashedIdStore);
    expect(withHashedIds(hashed, { hashIds: true, sessionOwner: defaultSessionOwner })).toBe(hashed);
    expect(withHashedIds(inner, { hashIds: false, sessionOwner: defaultSessionOwner })).toBe(inner);
    expect(keyedStoreOf(hashed).keyedStore).toBe(inner);
    expect(keyedStoreOf(hashed).keyOf('id')).toBe(hashedSessionKey('id'));
    expect(keyedStoreOf(inner).keyOf('id')).toBe('id');
    await inner.close();
  });
});
