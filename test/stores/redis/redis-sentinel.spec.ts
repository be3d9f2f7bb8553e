import { Redis } from 'ioredis';
import { RedisStore } from '../../../lib/redis.js';
import { SessionStoreUnavailableError } from '../../../lib/index.js';
import { RedisServerProcess, waitUntil } from '../../support/redis-server.js';
import { sessionRecord, uniquePrefix } from './redis-targets.js';

const MASTER_NAME = 'sessions-master';

/** Sentinel: ioredis asks a Sentinel for the master's address; the store does not know the difference. */
describe('RedisStore behind Redis Sentinel', () => {
  let master: RedisServerProcess;
  let sentinel: RedisServerProcess;

  beforeAll(async () => {
    master = await RedisServerProcess.start();
    sentinel = await RedisServerProcess.startSentinel(master.port, MASTER_NAME);
  });

  afterAll(async () => {
    await sentinel.stop();
    await master.stop();
  });

  it('works with a Sentinel client passed in', async () => {
    const client = new Redis({
      sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
      name: MASTER_NAME,
      ...RedisStore.failFastClientOptions,
    });
    // This master has no replica: waiting for one (the Sentinel default) is turned off.
    const store = new RedisStore({ client, prefix: uniquePrefix(), waitForReplicas: false });
    try {
      await store.set('via-sentinel', sessionRecord({ userId: 'alice' }));
      expect((await store.get('via-sentinel'))?.userId).toBe('alice');
      // It really is the master's data.
      const direct = new Redis(master.port, '127.0.0.1');
      expect(await direct.exists(`${store.prefix}via-sentinel`)).toBe(1);
      direct.disconnect();
    } finally {
      await store.close();
      client.disconnect();
    }
  });

  it('works with Sentinel connection options, the store creating the client', async () => {
    const store = new RedisStore({
      connection: { sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name: MASTER_NAME },
      prefix: uniquePrefix(),
      waitForReplicas: false,
    });
    try {
      await waitUntil(() => store.client.status === 'ready', 'the store found the master');
      await store.set('created', sessionRecord({ views: 3 }));
      expect((await store.get('created'))?.views).toBe(3);
    } finally {
      await store.close();
    }
  });

  it('on a Sentinel client, a write waits for a replica by default: without one it is refused (503) with a message naming the option', async () => {
    const sentinels = [{ host: '127.0.0.1', port: sentinel.port }];
    const passedIn = new Redis({ sentinels, name: MASTER_NAME, ...RedisStore.failFastClientOptions });
    const stores = [new RedisStore({ client: passedIn, prefix: uniquePrefix() }), new RedisStore({ connection: { sentinels, name: MASTER_NAME }, prefix: uniquePrefix() })];
    try {
      for (const store of stores) {
        await expect(store.set('unconfirmed', sessionRecord())).rejects.toThrow(/0 of 1 replicas confirmed.*waitForReplicas/);
        await expect(store.set('unconfirmed', sessionRecord())).rejects.toBeInstanceOf(SessionStoreUnavailableError);
      }
    } finally {
      for (const store of stores) await store.close();
      passedIn.disconnect();
    }
  });

  it('watches the Sentinels for failovers by default, and stops watching on close()', async () => {
    const store = new RedisStore({
      connection: { sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name: MASTER_NAME },
      prefix: uniquePrefix(),
    });
    const inspector = new Redis(sentinel.port, '127.0.0.1');
    // The failover detector is a subscriber to +switch-master on the Sentinel.
    const subscribers = async () => ((await inspector.call('client', 'list')) as string).split('\n').filter((line) => / sub=[1-9]/.test(line));
    try {
      await waitUntil(async () => (await subscribers()).length === 1, 'the store subscribed to failover announcements');
      await store.close();
      await waitUntil(async () => (await subscribers()).length === 0, 'close() unsubscribed');
    } finally {
      await store.close();
      inspector.disconnect();
    }
  });
});
