import type { Command } from 'ioredis';
import request from 'supertest';
import { RedisStore } from '../../../lib/redis.js';
import type { RedisClient } from '../../../lib/redis.js';
import { sessionCookie } from '../../../lib/testing.js';
import { createSessionApp, sessionIdOf } from '../../support/e2e-app.js';
import { waitUntil } from '../../support/redis-server.js';
import { describeRotateAndMergeOverHttp, describeRotationRaces, gate, RotateMergeController } from '../../support/rotate-merge-app.js';
import { connectRedisTtl } from './connect-redis-format.js';
import { sessionRecord, startCluster, startSingleNode, storeOn, uniquePrefix } from './redis-targets.js';
import type { RedisTarget } from './redis-targets.js';
import { EXPRESS } from '../../support/platforms.js';

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

  describeRotateAndMergeOverHttp(EXPRESS, () => ({ store: new RedisStore({ client, prefix: uniquePrefix() }) }));

  it('keeps the text of the keys no request changed in a session another app wrote (connect-redis format, 64-bit ids, its own formatting)', async () => {
    gate.reset();
    const store = new RedisStore({ client, prefix: uniquePrefix() });
    const app = await createSessionApp(EXPRESS, { store }, { controllers: [RotateMergeController] });
    try {
      const http = request(app.getHttpServer());
      const cookie = await sessionCookie(app, { userId: 'ada' });
      const key = store.prefix + sessionIdOf(cookie);
      const { cookie: storedCookie } = JSON.parse((await target.inspector.get(key))!);
      const foreignValues = ['"accountId":12345678901234567890123', '"prefs":{ "theme" : "dark", "ratio": 1.50 }'];
      const written = `{"cookie":${JSON.stringify(storedCookie)},"userId":"ada",${foreignValues.join(' , ')}}`;
      await target.inspector.set(key, written, 'EX', connectRedisTtl({ cookie: storedCookie }));
      // Nobody writes meanwhile.
      await http.post('/write?key=cart&value=tea&group=alone&size=1').set('Cookie', cookie).expect(200);
      let text = (await target.inspector.get(key))!;
      for (const value of foreignValues) expect(text).toContain(value);
      expect(JSON.parse(text).cart).toBe('tea');
      // Two overlapping requests: the later one merges over the earlier one's write.
      const first = http.post('/write?key=a&value=1&group=pair&size=2&hold=first').set('Cookie', cookie).then((response) => response);
      const second = http.post('/write?key=b&value=2&group=pair&size=2&hold=second').set('Cookie', cookie).then((response) => response);
      await waitUntil(() => gate.isHeld('first') && gate.isHeld('second'), 'both requests loaded the session');
      gate.release('first');
      expect((await first).status).toBe(200);
      gate.release('second');
      expect((await second).status).toBe(200);
      text = (await target.inspector.get(key))!;
      for (const value of foreignValues) expect(text).toContain(value);
      expect(JSON.parse(text)).toMatchObject({ userId: 'ada', cart: 'tea', a: '1', b: '2' });
    } finally {
      await app.close();
    }
  });

  it('still saves a session it wrote itself whole, in one round trip of a short script, when nobody wrote meanwhile', async () => {
    gate.reset();
    const store = new RedisStore({ client, prefix: uniquePrefix() });
    const app = await createSessionApp(EXPRESS, { store }, { controllers: [RotateMergeController] });
    const sessionScriptCalls: Array<[name: string, argumentCount: number]> = [];
    let sessionKey: string | undefined;
    const commandClient = client as unknown as { sendCommand(command: Command, ...rest: unknown[]): unknown };
    const sendCommand = commandClient.sendCommand;
    commandClient.sendCommand = function (this: unknown, command: Command, ...rest: unknown[]) {
      const isScript = command.name === 'evalsha' || command.name === 'eval';
      if (isScript && command.args[2] === sessionKey) sessionScriptCalls.push([command.name, command.args.length]);
      return sendCommand.call(this, command, ...rest);
    };
    try {
      const cookie = await sessionCookie(app, { userId: 'ada', cart: ['tea'] });
      const http = request(app.getHttpServer());
      // The first save loads the script on a server that lacks it.
      await http.post('/write?key=theme&value=dark&group=alone&size=1').set('Cookie', cookie).expect(200);
      sessionKey = store.prefix + sessionIdOf(cookie);
      await http.post('/write?key=theme&value=light&group=alone&size=1').set('Cookie', cookie).expect(200);
      // sha, key count, key, then the TTL, the value as loaded and the whole new value.
      expect(sessionScriptCalls).toEqual([['evalsha', 6]]);
    } finally {
      commandClient.sendCommand = sendCommand;
      await app.close();
    }
  });

  describe('rotate() racing other requests', () => {
    describeRotationRaces(EXPRESS, () => ({ store: new RedisStore({ client, prefix: uniquePrefix() }) }), { isMoveAtomic: true, hasOwnerIndex: true });
  });

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

    it("keeps the text of a value another app wrote (64-bit ids, its own formatting) for every key the request did not change, on both paths", async () => {
      const store = await newStore();
      const key = `${store.prefix}s8`;
      const cookieJson = JSON.stringify(sessionRecord().cookie);
      const foreignValues = ['"accountId":12345678901234567890123', '"orgId":9007199254740993', '"prefs":{ "theme" : "dark", "ratio": 1.50 }', '"tags":[ 1,2 ]'];
      await target.inspector.set(key, `{"cookie":${cookieJson},${foreignValues.join(' , ')}}`, 'EX', 3600);
      const loaded = (await store.get('s8'))!;
      const { cookie: _cookie, ...data } = loaded;
      // As the lifecycle hands it over: the data's JSON as JavaScript sees it (the ids already rounded).
      const loadedChanges = (set: Record<string, unknown>) => ({ ...changes(set), baseRecord: loaded, baseDataJson: JSON.stringify(data) });
      // Nothing written since the load.
      expect(await store.merge('s8', { ...loaded, cart: ['tea'] }, loadedChanges({ cart: ['tea'] }))).toBe(true);
      let text = (await target.inspector.get(key))!;
      for (const value of foreignValues) expect(text).toContain(value);
      expect(JSON.parse(text).cart).toEqual(['tea']);
      // Another request wrote meanwhile: merged key by key.
      await store.merge('s8', sessionRecord({ other: 1 }), changes({ other: 1 }));
      expect(await store.merge('s8', { ...loaded, theme: 'light' }, loadedChanges({ theme: 'light' }))).toBe(true);
      text = (await target.inspector.get(key))!;
      for (const value of foreignValues) expect(text).toContain(value);
      expect(JSON.parse(text)).toMatchObject({ cart: ['tea'], other: 1, theme: 'light' });
    });

    it('takeFlashMessages removes messages atomically (each id to one caller), keeping the TTL and the text of everything else', async () => {
      const store = await newStore();
      const key = `${store.prefix}s9`;
      const cookieJson = JSON.stringify(sessionRecord().cookie);
      const flash = '{"m1":{"key":"notice","value":"one"}, "m2" : {"key":"error","value":[ 2 ]}}';
      await target.inspector.set(key, `{"cookie":${cookieJson},"big":12345678901234567890123,"__flash":${flash},"after": { "x" : 1 }}`, 'EX', 3600);
      const [first, second] = await Promise.all([store.takeFlashMessages('s9', ['m1', 'unknown']), store.takeFlashMessages('s9', ['m1'])]);
      expect([first, second].sort((a, b) => b!.length - a!.length)).toEqual([['m1'], []]);
      expect(await target.inspector.get(key)).toBe(`{"cookie":${cookieJson},"big":12345678901234567890123,"__flash":{"m2":{"key":"error","value":[ 2 ]}},"after":{ "x" : 1 }}`);
      expect(await store.takeFlashMessages('s9', ['m2'])).toEqual(['m2']);
      expect(await target.inspector.get(key)).toBe(`{"cookie":${cookieJson},"big":12345678901234567890123,"after":{ "x" : 1 }}`);
      expect(await target.inspector.ttl(key)).toBeGreaterThan(3500);
      expect(await store.takeFlashMessages('missing', ['m1'])).toEqual([]);
      expect(await target.inspector.exists(`${store.prefix}missing`)).toBe(0);
    });

    it('merge adds and removes flash messages one by one, keeping those other requests added', async () => {
      const store = await newStore();
      const message = (value: string) => ({ key: 'notice', value });
      await store.set('s10', sessionRecord({ __flash: { m1: message('one'), m4: message('four') } }), { mode: 'create' });
      const flash = { added: new Map([['m3', JSON.stringify(message('three'))]]), removed: ['m1'] };
      const write = sessionRecord({ __flash: { m2: message('two'), m3: message('three') } });
      expect(await store.merge('s10', write, { ...changes({ __flash: write.__flash }), flash })).toBe(true);
      expect((await store.get('s10'))!.__flash).toEqual({ m4: message('four'), m3: message('three') });
      const last = { added: new Map<string, string>(), removed: ['m3', 'm4'] };
      expect(await store.merge('s10', sessionRecord(), { ...changes({}, ['__flash']), flash: last })).toBe(true);
      expect(await store.get('s10')).not.toHaveProperty('__flash');
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
