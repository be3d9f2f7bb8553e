import { once } from 'node:events';
import { Cluster, Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { SessionOptionsError, SessionStoreUnavailableError } from '../../../lib/index.js';
import { RedisStore } from '../../../lib/redis.js';
import { RedisServerProcess, freePort, waitUntil } from '../../support/redis-server.js';
import { CollectingLogger, sessionRecord, uniquePrefix } from './redis-targets.js';

/** Small, so that a test against a frozen server settles quickly; the bound is what is tested. */
const COMMAND_TIMEOUT_MS = 300;

/** What the store does when its redis-server is killed, frozen or absent, and when it comes back. */
describe('RedisStore when Redis misbehaves', () => {
  let server: RedisServerProcess;
  const stores: RedisStore[] = [];
  const clients: Redis[] = [];

  function ownStore(extra: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}): RedisStore {
    const store = new RedisStore({
      url: server.url,
      connection: { commandTimeout: COMMAND_TIMEOUT_MS },
      prefix: uniquePrefix(),
      logger: new CollectingLogger(),
      ...extra,
    });
    stores.push(store);
    return store;
  }

  async function readyClient(options: RedisOptions = {}): Promise<Redis> {
    const client = new Redis(server.port, '127.0.0.1', options);
    client.on('error', () => {});
    clients.push(client);
    await waitUntil(() => client.status === 'ready', 'the client is ready');
    return client;
  }

  beforeAll(async () => {
    server = await RedisServerProcess.start();
  });

  afterEach(async () => {
    server.resume();
    if (!server.isRunning) await server.restart();
    await Promise.all(stores.splice(0).map((store) => store.close()));
    for (const client of clients.splice(0)) client.disconnect();
  });

  afterAll(async () => {
    await server.stop();
  });

  it("emits 'disconnect' when Redis dies, fails at once while it is down, and 'connect' when it is back", async () => {
    const store = ownStore();
    await store.set('before', sessionRecord({ views: 1 }));
    const disconnected = once(store, 'disconnect');
    await server.kill();
    await disconnected;
    expect(store.isConnected).toBe(false);
    await expect(store.get('before')).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    await expect(store.set('new', sessionRecord())).rejects.toThrow(/Redis is unavailable/);
    // Nothing waits in ioredis' offline queue for a server that is gone.
    expect((store.client as unknown as { offlineQueue: { length: number } }).offlineQueue.length).toBe(0);

    const connected = once(store, 'connect');
    await server.restart();
    await connected;
    await store.set('after', sessionRecord({ views: 2 }));
    expect((await store.get('after'))?.views).toBe(2);
  });

  it('a frozen Redis (connection open, no answer) fails commands within the command timeout, as 503 errors', async () => {
    const store = ownStore();
    await store.set('frozen', sessionRecord());
    server.pause();
    await expect(store.get('frozen')).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    await expect(store.set('frozen', sessionRecord(), { mode: 'update' })).rejects.toThrow(/Command timed out/);
    server.resume();
    expect(await store.get('frozen')).toBeDefined();
  });

  it('with failFastClientOptions as they are, a command sent while another waits on a frozen Redis still fails within the 2 s commandTimeout', async () => {
    const store = new RedisStore({ url: server.url, prefix: uniquePrefix(), logger: new CollectingLogger() });
    stores.push(store);
    await store.set('frozen', sessionRecord());
    server.pause();
    const first = store.get('frozen').catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // A second request's command. Auto-pipelined, it waits behind the stuck first one before
    // ioredis starts its timer (about 3.9 s here): the store's own deadline bounds it.
    const sentAt = Date.now();
    const secondError = await store.get('frozen').catch((error: unknown) => error);
    const waitedMs = Date.now() - sentAt;
    expect(secondError).toBeInstanceOf(SessionStoreUnavailableError);
    expect(await first).toBeInstanceOf(SessionStoreUnavailableError);
    // A bound with a generous margin, not a speed measurement.
    expect(waitedMs).toBeLessThan(RedisStore.failFastClientOptions.commandTimeout! + 1_000);
  }, 15_000);

  it("a client passed in with auto-pipelining is bounded by that client's own commandTimeout", async () => {
    const commandTimeoutMs = 1_000;
    const client = await readyClient({ commandTimeout: commandTimeoutMs, enableAutoPipelining: true });
    const store = new RedisStore({ client, prefix: uniquePrefix(), logger: new CollectingLogger() });
    stores.push(store);
    await store.set('frozen', sessionRecord());
    server.pause();
    const first = store.get('frozen').catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Queued behind the first: ioredis alone would fail it about 1.5 s from now.
    const sentAt = Date.now();
    const secondError = await store.touch('frozen', sessionRecord()).catch((error: unknown) => error);
    const waitedMs = Date.now() - sentAt;
    expect(secondError).toBeInstanceOf(SessionStoreUnavailableError);
    expect((secondError as Error).message).toMatch(/could not touch the session: Command timed out/);
    expect(await first).toBeInstanceOf(SessionStoreUnavailableError);
    // A bound with a margin, not a speed measurement.
    expect(waitedMs).toBeLessThan(commandTimeoutMs + 400);
  }, 10_000);

  it("a client passed in with ioredis' defaults still fails at once once the store saw the connection drop", async () => {
    const client = await readyClient();
    const store = new RedisStore({ client, prefix: uniquePrefix(), logger: new CollectingLogger() });
    stores.push(store);
    const disconnected = once(store, 'disconnect');
    await server.kill();
    await disconnected;
    // With ioredis' defaults alone this GET would wait for 20 reconnection attempts (about 73 s).
    await expect(store.get('any')).rejects.toBeInstanceOf(SessionStoreUnavailableError);
  }, 10_000);

  it('starting while Redis is unreachable reports the store disconnected, and commands fail fast', async () => {
    const logger = new CollectingLogger();
    const store = new RedisStore({ url: `redis://127.0.0.1:${await freePort()}`, logger });
    stores.push(store);
    await once(store, 'disconnect');
    await expect(store.get('any')).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    expect(logger.messages.join('\n')).toMatch(/lost its connection to Redis \(.*ECONNREFUSED/);
  });

  it('a write that arrives late (after its timeout) cannot resurrect a session destroyed meanwhile', async () => {
    // Instance A's connection is held up server-side: Redis runs a connection's commands in
    // order, so its SET waits behind a blocking BLPOP, times out client-side, but is not cancelled.
    const prefix = uniquePrefix();
    const slowClient = await readyClient({ commandTimeout: COMMAND_TIMEOUT_MS });
    const storeA = new RedisStore({ client: slowClient, prefix });
    const clientB = await readyClient();
    const storeB = new RedisStore({ client: clientB, prefix });
    stores.push(storeA, storeB);
    const releaseKey = `${prefix}release`;

    await storeB.set('victim', sessionRecord({ userId: 'alice' }));
    for (const mode of ['update', 'upsert'] as const) {
      slowClient.blpop(releaseKey, 0).catch(() => {});
      await expect(storeA.set('victim', sessionRecord({ userId: 'alice', views: 2 }), { mode })).rejects.toThrow(/timed out/);
      await storeB.destroy('victim'); // logout, on another instance
      await clientB.lpush(releaseKey, 'go');
      await slowClient.ping(); // answered once the late SET has run
      if (mode === 'update') {
        expect(await storeB.get('victim')).toBeUndefined();
      } else {
        // Control: an unguarded write would have brought the session back.
        expect((await storeB.get('victim'))?.userId).toBe('alice');
      }
    }
  });

  it('a master that lost its replicas (min-replicas-to-write) refuses writes: 503, not 500', async () => {
    const isolatedMaster = await RedisServerProcess.start(['--min-replicas-to-write', '1']);
    const store = new RedisStore({ url: isolatedMaster.url, prefix: uniquePrefix(), logger: new CollectingLogger() });
    try {
      await expect(store.set('refused', sessionRecord())).rejects.toThrow(SessionStoreUnavailableError);
      await expect(store.destroy('refused')).rejects.toThrow(/NOREPLICAS/);
    } finally {
      await store.close();
      await isolatedMaster.stop();
    }
  });

  it('with waitForReplicas, a write counts as done only once a replica confirms it', async () => {
    const master = await RedisServerProcess.start();
    const replica = await RedisServerProcess.start(['--replicaof', '127.0.0.1', String(master.port)]);
    const replicaClient = new Redis(replica.port, '127.0.0.1');
    const prefix = uniquePrefix();
    // A confirmation is awaited up to 5 s (a loaded machine), a refusal only 300 ms.
    const confirming = new RedisStore({ url: master.url, prefix, waitForReplicas: { replicas: 1, timeoutMs: 5_000 }, logger: new CollectingLogger() });
    const waiting = new RedisStore({ url: master.url, prefix, waitForReplicas: { replicas: 1, timeoutMs: 300 }, logger: new CollectingLogger() });
    const unguarded = new RedisStore({ url: master.url, prefix, logger: new CollectingLogger() });
    try {
      await waitUntil(async () => (await replicaClient.info('replication')).includes('master_link_status:up'), 'the replica is synced');
      await confirming.set('confirmed', sessionRecord({ userId: 'ada' }), { owner: 'ada' });
      expect(await replicaClient.get(`${prefix}confirmed`)).toContain('ada');
      replica.pause();
      // The master takes the writes, but no replica has them: not acknowledged.
      await expect(waiting.set('unconfirmed', sessionRecord())).rejects.toThrow(/0 of 1 replicas confirmed/);
      await expect(waiting.destroy('confirmed')).rejects.toThrow(SessionStoreUnavailableError);
      await expect(waiting.touch('confirmed', sessionRecord())).rejects.toThrow(SessionStoreUnavailableError);
      // Control: without the option the same write is acknowledged at once.
      await expect(unguarded.set('unconfirmed', sessionRecord())).resolves.toBe(true);
      replica.resume();
      await expect(confirming.destroy('unconfirmed')).resolves.toBeUndefined();
    } finally {
      await Promise.all([confirming.close(), waiting.close(), unguarded.close()]);
      replicaClient.disconnect();
      await replica.stop();
      await master.stop();
    }
  });

  it('close() quits a client the store created and leaves a passed-in client open', async () => {
    const ownedStore = ownStore();
    const passedClient = await readyClient();
    const borrowingStore = new RedisStore({ client: passedClient });
    await waitUntil(() => ownedStore.client.status === 'ready', 'the store client is ready');
    await ownedStore.close();
    await borrowingStore.close();
    expect(ownedStore.client.status).toBe('end');
    expect(passedClient.status).toBe('ready');
    expect(await passedClient.ping()).toBe('PONG');
  });

  describe('options', () => {
    it.each([
      ['no client, url or connection', {}, 'RedisStore.client'],
      ['both a client and a url', { client: new Redis({ lazyConnect: true }), url: 'redis://x' }, 'RedisStore.client'],
      ['something that is not an ioredis client', { client: {} }, 'RedisStore.client'],
      ["a client with ioredis' keyPrefix", { client: new Redis({ lazyConnect: true, keyPrefix: 'app:' }) }, 'RedisStore.client'],
      ['a ttl of zero', { url: 'redis://127.0.0.1:1', ttl: 0 }, 'RedisStore.ttl'],
      ['a ttl in fractions of seconds', { url: 'redis://127.0.0.1:1', ttl: 1.5 }, 'RedisStore.ttl'],
      ['a serializer without parse', { url: 'redis://127.0.0.1:1', serializer: { stringify: JSON.stringify } }, 'RedisStore.serializer'],
      ['a prefix that is not a string', { url: 'redis://127.0.0.1:1', prefix: 1 }, 'RedisStore.prefix'],
      ['a scanCount of zero', { url: 'redis://127.0.0.1:1', scanCount: 0 }, 'RedisStore.scanCount'],
      ['a url that is not a string', { url: 6379 }, 'RedisStore.url'],
      ['a logger without warn (the first connection change would throw in a client event)', { url: 'redis://127.0.0.1:1', logger: {} }, 'RedisStore.logger'],
      ['waitForReplicas without a timeout', { url: 'redis://127.0.0.1:1', waitForReplicas: { replicas: 1 } }, 'RedisStore.waitForReplicas'],
      ['waitForReplicas on a Cluster client', { client: new Cluster([], { lazyConnect: true }), waitForReplicas: { replicas: 1, timeoutMs: 100 } }, 'RedisStore.waitForReplicas'],
    ])('rejects %s, naming the option', (_case, options, option) => {
      let thrown: unknown;
      try {
        stores.push(new RedisStore(options as ConstructorParameters<typeof RedisStore>[0]));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SessionOptionsError);
      expect((thrown as SessionOptionsError).option).toBe(option);
    });
  });
});
