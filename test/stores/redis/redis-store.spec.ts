import { Socket } from 'node:net';
import { jest } from '@jest/globals';
import { Cluster, Command, Redis } from 'ioredis';
import { RedisStore } from '../../../lib/redis.js';
import { SessionStoreUnavailableError } from '../../../lib/index.js';
import type { SessionRecord } from '../../../lib/index.js';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import { storedCookieJson } from '../../../lib/core/session/stored-cookie-json.js';
import { RequestLoad, requestLoaderOf } from '../../../lib/core/store/request-load.js';
import { freePort, waitUntil } from '../../support/redis-server.js';
import { CollectingLogger, sessionRecord, startCluster, startSingleNode, storeOn, uniquePrefix } from './redis-targets.js';
import type { RedisTarget } from './redis-targets.js';

const ONE_HOUR_MS = 60 * 60 * 1000;

/** The same contract, against a single redis-server and against a 3-master Redis Cluster. */
describe.each([
  ['single node', startSingleNode],
  ['cluster of 3 masters', startCluster],
] as const)('RedisStore on a %s', (_name, startTarget) => {
  let target: RedisTarget;
  let redis: Redis | Cluster;
  const stores: RedisStore[] = [];

  async function newStore(options: Parameters<typeof storeOn>[1] = {}): Promise<RedisStore> {
    const store = await storeOn(target, options);
    stores.push(store);
    return store;
  }

  beforeAll(async () => {
    target = await startTarget();
    redis = target.inspector;
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  afterAll(async () => {
    await target.stop();
  });

  describe('format (connect-redis compatible)', () => {
    it('stores the session as JSON under prefix + id and reads it back', async () => {
      const store = await newStore();
      const record = sessionRecord({ userId: 'alice', cart: ['book'] });
      await store.set('abc', record);
      const storedText = await redis.get(`${store.prefix}abc`);
      expect(JSON.parse(storedText!)).toEqual(JSON.parse(JSON.stringify(record)));
      expect(await store.get('abc')).toEqual(JSON.parse(JSON.stringify(record)));
      expect(await store.get('unknown')).toBeUndefined();
    });

    it("uses connect-redis' default prefix sess:", async () => {
      const store = new RedisStore({ client: await target.newClient() });
      stores.push(store);
      expect(store.prefix).toBe('sess:');
      const sessionId = `default-prefix-${Date.now()}`;
      await store.set(sessionId, sessionRecord());
      expect(await redis.exists(`sess:${sessionId}`)).toBe(1);
      await store.destroy(sessionId);
      expect(await redis.exists(`sess:${sessionId}`)).toBe(0);
    });

    it('uses a custom serializer both ways', async () => {
      const serializer = {
        stringify: (record: SessionRecord) => Buffer.from(JSON.stringify(record)).toString('base64'),
        parse: (text: string) => JSON.parse(Buffer.from(text, 'base64').toString()),
      };
      const store = await newStore({ serializer });
      await store.set('encoded', sessionRecord({ userId: 'bob' }));
      const storedText = await redis.get(`${store.prefix}encoded`);
      expect(storedText).not.toContain('bob');
      expect((await store.get('encoded'))?.userId).toBe('bob');
    });
  });

  describe('TTL', () => {
    it("follows the cookie's expiry, in seconds", async () => {
      const store = await newStore();
      await store.set('hour', sessionRecord({}, ONE_HOUR_MS));
      const ttlSeconds = await redis.ttl(`${store.prefix}hour`);
      expect(ttlSeconds).toBeGreaterThan(3590);
      expect(ttlSeconds).toBeLessThanOrEqual(3600);
    });

    it('is one day for a browser-session cookie (no expiry), or the ttl option', async () => {
      const store = await newStore();
      await store.set('browser-session', sessionRecord({}, null));
      const defaultTtl = await redis.ttl(`${store.prefix}browser-session`);
      expect(defaultTtl).toBeGreaterThan(86_390);
      expect(defaultTtl).toBeLessThanOrEqual(86_400);

      const shortStore = await newStore({ ttl: 600 });
      await shortStore.set('browser-session', sessionRecord({}, null));
      expect(await redis.ttl(`${shortStore.prefix}browser-session`)).toBeLessThanOrEqual(600);
      // A number is only the fallback: a cookie expiry still wins.
      await shortStore.set('hour', sessionRecord({}, ONE_HOUR_MS));
      expect(await redis.ttl(`${shortStore.prefix}hour`)).toBeGreaterThan(600);
    });

    it('can be a function of the session, which then decides for every session', async () => {
      const store = await newStore({ ttl: (record) => (record.userId ? 120 : 30) });
      await store.set('member', sessionRecord({ userId: 'alice' }, ONE_HOUR_MS));
      await store.set('guest', sessionRecord({}, ONE_HOUR_MS));
      expect(await redis.ttl(`${store.prefix}member`)).toBeLessThanOrEqual(120);
      expect(await redis.ttl(`${store.prefix}member`)).toBeGreaterThan(100);
      expect(await redis.ttl(`${store.prefix}guest`)).toBeLessThanOrEqual(30);
    });

    it('deletes the key when the expiry is already past (set and touch)', async () => {
      const store = await newStore();
      await store.set('ending', sessionRecord());
      await store.set('ending', sessionRecord({}, -1000), { mode: 'update' });
      expect(await redis.exists(`${store.prefix}ending`)).toBe(0);

      await store.set('touched-late', sessionRecord());
      // Deleted: the session is no more, and the response sends no cookie for it.
      expect(await store.touch('touched-late', sessionRecord({}, -1000))).toBe(false);
      expect(await redis.exists(`${store.prefix}touched-late`)).toBe(0);
    });
  });

  describe('guarded writes', () => {
    it("'create' writes only a new key (NX)", async () => {
      const store = await newStore();
      expect(await store.set('fresh', sessionRecord({ views: 1 }), { mode: 'create' })).toBe(true);
      expect((await store.get('fresh'))?.views).toBe(1);
      // Refused, and said so: the core then knows the id is taken.
      expect(await store.set('fresh', sessionRecord({ views: 2 }), { mode: 'create' })).toBe(false);
      expect((await store.get('fresh'))?.views).toBe(1);
    });

    it("'update' writes only an existing key (XX): a destroyed session is not brought back", async () => {
      const store = await newStore();
      await store.set('loaded', sessionRecord({ views: 1 }));
      await store.set('loaded', sessionRecord({ views: 2 }), { mode: 'update' });
      expect((await store.get('loaded'))?.views).toBe(2);
      await store.destroy('loaded');
      expect(await store.set('loaded', sessionRecord({ views: 3 }), { mode: 'update' })).toBe(false);
      expect(await redis.exists(`${store.prefix}loaded`)).toBe(0);
    });

    it("'upsert' (the default) writes either way", async () => {
      const store = await newStore();
      await store.set('either', sessionRecord({ views: 1 }));
      await store.set('either', sessionRecord({ views: 2 }));
      expect((await store.get('either'))?.views).toBe(2);
    });
  });

  describe('touch', () => {
    it('extends the expiry without rewriting the value', async () => {
      const store = await newStore();
      await store.set('kept', sessionRecord({ views: 1 }, 60_000));
      // Changed behind the store's back: a rewrite by touch would undo this.
      const plantedText = JSON.stringify(sessionRecord({ views: 99 }, 60_000));
      await redis.set(`${store.prefix}kept`, plantedText, 'KEEPTTL');
      await store.touch('kept', sessionRecord({ views: 1 }, ONE_HOUR_MS));
      expect(await redis.get(`${store.prefix}kept`)).toBe(plantedText);
      expect(await redis.ttl(`${store.prefix}kept`)).toBeGreaterThan(3590);
    });

    it('does not create a session that is gone, and says so (EXPIRE answered 0)', async () => {
      const store = await newStore();
      expect(await store.touch('gone', sessionRecord())).toBe(false);
      expect(await redis.exists(`${store.prefix}gone`)).toBe(0);
      await store.set('here', sessionRecord());
      expect(await store.touch('here', sessionRecord())).toBe(true);
    });

    it('returns the value as stored, with the cookie expiry of its last save (as connect-redis)', async () => {
      const store = await newStore();
      const staleText = JSON.stringify(sessionRecord({}, -60_000));
      await redis.set(`${store.prefix}own-ttl`, staleText, 'EX', 3600);
      expect(await store.get('own-ttl')).toEqual(JSON.parse(staleText));
    });
  });

  describe('take', () => {
    it('removes the session and returns it, once: a second take finds nothing', async () => {
      const store = await newStore();
      await store.set('taken', sessionRecord({ views: 3 }));
      expect(await store.take('taken')).toMatchObject({ views: 3 });
      expect(await redis.exists(`${store.prefix}taken`)).toBe(0);
      expect(await store.take('taken')).toBeUndefined();
    });

    it('reads the value with a custom serializer', async () => {
      const serializer = { stringify: (record: object) => 'v1:' + JSON.stringify(record), parse: (text: string) => JSON.parse(text.slice(3)) };
      const store = await newStore({ serializer });
      await store.set('custom', sessionRecord({ views: 4 }));
      expect(await store.take('custom')).toMatchObject({ views: 4 });
    });

    it('removes unreadable data (a key of another type, text that is not a session) and reports no session, logged without the id', async () => {
      const logger = new CollectingLogger();
      const store = await newStore({ logger });
      await redis.hset(`${store.prefix}hashed-session-id-0123456789`, 'field', 'value');
      await redis.set(`${store.prefix}corrupted-session-id-0123456789`, '{"hello":"world"}', 'EX', 600);
      expect(await store.take('hashed-session-id-0123456789')).toBeUndefined();
      expect(await store.take('corrupted-session-id-0123456789')).toBeUndefined();
      expect(await redis.exists(`${store.prefix}hashed-session-id-0123456789`)).toBe(0);
      expect(await redis.exists(`${store.prefix}corrupted-session-id-0123456789`)).toBe(0);
      expect(logger.messages).toHaveLength(2);
      expect(logger.messages.join('\n')).not.toContain('session-id-0123456789');
    });
  });

  describe('listing with SCAN on every master', () => {
    const sessionCount = 40;

    async function storeWithSessions(prefix = uniquePrefix()): Promise<RedisStore> {
      const store = await newStore({ prefix, scanCount: 7 });
      for (let index = 0; index < sessionCount; index++) {
        await store.set(`id-${index}`, sessionRecord({ index }));
      }
      // A key of someone else, just outside the prefix.
      await redis.set(`${prefix.slice(0, -1)}-other:id-0`, 'not ours', 'EX', 600);
      return store;
    }

    it('ids, length and all see every session (and nothing else)', async () => {
      const store = await storeWithSessions();
      const expectedIds = Array.from({ length: sessionCount }, (_, index) => `id-${index}`).sort();
      expect((await store.ids()).sort()).toEqual(expectedIds);
      expect(await store.length()).toBe(sessionCount);
      if (redis.isCluster) {
        // The point of walking every master: the sessions really are spread over them.
        const keysPerMaster = await Promise.all(
          (redis as Cluster).nodes('master').map(async (master) => (await master.scan('0', 'MATCH', `${store.prefix}*`, 'COUNT', 1000))[1].length),
        );
        expect(keysPerMaster.filter((count) => count > 0).length).toBeGreaterThan(1);
      }
      const sessions = await store.all();
      expect(Object.keys(sessions).sort()).toEqual(expectedIds);
      expect(sessions['id-7']?.index).toBe(7);
    });

    it('clear deletes every session and only them', async () => {
      const prefix = uniquePrefix();
      const store = await storeWithSessions(prefix);
      await store.clear();
      expect(await store.length()).toBe(0);
      expect(await redis.get(`${prefix.slice(0, -1)}-other:id-0`)).toBe('not ours');
    });

    it('treats glob characters in the prefix literally', async () => {
      const base = uniquePrefix();
      const store = await newStore({ prefix: `${base}[a]*?:` });
      await store.set('one', sessionRecord());
      await redis.set(`${base}a-lookalike:two`, JSON.stringify(sessionRecord()), 'EX', 600);
      expect(await store.ids()).toEqual(['one']);
    });

    it('all() skips data that is not a session, and logs it', async () => {
      const logger = new CollectingLogger();
      const store = await newStore({ logger });
      await store.set('good', sessionRecord());
      await redis.set(`${store.prefix}bad`, '{not json', 'EX', 600);
      expect(Object.keys(await store.all())).toEqual(['good']);
      expect(logger.messages.join('\n')).toContain('does not parse');
    });
  });

  describe('unreadable data', () => {
    let logger: CollectingLogger;
    let store: RedisStore;

    beforeEach(async () => {
      logger = new CollectingLogger();
      store = await newStore({ logger });
    });

    it.each([
      ['text that is not JSON', '{"cookie":'],
      ['JSON that is not a session', '{"hello":"world"}'],
      ['a JSON array', '[1,2,3]'],
      ['JSON null', 'null'],
    ])('%s reads as no session, and is logged without the full id', async (_kind, storedText) => {
      const sessionId = 'corrupted-session-id-0123456789';
      await redis.set(`${store.prefix}${sessionId}`, storedText, 'EX', 600);
      expect(await store.get(sessionId)).toBeUndefined();
      expect(logger.messages).toHaveLength(1);
      expect(logger.messages[0]).toContain('starts a new session');
      expect(logger.messages[0]).not.toContain(sessionId);
    });

    it('a key of another type (a hash) reads as no session, and is logged', async () => {
      await redis.hset(`${store.prefix}hashed`, 'field', 'value');
      expect(await store.get('hashed')).toBeUndefined();
      expect(logger.messages[0]).toContain('non-string value');
    });
  });
});

/** How the store sends its commands: below ioredis' methods when the client is of the store's ioredis copy. */
describe('RedisStore commands on an auto-pipelining client (failFastClientOptions)', () => {
  let target: RedisTarget;

  beforeAll(async () => {
    target = await startSingleNode();
  });

  afterAll(async () => {
    await target.stop();
  });

  it("sends the store's commands straight to the connection, not into the client's auto-pipeline", async () => {
    const client = (await target.newClient()) as Redis;
    const store = new RedisStore({ client, prefix: uniquePrefix() });
    await store.set('s1', sessionRecord({ userId: 'ada' }));
    const loaded = store.get('s1');
    expect(client.autoPipelineQueueSize).toBe(0);
    // The client's own methods would have waited in the auto-pipeline.
    const direct = client.get(`${store.prefix}s1`);
    expect(client.autoPipelineQueueSize).toBe(1);
    expect(await loaded).toMatchObject({ userId: 'ada' });
    expect(JSON.parse((await direct)!)).toMatchObject({ userId: 'ada' });
    await store.close();
  });

  it('sends the commands of one turn of the event loop in one socket write, and each later turn its own', async () => {
    const client = (await target.newClient()) as Redis;
    const store = new RedisStore({ client, prefix: uniquePrefix() });
    await store.set('s1', sessionRecord({ userId: 'ada' }));
    await store.set('s2', sessionRecord({ userId: 'grace' }));
    // What reaches the kernel: Node's socket hands each write to `_write` (the store's batch
    // arrives there as one string), or a batch of chunks to `_writev`.
    const socket = client.stream as unknown as { _write: (chunk: unknown, ...rest: unknown[]) => unknown };
    /** Per write, the commands in it (each begins `*<parts>\r\n$`). */
    const writes: number[] = [];
    const commandsIn = (text: string) => text.match(/\*\d+\r\n\$/g)?.length ?? 0;
    const write = socket._write;
    socket._write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
      writes.push(commandsIn(String(chunk)));
      return write.call(this, chunk, ...rest);
    };
    try {
      const firstTurn = [store.get('s1'), store.get('s2'), store.get('unknown')];
      expect(await Promise.all(firstTurn)).toEqual([expect.objectContaining({ userId: 'ada' }), expect.objectContaining({ userId: 'grace' }), undefined]);
      expect(writes).toEqual([3]);
      expect(await store.get('s1')).toMatchObject({ userId: 'ada' });
      expect(writes).toEqual([3, 1]);
    } finally {
      socket._write = write;
      await store.close();
    }
  });

  it("writes a turn's batch through the socket's own writev when another user of the client wrote a Buffer in it", async () => {
    const client = (await target.newClient()) as Redis;
    const store = new RedisStore({ client, prefix: uniquePrefix() });
    await store.set('s1', sessionRecord({ userId: 'ada' }));
    const socketWritev = jest.spyOn(Socket.prototype, '_writev');
    try {
      const bytes = Buffer.from([0xff, 0x00, 0x0d, 0x0a]);
      const loaded = store.get('s1');
      // A command of the client's own in buffer mode, written straight away in the same turn.
      const stored = client.sendCommand(new Command('set', [`${store.prefix}bytes`, bytes], { replyEncoding: 'utf8' }));
      expect(await Promise.all([loaded, stored, store.get('s1')])).toEqual([expect.objectContaining({ userId: 'ada' }), 'OK', expect.objectContaining({ userId: 'ada' })]);
      expect(socketWritev).toHaveBeenCalledTimes(1);
      expect(await client.getBuffer(`${store.prefix}bytes`)).toEqual(bytes);
    } finally {
      socketWritev.mockRestore();
      await client.del(`${store.prefix}bytes`);
      await store.close();
    }
  });

  it("hands ioredis its arguments as text, flat already: nothing goes through Command's args.flat()", async () => {
    const client = (await target.newClient()) as Redis;
    const store = new RedisStore({ client, prefix: uniquePrefix() });
    const flat = jest.spyOn(Array.prototype, 'flat');
    try {
      const record = sessionRecord({ userId: 'ada' }, 60 * 60 * 1000);
      expect(await store.set('s1', record, { mode: 'create' })).toBe(true);
      const loaded = (await store.get('s1'))!;
      const changes = { setKeys: new Map([['cart', '["tea"]']]), deletedKeys: [], baseRecord: loaded, baseDataJson: '{"userId":"ada"}' };
      expect(await store.merge('s1', { ...loaded, cart: ['tea'] }, changes)).toBe(true);
      expect(await store.touch('s1', record)).toBe(true);
      expect(await store.get('s1')).toMatchObject({ userId: 'ada', cart: ['tea'] });
      await store.destroy('s1');
      expect(await store.get('s1')).toBeUndefined();
      expect(flat.mock.contexts.filter((array) => (array as unknown[]).length > 0)).toEqual([]);
      // The TTL, a number, is sent as its digits.
      await store.set('s2', record);
      expect(await client.ttl(`${store.prefix}s2`)).toBeGreaterThan(3590);
    } finally {
      flat.mockRestore();
      await store.close();
    }
  });

  it("bounds its commands by its own deadline only: ioredis starts no commandTimeout timer per command", async () => {
    const client = (await target.newClient()) as Redis;
    expect(client.options.commandTimeout).toBe(RedisStore.failFastClientOptions.commandTimeout);
    const store = new RedisStore({ client, prefix: uniquePrefix() });
    const commandTimer = jest.spyOn(Command.prototype, 'setTimeout');
    try {
      await store.set('s1', sessionRecord({ userId: 'ada' }));
      expect(await store.get('s1')).toMatchObject({ userId: 'ada' });
      expect(commandTimer).not.toHaveBeenCalled();
      // The client's own commands keep theirs.
      await client.get(`${store.prefix}s1`);
      expect(commandTimer).toHaveBeenCalled();
    } finally {
      commandTimer.mockRestore();
      await store.close();
    }
  });

  it("loads for a request a session it wrote without JSON.parse (RequestLoad), get() still as JSON.parse gives it", async () => {
    const client = (await target.newClient()) as Redis;
    const store = new RedisStore({ client, prefix: uniquePrefix() });
    const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, domain: undefined, sameSite: 'lax', partitioned: undefined, priority: undefined, maxAge: 60_000 });
    const record = { cookie: cookie.toJSON(), counter: 1 };
    // The form of the cookies this process writes, as a session's save makes it known.
    storedCookieJson(record.cookie);
    await store.set('s1', record);
    const loadForRequest = requestLoaderOf(store)!;
    // A form's attributes are parsed and checked at its first read only.
    await loadForRequest('s1');
    const parse = jest.spyOn(JSON, 'parse');
    let loaded: unknown;
    try {
      loaded = await loadForRequest('s1');
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    expect(loaded).toBeInstanceOf(RequestLoad);
    const { record: loadedRecord, dataJson, cookie: loadedCookie } = loaded as RequestLoad;
    expect(loadedRecord).toMatchObject({ counter: 1 });
    expect(dataJson).toBe('{"counter":1}');
    expect(loadedCookie.toJSON('')).toEqual(cookie.toJSON(''));
    expect(await loadForRequest('unknown')).toBeUndefined();
    // A merge over the loaded text writes it whole, as for a record get() read.
    const changes = { setKeys: new Map([['counter', '2']]), deletedKeys: [], baseRecord: loadedRecord, baseDataJson: dataJson };
    expect(await store.merge('s1', { ...record, counter: 2 }, changes)).toBe(true);
    expect(await store.get('s1')).toEqual(JSON.parse(JSON.stringify({ ...record, counter: 2 })));
    // Text it did not write is read by get().
    await client.set(`${store.prefix}s2`, JSON.stringify({ cookie: { ...cookie.toJSON(''), path: '/other' }, counter: 1 }));
    expect(await loadForRequest('s2')).toMatchObject({ cookie: { path: '/other' }, counter: 1 });
    // An instance that overrides get() has every load go through it.
    store.get = async () => undefined;
    expect(requestLoaderOf(store)).toBeUndefined();
    await store.close();
  });

  it('still sends its commands when a test has faked the global timers', async () => {
    const client = (await target.newClient()) as Redis;
    const store = new RedisStore({ client, prefix: uniquePrefix() });
    await store.set('s1', sessionRecord({ userId: 'ada' }));
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    try {
      expect(await store.get('s1')).toMatchObject({ userId: 'ada' });
    } finally {
      jest.useRealTimers();
      await store.close();
    }
  });

  it('works through the client\'s own methods when the client is not of the ioredis copy the store loads', async () => {
    const client = (await target.newClient()) as Redis;
    // Another copy's client is no instance of the store's Redis or Cluster classes.
    const otherCopyClient = new Proxy(client, { getPrototypeOf: () => Object.prototype });
    expect(otherCopyClient instanceof Redis).toBe(false);
    const store = new RedisStore({ client: otherCopyClient, prefix: uniquePrefix() });
    expect(await store.set('s1', sessionRecord({ userId: 'ada' }), { mode: 'create' })).toBe(true);
    const loaded = store.get('s1');
    expect(client.autoPipelineQueueSize).toBe(1);
    const record = (await loaded)!;
    expect(record).toMatchObject({ userId: 'ada' });
    const changes = { setKeys: new Map([['cart', '["tea"]']]), deletedKeys: [], baseRecord: record, baseDataJson: '{"userId":"ada"}' };
    expect(await store.merge('s1', { ...record, userId: 'ada', cart: ['tea'] }, changes)).toBe(true);
    expect(await store.get('s1')).toMatchObject({ userId: 'ada', cart: ['tea'] });
    expect(await store.touch('s1', record)).toBe(true);
    await store.destroy('s1');
    expect(await store.get('s1')).toBeUndefined();
    await store.close();
  });
});

