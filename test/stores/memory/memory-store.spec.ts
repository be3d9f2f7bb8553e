import { jest } from '@jest/globals';
import { SessionOptionsError } from '../../../lib/core/errors.js';
import type { SessionRecord } from '../../../lib/core/store/session-store.js';
import { immediateStoreOf } from '../../../lib/core/store/immediate-store.js';
import { Session, serializeSessionData } from '../../../lib/core/session/session.js';
import type { SessionOperations } from '../../../lib/core/session/session.js';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import { toSessionRecordByJson } from '../../../lib/core/session/session-record.js';
import { MemoryStore } from '../../../lib/stores/memory/memory-store.js';

const NOW = Date.UTC(2030, 0, 1);
const ONE_DAY = 24 * 60 * 60 * 1000;

function record(data: Record<string, unknown> = {}, expiresInMs: number | null = 60_000): SessionRecord {
  return {
    cookie: { originalMaxAge: expiresInMs, expires: expiresInMs === null ? null : new Date(Date.now() + expiresInMs).toISOString(), path: '/', httpOnly: true },
    ...data,
  };
}

let stores: MemoryStore[] = [];
function makeStore(options?: ConstructorParameters<typeof MemoryStore>[0]): MemoryStore {
  const store = new MemoryStore(options);
  stores.push(store);
  return store;
}

beforeEach(() => {
  jest.useFakeTimers({ now: NOW });
});
afterEach(async () => {
  await Promise.all(stores.map((store) => store.close()));
  stores = [];
  jest.useRealTimers();
});

