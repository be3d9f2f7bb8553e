import { Redis } from 'ioredis';
import type { Cluster } from 'ioredis';
import { SessionOptionsError, UserSessions } from '../../../lib/index.js';
import { RedisStore } from '../../../lib/redis.js';
import { describeFlashOverHttp } from '../../support/flash-app.js';
import { sessionCookie } from '../../../lib/testing.js';
import { sessionIdOf } from '../../support/e2e-app.js';
import { recordSessionEvents } from '../../support/session-events.js';
import { createUserSessionsApp, describeUserSessionsOverHttp } from '../../support/user-sessions-app.js';
import { sessionRecord, startCluster, startSingleNode, storeOn, uniquePrefix } from './redis-targets.js';
import type { RedisTarget } from './redis-targets.js';
import { EXPRESS } from '../../support/platforms.js';

const ONE_HOUR_MS = 60 * 60 * 1000;

/** Sessions of a user, flash messages, the testing helper and events, on RedisStore. */
describe.each([
  ['single node', startSingleNode],
  ['cluster of 3 masters', startCluster],
] as const)('session features on RedisStore, %s', (_name, startTarget) => {
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

  it('keeps one sorted set per owner, beside the connect-redis keys, expiring after its sessions', async () => {
    const store = await newStore();
    await store.set('s1', sessionRecord({ userId: 'alice' }, ONE_HOUR_MS), { owner: 'alice', mode: 'create' });
    await store.set('s2', sessionRecord({ userId: 'alice' }, 2 * ONE_HOUR_MS), { owner: 'alice', mode: 'create' });
    expect((await store.ownerSessionIds('alice')).sort()).toEqual(['s1', 's2']);
    const indexKey = `${store.prefix}owners:alice`;
    expect(await redis.type(indexKey)).toBe('zset');
    const indexTtl = await redis.pttl(indexKey);
    const longestSessionTtl = await redis.pttl(`${store.prefix}s2`);
    // Outlives its longest session by the grace period (two minutes), no more.
    expect(indexTtl).toBeGreaterThan(longestSessionTtl);
    expect(indexTtl).toBeLessThanOrEqual(longestSessionTtl + 2 * 60 * 1000 + 2_000);
    // Listing the sessions themselves never meets the index keys.
    expect((await store.ids()).sort()).toEqual(['s1', 's2']);
    expect(Object.keys(await store.all()).sort()).toEqual(['s1', 's2']);
  });

  it("works for owners whose index keys live on different slots, without cross-slot commands", async () => {
    const store = await newStore();
    const owners = Array.from({ length: 12 }, (_unused, index) => `owner-${index}`);
    await Promise.all(
      owners.flatMap((owner) => [1, 2].map((n) => store.set(`${owner}-s${n}`, sessionRecord({ userId: owner }), { owner }))),
    );
    for (const owner of owners) expect((await store.ownerSessionIds(owner)).sort()).toEqual([`${owner}-s1`, `${owner}-s2`]);
    await store.removeFromOwnerIndex('owner-3', ['owner-3-s1']);
    expect(await store.ownerSessionIds('owner-3')).toEqual(['owner-3-s2']);
  });

  it('drops lapsed entries when a session of the same owner is saved', async () => {
    const store = await newStore();
    const indexKey = `${store.prefix}owners:bob`;
    // An entry that lapsed long ago (its session expired more than the grace period before).
    await redis.zadd(indexKey, String(Date.now() - 1_000), 'old-session');
    expect(await store.ownerSessionIds('bob')).toEqual([]);
    await store.set('new-session', sessionRecord({ userId: 'bob' }), { owner: 'bob' });
    expect(await redis.zrange(indexKey, '0', '-1')).toEqual(['new-session']);
  });

  it('records nothing for sessions without an owner', async () => {
    const store = await newStore();
    await store.set('anonymous', sessionRecord(), { owner: null });
    await store.set('unknown', sessionRecord());
    expect(await keysMatching(redis, `${store.prefix}owners:*`)).toEqual([]);
    expect(await store.ids()).toHaveLength(2);
  });

  it('refuses an index prefix every session key starts with, takes one elsewhere, and indexes with an empty prefix', async () => {
    const client = await target.newClient();
    for (const ownerIndexPrefix of ['sess:', 'sess', '']) {
      expect(() => new RedisStore({ client, prefix: 'sess:', ownerIndexPrefix })).toThrow(SessionOptionsError);
    }
    const custom = new RedisStore({ client, prefix: uniquePrefix(), ownerIndexPrefix: `${uniquePrefix()}owners:` });
    stores.push(custom);
    await custom.set('c1', sessionRecord(), { owner: 'carol' });
    expect(await custom.ownerSessionIds('carol')).toEqual(['c1']);
    const unprefixed = new RedisStore({ client, prefix: '' });
    stores.push(unprefixed);
    const [sessionId, owner] = [uniquePrefix(), uniquePrefix()];
    try {
      await unprefixed.set(sessionId, sessionRecord(), { owner });
      expect(await unprefixed.ownerSessionIds(owner)).toEqual([sessionId]);
      expect(await redis.type(`owners:${owner}`)).toBe('zset');
    } finally {
      await unprefixed.destroy(sessionId);
      await redis.del(`owners:${owner}`);
    }
  });

  it('writes every key under its prefix: sessions and owner indexes, nothing outside', async () => {
    const store = await newStore();
    const { app, http, login } = await createUserSessionsApp(EXPRESS, { store });
    try {
      const [laptop, phone, tablet] = [await login('ada'), await login('ada'), await login('grace')];
      const listed = await http.get('/devices').set('Cookie', laptop.cookie).expect(200);
      expect(listed.body.sessions).toHaveLength(2);
      await http.post(`/devices/${phone.handle}/revoke`).set('Cookie', laptop.cookie).expect(200, { revoked: true });
      await http.post('/logout').set('Cookie', tablet.cookie).expect(200);
      expect((await keysMatching(redis, `${store.prefix}*`)).sort()).toEqual(
        [`${store.prefix}${laptop.sessionId}`, `${store.prefix}owners:ada`, `${store.prefix}owners:grace`].sort(),
      );
      expect((await keysMatching(redis, 'owners:*')).filter((key) => key.includes(store.prefix))).toEqual([]);
      // Listing sessions skips the index keys beside them; clearing removes both.
      expect(await store.ids()).toEqual([laptop.sessionId]);
      expect(await store.length()).toBe(1);
      expect(Object.keys(await store.all())).toEqual([laptop.sessionId]);
      await store.clear();
      expect(await keysMatching(redis, `${store.prefix}*`)).toEqual([]);
    } finally {
      await app.close();
    }
  });

  describe('UserSessions through SessionModule', () => {
    let client: Redis | Cluster;
    beforeEach(async () => {
      client = await target.newClient();
    });
    describeUserSessionsOverHttp(EXPRESS, () => ({ store: new RedisStore({ client, prefix: uniquePrefix() }) }));
  });

  it('sessionCookie() signs a test in on RedisStore', async () => {
    const store = await newStore();
    const { app, http } = await createUserSessionsApp(EXPRESS, { store });
    try {
      const cookie = await sessionCookie(app, { userId: 'ada' });
      expect(JSON.parse((await redis.get(`${store.prefix}${sessionIdOf(cookie)}`))!)).toMatchObject({ userId: 'ada' });
      await http.get('/me').set('Cookie', cookie).expect(200, { userId: 'ada' });
      expect(await store.ownerSessionIds('ada')).toEqual([sessionIdOf(cookie)]);
    } finally {
      await app.close();
    }
  });

  it('publishes lifecycle events with handles, never ids', async () => {
    const store = await newStore();
    const { app, http, login } = await createUserSessionsApp(EXPRESS, { store });
    const recorder = recordSessionEvents();
    try {
      const device = await login('ada');
      await http.get('/me').set('Cookie', device.cookie).expect(200);
      await app.get(UserSessions).revoke('ada', device.handle);
      const ada = { sessionHandle: device.handle, ownerId: 'ada' };
      expect(recorder.events.filter((recorded) => recorded.payload.ownerId === 'ada')).toEqual([
        { event: 'created', payload: ada },
        { event: 'loaded', payload: ada },
        { event: 'touched', payload: ada },
        { event: 'revoked', payload: ada },
      ]);
      expect(JSON.stringify(recorder.events)).not.toContain(device.sessionId);
    } finally {
      recorder.stop();
      await app.close();
    }
  });

  describe('flash messages through SessionModule', () => {
    let client: Redis | Cluster;
    beforeEach(async () => {
      client = await target.newClient();
    });
    describeFlashOverHttp(EXPRESS, () => ({ store: new RedisStore({ client, prefix: uniquePrefix() }) }));
  });
});