/** What SessionModule waits for at start-up, so that an app's first requests find the connection open. */
describe('RedisStore.whenReady', () => {
  let single: Awaited<ReturnType<typeof startSingleNode>>;
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  const clients: Array<Redis | Cluster> = [];

  beforeAll(async () => {
    single = await startSingleNode();
    cluster = await startCluster();
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  afterAll(async () => {
    await single.stop();
    await cluster.stop();
  });

  function storeOnClient(client: Redis | Cluster): RedisStore {
    clients.push(client);
    return new RedisStore({ client, prefix: uniquePrefix() });
  }

  it.each([
    ['a single node', () => new Redis(single.server.port, '127.0.0.1', { ...RedisStore.failFastClientOptions })],
    ['a Cluster', () => new Cluster(cluster.cluster.nodes, { redisOptions: { ...RedisStore.failFastClientOptions } })],
  ])('resolves once the client, still connecting to %s, is ready', async (_name, connect) => {
    const client = connect();
    const store = storeOnClient(client);
    expect(client.status).not.toBe('ready');
    await store.whenReady();
    expect(client.status).toBe('ready');
    await store.whenReady();
  });

  it('resolves at once for a lazyConnect client, which connects with its first command', async () => {
    const client = new Redis(single.server.port, '127.0.0.1', { ...RedisStore.failFastClientOptions, lazyConnect: true });
    await storeOnClient(client).whenReady();
    expect(client.status).toBe('wait');
  });

  it('rejects with SessionStoreUnavailableError when the client cannot connect, and at once while it reconnects or once it has ended', async () => {
    // disconnectTimeout: ioredis otherwise keeps a 2 s timer for the stream that already closed.
    const client = new Redis(await freePort(), '127.0.0.1', { ...RedisStore.failFastClientOptions, disconnectTimeout: 10 });
    const store = storeOnClient(client);
    await expect(store.whenReady()).rejects.toThrow(SessionStoreUnavailableError);
    await waitUntil(() => client.status === 'reconnecting', 'the client is reconnecting');
    await expect(store.whenReady()).rejects.toThrow('Redis is not reachable (client status reconnecting)');
    const ended = new Redis(single.server.port, '127.0.0.1', { ...RedisStore.failFastClientOptions, lazyConnect: true });
    ended.disconnect();
    await expect(storeOnClient(ended).whenReady()).rejects.toThrow('Redis is not reachable (client status end)');
  });
});
