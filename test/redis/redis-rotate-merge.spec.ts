import { RedisStore } from '../../lib/redis.js';
import type { RedisClient } from '../../lib/redis.js';
import { describeRotateAndMergeOverHttp } from '../support/rotate-merge-app.js';
import { sessionRecord, startCluster, startSingleNode, storeOn, uniquePrefix } from './redis-targets.js';
import type { RedisTarget } from './redis-targets.js';

/** rotate() and merged saves (the Lua merge script) on RedisStore. */
describe.each([
  ['single node', startSingleNode],
  ['cluster of 3 masters', startCluster],
] as const)('rotate() and merged saves on RedisStore, %s, over HTTP', (_name, startTarget) => {
  let target: RedisTarget;
  let client: RedisClient;

  beforeAll(async () => {
    target = await startTarget();
    client = (await target.newClient()) as unknown as RedisClient;
  });

  afterAll(async () => {
    await target.stop();
  });

  describeRotateAndMergeOverHttp(() => ({ store: new RedisStore({ client, prefix: uniquePrefix() }) }));

  describe('RedisStore.merge', () => {
    const stores: RedisStore[] = [];
    async function newStore(options: Parameters<typeof storeOn>[1] = {}): Promise<RedisStore> {
      const store = await storeOn(target, options);
      stores.push(store);
      return store;
    }

    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
    });

    /** The changes of one request, as the lifecycle computes them. */
    function changes(set: Record<string, unknown>, deletedKeys: string[] = []) {
      return { setKeys: new Map(Object.entries(set).map(([key, value]) => [key, JSON.stringify(value)])), deletedKeys };
    }

    it('keeps every other key byte for byte in connect-redis format (no decoding: [] stays [], numbers keep their digits)', async () => {
      const store = await newStore();
      const key = `${store.prefix}s1`;
      const tricky = {
        emptyList: [],
        emptyObject: {},
        precise: 0.1 + 0.2,
        big: 12345678901234567,
        text: 'a "quoted" {brace} [bracket] \\ back\\slash, comma: colon',
        unicode: 'héllo ✓ \u2028',
        nested: { deep: [{ x: '}' }, [[]], null, true] },
        'odd "key"': 1,
      };
      await store.set('s1', sessionRecord(tricky), { mode: 'create' });
      const before = JSON.parse((await target.inspector.get(key))!);
      const record = sessionRecord({ ...tricky, added: 'new' }, 2 * 60 * 60 * 1000);
      expect(await store.merge('s1', record, changes({ added: 'new' }))).toBe(true);
      const text = (await target.inspector.get(key))!;
      const after = JSON.parse(text);
      expect(after).toEqual({ ...before, added: 'new', cookie: JSON.parse(JSON.stringify(record.cookie)) });
      expect(text.startsWith('{"cookie":')).toBe(true);
      // Each kept value is the very text JSON.stringify wrote.
      for (const [name, value] of Object.entries(tricky)) expect(text).toContain(`${JSON.stringify(name)}:${JSON.stringify(value)}`);
      // The TTL follows the newest cookie (two hours).
      expect(await target.inspector.ttl(key)).toBeGreaterThan(60 * 60 + 60);
    });

    it('replaces changed keys in place and removes deleted ones', async () => {
      const store = await newStore();
      await store.set('s2', sessionRecord({ a: 1, b: [1, 2], c: 'x' }), { mode: 'create' });
      expect(await store.merge('s2', sessionRecord({ a: 1, b: [] }), changes({ b: [] }, ['c']))).toBe(true);
      const text = (await target.inspector.get(`${store.prefix}s2`))!;
      expect(JSON.parse(text)).toMatchObject({ a: 1, b: [] });
      expect(JSON.parse(text)).not.toHaveProperty('c');
      expect(text).toContain('"b":[]');
    });

    it('given the record a request loaded, never writes over what another request wrote since', async () => {
      const store = await newStore();
      await store.set('s6', sessionRecord({ a: 1 }), { mode: 'create' });
      const [loadedByThis, loadedByOther] = [(await store.get('s6'))!, (await store.get('s6'))!];
      // The other request saves first: nothing was written since it loaded.
      expect(await store.merge('s6', { ...loadedByOther, b: 2 }, { ...changes({ b: 2 }), baseRecord: loadedByOther })).toBe(true);
      // This request's copy is stale now: its change is merged, the other's key stays.
      expect(await store.merge('s6', { ...loadedByThis, c: 3 }, { ...changes({ c: 3 }), baseRecord: loadedByThis })).toBe(true);
      expect(await store.get('s6')).toMatchObject({ a: 1, b: 2, c: 3 });
    });

    it('given the record it loaded and nothing written since, writes the whole value without working out the changes', async () => {
      const store = await newStore();
      await store.set('s7', sessionRecord({ a: 1, b: 2 }), { mode: 'create' });
      const loaded = (await store.get('s7'))!;
      let changesRead = 0;
      const lazyChanges = {
        get setKeys() {
          changesRead++;
          return new Map([['a', '5']]);
        },
        get deletedKeys() {
          changesRead++;
          return ['b'];
        },
        baseRecord: loaded,
        baseDataJson: '{"a":1,"b":2}',
      };
      expect(await store.merge('s7', { cookie: loaded.cookie, a: 5 }, lazyChanges)).toBe(true);
      expect(changesRead).toBe(0);
      expect(JSON.parse((await target.inspector.get(`${store.prefix}s7`))!)).toEqual({ cookie: JSON.parse(JSON.stringify(loaded.cookie)), a: 5 });
    });

    it('writes nothing and answers false when the session is gone (a late save cannot resurrect it)', async () => {
      const store = await newStore();
      expect(await store.merge('missing', sessionRecord({ a: 1 }), changes({ a: 1 }))).toBe(false);
      expect(await target.inspector.exists(`${store.prefix}missing`)).toBe(0);
    });

    it('sends the script again when the server has lost it (SCRIPT FLUSH, a restart)', async () => {
      const store = await newStore();
      await store.set('s3', sessionRecord({ a: 1 }), { mode: 'create' });
      expect(await store.merge('s3', sessionRecord({ a: 2 }), changes({ a: 2 }))).toBe(true);
      const inspector = target.inspector as unknown as { isCluster?: boolean; nodes?: (role: string) => Array<{ script(...args: string[]): Promise<unknown> }> };
      const servers = inspector.isCluster ? inspector.nodes!('master') : [target.inspector as unknown as { script(...args: string[]): Promise<unknown> }];
      await Promise.all(servers.map((server) => server.script('FLUSH')));
      expect(await store.merge('s3', sessionRecord({ a: 3 }), changes({ a: 3 }))).toBe(true);
      expect(JSON.parse((await target.inspector.get(`${store.prefix}s3`))!).a).toBe(3);
    });

    it('with a custom serializer, or a value that is not a JSON object, writes the whole record', async () => {
      const serializer = { stringify: (record: object) => 'v1:' + JSON.stringify(record), parse: (text: string) => JSON.parse(text.slice(3)) };
      const custom = await newStore({ serializer });
      await custom.set('s4', sessionRecord({ a: 1, b: 1 }), { mode: 'create' });
      expect(await custom.merge('s4', sessionRecord({ a: 2 }), changes({ a: 2 }, ['b']))).toBe(true);
      expect(await target.inspector.get(`${custom.prefix}s4`)).toMatch(/^v1:/);
      expect(await custom.get('s4')).toMatchObject({ a: 2 });

      const store = await newStore();
      await target.inspector.set(`${store.prefix}s5`, 'not json at all', 'EX', 60);
      expect(await store.merge('s5', sessionRecord({ a: 2 }), changes({ a: 2 }))).toBe(true);
      expect(JSON.parse((await target.inspector.get(`${store.prefix}s5`))!)).toMatchObject({ a: 2 });
    });
  });
});