/** Every key matching `pattern`, on every master of a cluster. */
async function keysMatching(redis: Redis | Cluster, pattern: string): Promise<string[]> {
  const servers = 'nodes' in redis && redis.isCluster ? redis.nodes('master') : [redis as Redis];
  const keys: string[] = [];
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, page] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...page);
    } while (cursor !== '0');
  }
  return [...new Set(keys)];
}

/** A Redis user that may only touch keys under one prefix (`~prefix*`), as shared Redis servers set up. */
describe('RedisStore under an ACL that allows its prefix only', () => {
  let target: Awaited<ReturnType<typeof startSingleNode>>;

  beforeAll(async () => {
    target = await startSingleNode();
  });

  afterAll(async () => {
    await target.stop();
  });

  it('signs in, lists, revokes, logs out and lists the store with no key outside `~prefix*`', async () => {
    const prefix = uniquePrefix();
    const inspector = target.inspector as Redis;
    await inspector.call('acl', 'setuser', 'sessions-only', 'on', '>sessions-password', 'resetkeys', `~${prefix}*`, '+@all');
    const client = new Redis(target.server.port, '127.0.0.1', { username: 'sessions-only', password: 'sessions-password', ...RedisStore.failFastClientOptions });
    const store = new RedisStore({ client, prefix });
    const { app, http, login } = await createUserSessionsApp(EXPRESS, { store });
    try {
      const [laptop, phone, tablet] = [await login('ada'), await login('ada'), await login('ada')];
      expect((await http.get('/devices').set('Cookie', laptop.cookie).expect(200)).body.sessions).toHaveLength(3);
      await http.post(`/devices/${phone.handle}/revoke`).set('Cookie', laptop.cookie).expect(200, { revoked: true });
      await http.post('/logout').set('Cookie', tablet.cookie).expect(200);
      await http.post('/devices/revoke-others').set('Cookie', laptop.cookie).expect(200, { count: 0 });
      await http.get('/me').set('Cookie', laptop.cookie).expect(200, { userId: 'ada' });
      expect(await store.ids()).toEqual([laptop.sessionId]);
      await http.post('/revoke-all?user=ada').expect(200, { count: 1 });
      await store.clear();
      expect(await keysMatching(inspector, `${prefix}*`)).toEqual([]);
    } finally {
      await app.close();
      client.disconnect();
      await inspector.call('acl', 'deluser', 'sessions-only');
    }
  });
});