describe('MemoryStore', () => {
  it('stores and returns a session', async () => {
    const store = makeStore();
    await store.set('a', record({ userId: 'u1' }));
    expect(await store.get('a')).toEqual(record({ userId: 'u1' }));
    expect(await store.get('missing')).toBeUndefined();
  });

  it('keeps serialized copies: mutating saved or returned objects does not change the store', async () => {
    const store = makeStore();
    const saved = record({ cart: ['a'] });
    await store.set('a', saved);
    (saved.cart as string[]).push('mutated-after-set');
    const first = (await store.get('a'))!;
    (first.cart as string[]).push('mutated-after-get');
    expect((await store.get('a'))!.cart).toEqual(['a']);
    expect(await store.get('a')).not.toBe(first);
  });

  it('serializes Dates as JSON stores do (ISO strings)', async () => {
    const store = makeStore();
    await store.set('a', { ...record(), at: new Date(NOW) });
    expect((await store.get('a'))!.at).toBe(new Date(NOW).toISOString());
  });

  it("expires a session at its cookie's expiry", async () => {
    const store = makeStore();
    await store.set('a', record({}, 1_000));
    jest.setSystemTime(NOW + 999);
    expect(await store.get('a')).toBeDefined();
    jest.setSystemTime(NOW + 1_000);
    expect(await store.get('a')).toBeUndefined();
  });

  it('does not store a session whose cookie already expired', async () => {
    const store = makeStore();
    await store.set('a', record({}, -1));
    expect(await store.length()).toBe(0);
  });

  it('gives cookies without expiry the ttl (default one day)', async () => {
    const store = makeStore();
    await store.set('a', record({}, null));
    jest.setSystemTime(NOW + ONE_DAY - 1);
    expect(await store.get('a')).toBeDefined();
    jest.setSystemTime(NOW + ONE_DAY);
    expect(await store.get('a')).toBeUndefined();

    const shortStore = makeStore({ ttl: 500 });
    await shortStore.set('b', record({}, null));
    jest.setSystemTime(NOW + ONE_DAY + 500);
    expect(await shortStore.get('b')).toBeUndefined();
  });

  it('uses the ttl when the stored expires is not a date', async () => {
    const store = makeStore({ ttl: 1_000 });
    await store.set('a', { cookie: { originalMaxAge: null, expires: 'garbage' } });
    expect(await store.get('a')).toBeDefined();
    jest.setSystemTime(NOW + 1_000);
    expect(await store.get('a')).toBeUndefined();
  });

  it('keeps sessions whose cookie expires far in the future (beyond 13-digit timestamps)', async () => {
    const store = makeStore();
    const farFuture = { cookie: { originalMaxAge: null, expires: new Date('2400-01-01T00:00:00Z').toISOString() }, userId: 'u' };
    await store.set('a', farFuture);
    expect(await store.get('a')).toEqual(farFuture);
    expect(await store.all()).toEqual({ a: farFuture });
    const foreverStore = makeStore({ ttl: Infinity });
    await foreverStore.set('b', record({}, null));
    jest.setSystemTime(NOW + 1000 * ONE_DAY);
    expect(await foreverStore.get('b')).toBeDefined();
  });

  it('returns records that carry nothing of its bookkeeping (no own keys or symbols but the stored ones)', async () => {
    const store = makeStore();
    await store.set('a', record({ userId: 'u1' }));
    const loaded = (await store.get('a'))!;
    expect(Reflect.ownKeys(loaded)).toEqual(['cookie', 'userId']);
    expect({ ...loaded }).toEqual(loaded);
    expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype);
  });

  it('keeps sessions under a ttl with a fraction of a millisecond', async () => {
    const store = makeStore({ ttl: 60_000.5 });
    const browserSession = record({ userId: 'u' }, null);
    await store.set('a', browserSession);
    expect(await store.get('a')).toEqual(browserSession);
    jest.setSystemTime(NOW + 59_999);
    expect(await store.get('a')).toEqual(browserSession);
    jest.setSystemTime(NOW + 60_001);
    expect(await store.get('a')).toBeUndefined();
  });

  it('sweep() removes expired entries and reports how many', async () => {
    const store = makeStore({ checkPeriod: 0 });
    await store.set('short', record({}, 1_000));
    await store.set('long', record({}, 10_000));
    jest.setSystemTime(NOW + 5_000);
    expect(store.sweep()).toBe(1);
    expect(await store.ids()).toEqual(['long']);
    expect(store.sweep()).toBe(0);
  });

  it('sweeps on an unref’d timer every checkPeriod', async () => {
    const setIntervalSpy = jest.spyOn(globalThis, 'setInterval');
    const store = makeStore({ checkPeriod: 1_000 });
    const timer = setIntervalSpy.mock.results[0]!.value as NodeJS.Timeout;
    setIntervalSpy.mockRestore();
    expect(timer.hasRef()).toBe(false);
    const sweep = jest.spyOn(store, 'sweep');
    await store.set('a', record({}, 1_500));
    jest.advanceTimersByTime(1_000);
    expect(sweep).toHaveBeenCalledTimes(1);
    expect(sweep.mock.results[0]!.value).toBe(0);
    jest.advanceTimersByTime(1_000);
    expect(sweep).toHaveBeenCalledTimes(2);
    expect(sweep.mock.results[1]!.value).toBe(1);
  });

  it('close() stops the sweep timer', async () => {
    const store = makeStore({ checkPeriod: 1_000 });
    const sweep = jest.spyOn(store, 'sweep');
    await store.close();
    jest.advanceTimersByTime(5_000);
    expect(sweep).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('checkPeriod 0 starts no timer', () => {
    makeStore({ checkPeriod: 0 });
    expect(jest.getTimerCount()).toBe(0);
  });

  describe('max (least recently used eviction)', () => {
    it('evicts the least recently written session', async () => {
      const store = makeStore({ max: 2 });
      await store.set('a', record());
      await store.set('b', record());
      await store.set('c', record());
      expect(await store.ids()).toEqual(['b', 'c']);
    });

    it('get refreshes recency', async () => {
      const store = makeStore({ max: 2 });
      await store.set('a', record());
      await store.set('b', record());
      await store.get('a');
      await store.set('c', record());
      expect((await store.ids()).sort()).toEqual(['a', 'c']);
    });

    it('rewriting a session does not evict another', async () => {
      const store = makeStore({ max: 2 });
      await store.set('a', record());
      await store.set('b', record());
      await store.set('a', record({ n: 2 }));
      expect((await store.ids()).sort()).toEqual(['a', 'b']);
    });
  });

  describe('merge (one request\'s changes)', () => {
    const changes = (set: Record<string, unknown>, deletedKeys: string[] = []) => ({
      setKeys: new Map(Object.entries(set).map(([key, value]) => [key, JSON.stringify(value)])),
      deletedKeys,
    });

    it('sets and deletes the changed keys, keeps the others, and takes the cookie of the write', async () => {
      const store = makeStore();
      await store.set('a', record({ kept: 1, changed: 1, removed: 1 }, 60_000));
      const write = record({ kept: 'stale view', changed: 2, added: [] }, 120_000);
      expect(await store.merge('a', write, changes({ changed: 2, added: [] }, ['removed']))).toBe(true);
      const stored = (await store.get('a'))!;
      expect(stored).toEqual({ cookie: write.cookie, kept: 1, changed: 2, added: [] });
      jest.setSystemTime(NOW + 90_000);
      expect(await store.get('a')).toBeDefined();
    });

    it('given the record it read, merges only if something was written since', async () => {
      const store = makeStore();
      await store.set('a', record({ a: 1 }));
      const read = (await store.get('a'))!;
      expect(Object.keys(read)).toEqual(['cookie', 'a']);
      // Nothing written since the read: the record is written as it is.
      expect(await store.merge('a', { ...read, b: 2 }, { ...changes({ b: 2 }), baseRecord: read })).toBe(true);
      expect(await store.get('a')).toMatchObject({ a: 1, b: 2 });
      // Another write came in between: its key survives.
      await store.merge('a', record({ a: 1, b: 2, c: 3 }), changes({ c: 3 }));
      expect(await store.merge('a', { ...read, d: 4 }, { ...changes({ d: 4 }), baseRecord: read })).toBe(true);
      expect(await store.get('a')).toMatchObject({ a: 1, b: 2, c: 3, d: 4 });
    });

    it("takes each changed key's value from the changes: a request's record to the immediate calls carries its data only as JSON", async () => {
      const store = makeStore();
      await store.set('a', record({ kept: 1, changed: 1 }));
      const cookieOnly = record({}, 120_000);
      expect(immediateStoreOf(store)!.merge('a', cookieOnly, changes({ changed: { to: [2] }, added: 'x' }))).toBe(true);
      expect(await store.get('a')).toEqual({ cookie: cookieOnly.cookie, kept: 1, changed: { to: [2] }, added: 'x' });
    });

    it('writes nothing and answers false when the session is gone or expired', async () => {
      const store = makeStore();
      expect(await store.merge('none', record({ v: 1 }), changes({ v: 1 }))).toBe(false);
      expect(await store.get('none')).toBeUndefined();
      await store.set('old', record({ v: 1 }, 1_000));
      jest.setSystemTime(NOW + 2_000);
      expect(await store.merge('old', record({ v: 2 }), changes({ v: 2 }))).toBe(false);
      expect(await store.get('old')).toBeUndefined();
    });

    it('adds and removes flash messages one by one, keeping those of other requests', async () => {
      const store = makeStore();
      const message = (value: string) => ({ key: 'notice', value });
      await store.set('a', record({ __flash: { m1: message('one'), m2: message('two') } }));
      // This request saw m1 and m2, read m1 and flashed m3; another request read m2 and flashed m4 meanwhile.
      await store.set('a', record({ __flash: { m1: message('one'), m4: message('four') } }));
      const flash = { added: new Map([['m3', JSON.stringify(message('three'))]]), removed: ['m1'] };
      const write = record({ __flash: { m2: message('two'), m3: message('three') } });
      expect(await store.merge('a', write, { ...changes({ __flash: write.__flash }), flash })).toBe(true);
      expect((await store.get('a'))!.__flash).toEqual({ m4: message('four'), m3: message('three') });
      // The last message removed takes the key with it.
      const last = { added: new Map(), removed: ['m3', 'm4'] };
      expect(await store.merge('a', record(), { ...changes({}, ['__flash']), flash: last })).toBe(true);
      expect(await store.get('a')).not.toHaveProperty('__flash');
    });

    it("moves the session to the write's owner", async () => {
      const store = makeStore();
      await store.set('a', record({ userId: 'ada' }), { owner: 'ada' });
      await store.merge('a', record({ userId: 'bob' }), changes({ userId: 'bob' }), { owner: 'bob' });
      expect(await store.ownerSessionIds('ada')).toEqual([]);
      expect(await store.ownerSessionIds('bob')).toEqual(['a']);
    });
  });

  describe('takeFlashMessages', () => {
    it('removes the messages atomically: each id goes to one caller, and the key goes with the last message', async () => {
      const store = makeStore();
      await store.set('a', record({ userId: 'ada', __flash: { m1: { key: 'notice', value: 1 }, m2: { key: 'error', value: 2 } } }, 60_000));
      const [first, second] = await Promise.all([store.takeFlashMessages('a', ['m1', 'gone']), store.takeFlashMessages('a', ['m1'])]);
      expect([first, second]).toEqual([['m1'], []]);
      expect((await store.get('a'))!.__flash).toEqual({ m2: { key: 'error', value: 2 } });
      expect(await store.takeFlashMessages('a', ['m2'])).toEqual(['m2']);
      expect(await store.get('a')).toEqual(record({ userId: 'ada' }, 60_000));
      expect(await store.takeFlashMessages('none', ['m1'])).toEqual([]);
      // The session keeps its expiry.
      jest.setSystemTime(NOW + 61_000);
      expect(await store.get('a')).toBeUndefined();
    });
  });

  describe('write modes', () => {
    it("'create' writes only when the id is absent", async () => {
      const store = makeStore();
      expect(await store.set('a', record({ v: 1 }), { mode: 'create' })).toBe(true);
      expect(await store.set('a', record({ v: 2 }), { mode: 'create' })).toBe(false);
      expect((await store.get('a'))!.v).toBe(1);
    });

    it("'update' writes only when the id is present (no resurrection after destroy)", async () => {
      const store = makeStore();
      await store.set('a', record({ v: 1 }), { mode: 'update' });
      expect(await store.get('a')).toBeUndefined();
      await store.set('a', record({ v: 1 }));
      await store.set('a', record({ v: 2 }), { mode: 'update' });
      expect((await store.get('a'))!.v).toBe(2);
      await store.destroy('a');
      await store.set('a', record({ v: 3 }), { mode: 'update' });
      expect(await store.get('a')).toBeUndefined();
    });

    it("'update' counts an expired entry as absent", async () => {
      const store = makeStore();
      await store.set('a', record({ v: 1 }, 1_000));
      jest.setSystemTime(NOW + 2_000);
      await store.set('a', record({ v: 2 }), { mode: 'update' });
      expect(await store.get('a')).toBeUndefined();
    });

    it("'upsert' (the default) writes either way", async () => {
      const store = makeStore();
      await store.set('a', record({ v: 1 }), { mode: 'upsert' });
      await store.set('a', record({ v: 2 }));
      expect((await store.get('a'))!.v).toBe(2);
    });
  });

  describe('by entry (getEntry, compareAndSetEntry: for a wrapper that keeps a text of its own in the record)', () => {
    it('getEntry gives the stored string as it is, its JSON unparsed; nothing for a missing or expired session', async () => {
      const store = makeStore();
      const now = immediateStoreOf(store)!;
      await store.set('a', record({ v: 1 }, 1_000));
      const entry = now.getEntry!('a')!;
      expect(now.jsonOfEntry!(entry)).toBe(JSON.stringify(record({ v: 1 }, 1_000)));
      expect(now.getEntry!('missing')).toBeUndefined();
      jest.setSystemTime(NOW + 1_000);
      expect(now.getEntry!('a')).toBeUndefined();
    });

    it("loadedDataJson gives the data's JSON of a session's record get returned, as stored, through touches; nothing where the entry does not know it", async () => {
      const store = makeStore();
      const now = immediateStoreOf(store)!;
      const sessionRecord = (data: Record<string, unknown>) => {
        const session = new Session({} as SessionOperations, 'id', SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000 }), data);
        return toSessionRecordByJson(session, serializeSessionData(session));
      };
      now.set('a', sessionRecord({ v: 1, list: ['x'] }));
      const loaded = now.getUsable!('a')!;
      expect(now.loadedDataJson!('a', loaded)).toBe('{"v":1,"list":["x"]}');
      expect(now.loadedDataJson!('a', record({ v: 1 }))).toBeUndefined();
      now.touch('a', sessionRecord({ v: 'not stored by a touch' }));
      expect(now.loadedDataJson!('a', now.get('a')!)).toBe('{"v":1,"list":["x"]}');
      expect(now.get('a')).toEqual({ ...JSON.parse(JSON.stringify(sessionRecord({}))), v: 1, list: ['x'] });
      now.set('b', sessionRecord({}));
      expect(now.loadedDataJson!('b', now.get('b')!)).toBe('{}');
      // A record of another making, written cookie last: the entry cannot tell where its cookie ends.
      const { cookie, ...data } = record({ v: 2 });
      await store.set('c', { ...data, cookie } as SessionRecord);
      expect(now.loadedDataJson!('c', now.get('c')!)).toBeUndefined();
    });

    it("loads a session's record without parsing the cookie it wrote, and gives that cookie as SessionCookie.fromStored would", async () => {
      const store = makeStore();
      const now = immediateStoreOf(store)!;
      const cookie = SessionCookie.fromAttributes({ path: '/app', httpOnly: true, secure: false, maxAge: 60_000, sameSite: 'lax', domain: 'example.com' });
      const session = new Session({} as SessionOperations, 'id', cookie, { n: 1, list: ['x'] });
      now.set('a', toSessionRecordByJson(session, serializeSessionData(session)));
      const stored = JSON.parse(now.jsonOfEntry!(now.getEntry!('a')!)) as SessionRecord;
      // The first load of a cookie form reads the form once; the loads after it parse nothing of it.
      now.getUsable!('a');
      const parse = jest.spyOn(JSON, 'parse');
      try {
        const loaded = now.getUsable!('a')!;
        // The data alone is parsed; the cookie comes from its form, `expires` in epoch ms.
        expect(parse.mock.calls.map(([text]) => text)).toEqual(['{"n":1,"list":["x"]}']);
        expect(loaded).toEqual({ ...stored, cookie: { ...stored.cookie, expires: NOW + 60_000 } });
        const loadedCookie = now.loadedCookie!('a', loaded)!;
        expect(loadedCookie.toJSON()).toEqual(SessionCookie.fromStored(stored.cookie).toJSON());
        expect(loadedCookie.expiresAt).toBe(NOW + 60_000);
        // Given once, for the record of the last load only.
        expect(now.loadedCookie!('a', loaded)).toBeUndefined();
        now.getUsable!('a');
        expect(now.loadedCookie!('a', loaded)).toBeUndefined();
      } finally {
        parse.mockRestore();
      }
    });

    it('loads flat data without JSON.parse, as JSON.parse would read it; other data through JSON.parse', async () => {
      const store = makeStore();
      const now = immediateStoreOf(store)!;
      const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000, sameSite: 'lax' });
      const flat = { counter: 41, name: 'ada', isAdmin: false, note: null };
      const flatSession = new Session({} as SessionOperations, 'flat', cookie, flat);
      now.set('flat', toSessionRecordByJson(flatSession, serializeSessionData(flatSession)));
      const nestedSession = new Session({} as SessionOperations, 'nested', cookie, { cart: { items: 2 }, price: 1.5 });
      now.set('nested', toSessionRecordByJson(nestedSession, serializeSessionData(nestedSession)));
      now.getUsable!('flat');
      const parse = jest.spyOn(JSON, 'parse');
      try {
        const loaded = now.getUsable!('flat')! as unknown as Record<string, unknown>;
        expect(parse).not.toHaveBeenCalled();
        expect(Object.keys(loaded)).toEqual([...Object.keys(flat), 'cookie']);
        expect(loaded).toMatchObject(flat);
        expect(now.getUsable!('nested')).toMatchObject({ cart: { items: 2 }, price: 1.5 });
        expect(parse.mock.calls.map(([text]) => text)).toEqual(['{"cart":{"items":2},"price":1.5}']);
      } finally {
        parse.mockRestore();
      }
    });

    it('checks at load a record set from elsewhere, one without a cookie included', async () => {
      const store = makeStore();
      const now = immediateStoreOf(store)!;
      for (const corrupted of [{ views: 3 }, { cookie: 'yes' }, { cookie: { expires: 'not a date' } }]) {
        await store.set('a', corrupted as never);
        expect(now.getUsable!('a')).toBeUndefined();
      }
    });

    it('gives no loaded cookie where it did not write the cookie in a form it knows: no expiry, cookie last, a record of another making', async () => {
      const store = makeStore();
      const now = immediateStoreOf(store)!;
      const browserSession = new Session({} as SessionOperations, 'id', SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: null }));
      now.set('a', toSessionRecordByJson(browserSession, '{}'));
      const { cookie, ...data } = record({ v: 1 });
      await store.set('b', { ...data, cookie } as SessionRecord);
      await store.set('c', record({ v: 2 }));
      for (const sessionId of ['a', 'b', 'c']) {
        const loaded = now.getUsable!(sessionId)!;
        expect(loaded).toEqual(JSON.parse(now.jsonOfEntry!(now.getEntry!(sessionId)!)));
        expect(now.loadedCookie!(sessionId, loaded)).toBeUndefined();
      }
    });

    it('knows where the cookie ends in JSON it stringified itself, cookie first: a plain record set, a touch of an entry that did not know, a merge over another write', async () => {
      const store = makeStore();
      const now = immediateStoreOf(store)!;
      await store.set('a', record({ v: 2, list: [1] }));
      expect(now.loadedDataJson!('a', now.get('a')!)).toBe('{"v":2,"list":[1]}');
      // The touch of an entry that did not know (written cookie last) re-reads it, writes it cookie first, and knows from then on.
      const { cookie, ...data } = record({ v: 3 });
      await store.set('b', { ...data, cookie } as SessionRecord);
      expect(now.loadedDataJson!('b', now.get('b')!)).toBeUndefined();
      expect(now.touch('b', record({ ignored: true }))).toBe(true);
      expect(now.loadedDataJson!('b', now.get('b')!)).toBe('{"v":3}');
      expect(now.get('b')).toEqual(JSON.parse(JSON.stringify(record({ v: 3 }))));
      // A merge that finds another write since the load applies the changes to the stored data.
      const loaded = now.get('a')!;
      await store.set('a', record({ v: 4, list: [1] }));
      const changes = { setKeys: new Map([['list', '[1,2]']]), deletedKeys: [], baseRecord: loaded, baseDataJson: '{"v":2,"list":[1]}' };
      expect(now.merge('a', record({ v: 2, list: [1, 2] }), changes)).toBe(true);
      expect(now.loadedDataJson!('a', now.get('a')!)).toBe('{"v":4,"list":[1,2]}');
    });

    it('getEntry refreshes recency, as get does', async () => {
      const store = makeStore({ max: 2 });
      await store.set('a', record());
      await store.set('b', record());
      immediateStoreOf(store)!.getEntry!('a');
      await store.set('c', record());
      expect((await store.ids()).sort()).toEqual(['a', 'c']);
    });

    it('compareAndSetEntry writes only over the entry expected and gives the new one: changed after any write or touch, gone when missing or expired', async () => {
      const store = makeStore();
      const now = immediateStoreOf(store)!;
      await store.set('a', record({ v: 1 }, 1_000));
      const read = now.getEntry!('a')!;
      const next = record({ v: 2 }, 2_000);
      const written = now.compareAndSetEntry!('a', read, JSON.stringify(next), next);
      expect(written).toEqual({ outcome: 'written', entry: now.getEntry!('a') });
      expect(await store.get('a')).toEqual(JSON.parse(JSON.stringify(next)));
      expect(now.compareAndSetEntry!('a', read, JSON.stringify(record({ v: 3 })), record({ v: 3 }))).toEqual({ outcome: 'changed' });
      await store.touch('a', record({}, 3_000));
      expect(now.compareAndSetEntry!('a', written.entry!, JSON.stringify(record({ v: 4 })), record({ v: 4 })).outcome).toBe('changed');
      expect((await store.get('a'))!.v).toBe(2);
      expect(now.compareAndSetEntry!('missing', read, '{}', record()).outcome).toBe('gone');
      const current = now.getEntry!('a')!;
      jest.setSystemTime(NOW + 3_000);
      expect(now.compareAndSetEntry!('a', current, '{}', record()).outcome).toBe('gone');
    });

    it('compareAndSetEntry takes the expiry and the owner from the record given, and a record not made from a session is checked at load', async () => {
      const store = makeStore();
      const now = immediateStoreOf(store)!;
      await store.set('a', record({ v: 1 }, 1_000));
      const longer = record({ v: 2 }, 5_000);
      now.compareAndSetEntry!('a', now.getEntry!('a')!, JSON.stringify(longer), longer, { owner: 'ada' });
      expect(await store.ownerSessionIds('ada')).toEqual(['a']);
      jest.setSystemTime(NOW + 4_000);
      expect(now.getEntry!('a')).toBeDefined();
      const broken = { cookie: { expires: 'not a date' } } as unknown as SessionRecord;
      now.compareAndSetEntry!('a', now.getEntry!('a')!, JSON.stringify(broken), broken);
      expect(now.getUsable!('a')).toBeUndefined();
      expect(now.jsonOfEntry!(now.getEntry!('a')!)).toBe(JSON.stringify(broken));
      const expired = record({}, -1);
      expect(now.compareAndSetEntry!('a', now.getEntry!('a')!, JSON.stringify(expired), expired)).toEqual({ outcome: 'written', entry: undefined });
      expect(await store.get('a')).toBeUndefined();
    });
  });

  it('touch only changes the cookie and expiry, keeping the stored data', async () => {
    const store = makeStore();
    await store.set('a', record({ v: 1 }, 1_000));
    jest.setSystemTime(NOW + 500);
    const touched = record({ v: 'ignored' }, 1_000);
    await store.touch('a', touched);
    const stored = (await store.get('a'))!;
    expect(stored.v).toBe(1);
    expect(stored.cookie).toEqual(touched.cookie);
    jest.setSystemTime(NOW + 1_200);
    expect(await store.get('a')).toBeDefined();
    jest.setSystemTime(NOW + 1_500);
    expect(await store.get('a')).toBeUndefined();
  });

  it('touch of a missing or expired session does not create it, and resolves to false', async () => {
    const store = makeStore();
    expect(await store.touch('missing', record())).toBe(false);
    expect(await store.get('missing')).toBeUndefined();
    await store.set('a', record({}, 1_000));
    expect(await store.touch('a', record({}, 1_000))).toBe(true);
    jest.setSystemTime(NOW + 1_000);
    expect(await store.touch('a', record())).toBe(false);
    expect(await store.get('a')).toBeUndefined();
  });

  it('take removes the session and returns it, once: a second take (or one of an expired session) finds nothing', async () => {
    const store = makeStore();
    await store.set('a', record({ views: 2 }, 1_000), { owner: 'ada' });
    expect(await store.take('a')).toMatchObject({ views: 2 });
    expect(await store.get('a')).toBeUndefined();
    expect(await store.ownerSessionIds('ada')).toEqual([]);
    expect(await store.take('a')).toBeUndefined();
    await store.set('b', record({}, 1_000));
    jest.setSystemTime(NOW + 1_000);
    expect(await store.take('b')).toBeUndefined();
  });

  it('all, ids, length and clear see live sessions only', async () => {
    const store = makeStore({ checkPeriod: 0 });
    await store.set('a', record({ n: 1 }, 1_000));
    const recordB = record({ n: 2 }, 5_000);
    await store.set('b', recordB);
    expect(await store.length()).toBe(2);
    jest.setSystemTime(NOW + 2_000);
    expect(await store.ids()).toEqual(['b']);
    expect(await store.length()).toBe(1);
    expect(await store.all()).toEqual({ b: recordB });
    await store.clear();
    expect(await store.length()).toBe(0);
    expect(await store.all()).toEqual({});
  });

  it('destroy removes a session; destroying an unknown id is fine', async () => {
    const store = makeStore();
    await store.set('a', record());
    await store.destroy('a');
    await expect(store.destroy('a')).resolves.toBeUndefined();
    expect(await store.get('a')).toBeUndefined();
  });

  it.each<[string, object, string]>([
    ['max 0', { max: 0 }, 'MemoryStore.max'],
    ['max negative', { max: -1 }, 'MemoryStore.max'],
    ['max a string', { max: '10' }, 'MemoryStore.max'],
    ['max NaN', { max: Number.NaN }, 'MemoryStore.max'],
    ['ttl 0', { ttl: 0 }, 'MemoryStore.ttl'],
    ['ttl a string', { ttl: '1d' }, 'MemoryStore.ttl'],
    ['checkPeriod negative', { checkPeriod: -1 }, 'MemoryStore.checkPeriod'],
    ['checkPeriod Infinity', { checkPeriod: Infinity }, 'MemoryStore.checkPeriod'],
    ['checkPeriod a string', { checkPeriod: '60s' }, 'MemoryStore.checkPeriod'],
    ['checkPeriod beyond the largest timer delay', { checkPeriod: 2 ** 31 }, 'MemoryStore.checkPeriod'],
  ])('rejects %s with SessionOptionsError', (_label, options, option) => {
    let thrown: unknown;
    try {
      makeStore(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SessionOptionsError);
    expect((thrown as SessionOptionsError).option).toBe(option);
  });

  it('takes the default sweep period (one minute) for checkPeriod null', async () => {
    const store = makeStore({ checkPeriod: null as never, ttl: 1_000 });
    await store.set('short', record({}, null));
    await jest.advanceTimersByTimeAsync(59_000);
    expect(await store.ids()).toEqual([]);
    // `ids` skips an expired entry; the sweep removes it from the map once the minute is up.
    expect(store.sweep()).toBe(1);
    await store.set('again', record({}, null));
    await jest.advanceTimersByTimeAsync(60_000);
    expect(store.sweep()).toBe(0);
  });

  it('accepts max Infinity (unbounded)', async () => {
    const store = makeStore({ max: Infinity });
    for (let index = 0; index < 5; index++) await store.set(`s${index}`, record());
    expect(await store.length()).toBe(5);
  });
});
