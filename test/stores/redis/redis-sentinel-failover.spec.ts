import { Redis } from 'ioredis';
import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { RedisStore } from '../../../lib/redis.js';
import { cookiePair, createSessionApp } from '../../support/e2e-app.js';
import { waitUntil } from '../../support/redis-server.js';
import { RedisSentinelTopology, SENTINEL_MASTER_NAME } from './redis-sentinel.js';
import { uniquePrefix } from './redis-targets.js';
import { PLATFORMS } from '../../support/platforms.js';

const SIGNED_IN_DEVICES = 5;
/** A failover, the old master's return and its demotion take well under this (~20 s here). */
const FAILOVER_LIMIT_MS = 90_000;

/** What the traffic saw acknowledged (2xx), and every acknowledgement later contradicted. */
interface Ledger {
  acknowledgedViews: number[];
  loggedOut: Set<string>;
  contradictions: string[];
}

/**
 * "Follows failovers" means: nothing a response acknowledged is undone when the old master
 * comes back. The master is frozen (SIGSTOP) while requests keep coming, the Sentinels promote
 * the replica, the old master is resumed (SIGCONT) and demoted; requests may fail (503) along
 * the way, but no acknowledged logout may come back and no acknowledged increment be lost.
 */
describe.each(PLATFORMS)('RedisStore through a Sentinel failover of a frozen master, on $name', (platform) => {
  let topology: RedisSentinelTopology;
  let client: Redis;
  let app: INestApplication;

  beforeEach(async () => {
    topology = await RedisSentinelTopology.start();
    // The Sentinel client settings of docs/redis.md.
    client = new Redis({ sentinels: topology.sentinelAddresses, name: SENTINEL_MASTER_NAME, ...RedisStore.failFastClientOptions });
    app = await createSessionApp(platform, { store: new RedisStore({ client, prefix: uniquePrefix() }), cookie: { maxAge: 60 * 60 * 1000 } });
  });

  afterEach(async () => {
    await app.close();
    client.disconnect();
    await topology.stop();
  });

  it('loses no acknowledged logout and no acknowledged increment', async () => {
    const http = request(app.getHttpServer());
    // Writes wait for a replica (the Sentinel default): it must have finished its first sync.
    await waitUntil(() => topology.isSyncedReplica(topology.replica), 'the replica is synced');
    const devices: string[] = [];
    for (let index = 0; index < SIGNED_IN_DEVICES; index++) {
      devices.push(cookiePair((await http.post(`/login?user=device-${index}`).expect(200)).headers['set-cookie'])!);
    }
    const counter = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
    await waitUntil(() => topology.isSyncedReplica(topology.replica), 'the replica has the sessions');

    const ledger: Ledger = { acknowledgedViews: [1], loggedOut: new Set(), contradictions: [] };
    const traffic = { phase: 'increments' as 'increments' | 'logouts' | 'done' };
    const trafficDone = (async () => {
      while (traffic.phase !== 'done') {
        await incrementOnce(http, counter, ledger);
        if (traffic.phase === 'logouts') await logOutEachOnce(http, devices, ledger);
        await checkLoggedOutStayOut(http, ledger);
      }
    })();

    topology.master.pause();
    const formerMasterPort = topology.master.port;
    await waitUntil(async () => (await topology.masterPortNamedBySentinels()) !== formerMasterPort, 'the Sentinels promote the replica', FAILOVER_LIMIT_MS);
    traffic.phase = 'logouts';
    topology.master.resume();
    await waitUntil(() => topology.isSyncedReplica(topology.master), 'the old master is demoted and synced', FAILOVER_LIMIT_MS);
    const viewsAtDemotion = ledger.acknowledgedViews.length;
    await waitUntil(
      () => ledger.loggedOut.size === SIGNED_IN_DEVICES && ledger.acknowledgedViews.length > viewsAtDemotion + 3,
      'every logout and a few more increments are acknowledged',
      FAILOVER_LIMIT_MS,
    );
    traffic.phase = 'done';
    await trafficDone;

    expect(ledger.contradictions).toEqual([]);
    for (const device of devices) await http.get('/me').set('Cookie', device).expect(401);
    const stored = (await http.get('/peek').set('Cookie', counter).expect(200)).body as { views: number };
    expect(stored.views).toBeGreaterThanOrEqual(ledger.acknowledgedViews.at(-1)!);
  }, 4 * FAILOVER_LIMIT_MS);
});

/** One increment; an acknowledged count must exceed every count acknowledged before it. */
async function incrementOnce(http: ReturnType<typeof request>, counter: string, ledger: Ledger): Promise<void> {
  const response = await http.get('/views').set('Cookie', counter);
  if (response.status !== 200) return;
  const views = response.body.views as number;
  const previous = ledger.acknowledgedViews.at(-1)!;
  if (views <= previous) ledger.contradictions.push(`views acknowledged as ${previous}, later as ${views}`);
  ledger.acknowledgedViews.push(views);
}

/** A logout for each device not yet logged out; those answered 200 are logged out for good. */
async function logOutEachOnce(http: ReturnType<typeof request>, devices: string[], ledger: Ledger): Promise<void> {
  for (const device of devices) {
    if (ledger.loggedOut.has(device)) continue;
    const response = await http.post('/logout').set('Cookie', device);
    if (response.status === 200) ledger.loggedOut.add(device);
  }
}

/** A device logged out must never be signed in again (401 or 503, never 200). */
async function checkLoggedOutStayOut(http: ReturnType<typeof request>, ledger: Ledger): Promise<void> {
  for (const device of ledger.loggedOut) {
    const response = await http.get('/me').set('Cookie', device);
    if (response.status === 200) ledger.contradictions.push(`a device logged out is signed in again (${response.text})`);
  }
}
