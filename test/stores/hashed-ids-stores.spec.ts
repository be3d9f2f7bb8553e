import type { INestApplication } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import request from 'supertest';
import type { SessionModuleOptions, SessionStore } from '../../lib/index.js';
import { hashedSessionKey } from '../../lib/core/session/session-storage-key.js';
import { MySqlStore } from '../../lib/mysql.js';
import { PostgresStore } from '../../lib/postgres.js';
import { RedisStore } from '../../lib/redis.js';
import { cookiePair, createSessionApp, sessionIdOf } from '../support/e2e-app.js';
import { EXPRESS } from '../support/platforms.js';
import { describeUserSessionsOverHttp } from '../support/user-sessions-app.js';
import { startCluster, startSingleNode, uniquePrefix } from './redis/redis-targets.js';
import type { RedisTarget } from './redis/redis-targets.js';
import { SHARED_MYSQL_URI, SHARED_POSTGRES, uniqueTableName } from './store-subjects.js';
import { RELAXED_STATEMENT_TIMEOUT_MS } from '../support/relaxed-deadline.js';

const ONE_HOUR_MS = 60 * 60 * 1000;

/** A real backend: stores on it, and everything it holds for one of them, read behind the store's back. */
interface HashedIdsTarget {
  name: string;
  open(): Promise<void>;
  close(): Promise<void>;
  newStore(): Promise<SessionStore>;
  /** Every key and value the backend holds for `store` (its entries and its owner index), as text. */
  dump(store: SessionStore): Promise<string>;
}

/** Every key containing `prefix` on every master, with its value whatever its type. */
async function redisDump(client: Redis | Cluster, prefix: string): Promise<string> {
  const nodes = 'nodes' in client && client.isCluster ? client.nodes('master') : [client as Redis];
  const dump: Record<string, unknown> = {};
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await node.type(key);
        dump[key] =
          type === 'string' ? await node.get(key)
          : type === 'zset' ? await node.zrange(key, '0', '-1')
          : type === 'set' ? await node.smembers(key)
          : type === 'hash' ? await node.hgetall(key)
          : type;
      }
    } while (cursor !== '0');
  }
  return JSON.stringify(dump);
}

function redisTarget(name: string, startTarget: () => Promise<RedisTarget>): HashedIdsTarget {
  let target: RedisTarget;
  const stores: RedisStore[] = [];
  return {
    name,
    async open() {
      target = await startTarget();
    },
    async close() {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      await target.stop();
    },
    async newStore() {
      const store = new RedisStore({ client: await target.newClient(), prefix: uniquePrefix() });
      stores.push(store);
      return store;
    },
    dump: (store) => redisDump(target.inspector, (store as RedisStore).prefix),
  };
}

/** What a SQL target needs of its driver: a pool, a store on a table, and the rows of a table. */
interface SqlDriver<Pool> {
  name: string;
  openPool(): Pool;
  endPool(pool: Pool): Promise<void>;
  newStore(pool: Pool, tableName: string): SessionStore;
  /** Runs `sql` (`SELECT * FROM t`, `DROP TABLE IF EXISTS t`) on the table, its name quoted for the server. */
  query(pool: Pool, sql: (quotedTable: string) => string, table: string): Promise<unknown[]>;
}

/** A SQL store's target: each store on a table of its own, dropped when the suite ends. */
function sqlTarget<Pool>(driver: SqlDriver<Pool>): HashedIdsTarget {
  let pool: Pool;
  const tables = new Map<SessionStore, string>();
  return {
    name: driver.name,
    async open() {
      pool = driver.openPool();
    },
    async close() {
      for (const table of tables.values()) await driver.query(pool, (quoted) => `DROP TABLE IF EXISTS ${quoted}`, table);
      await driver.endPool(pool);
    },
    async newStore() {
      const tableName = uniqueTableName('hashed');
      const store = driver.newStore(pool, tableName);
      tables.set(store, tableName);
      return store;
    },
    async dump(store) {
      const rows = await driver.query(pool, (quoted) => `SELECT * FROM ${quoted}`, tables.get(store)!);
      return JSON.stringify(rows, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('utf8') : value));
    },
  };
}

const postgresTarget = () =>
  sqlTarget<pg.Pool>({
    name: 'PostgresStore',
    openPool: () => new pg.Pool(SHARED_POSTGRES),
    endPool: (pool) => pool.end(),
    newStore: (pool, tableName) => new PostgresStore({ pool, tableName, pruneInterval: false, statementTimeout: RELAXED_STATEMENT_TIMEOUT_MS }),
    query: async (pool, sql, table) => (await pool.query(sql(`"${table}"`))).rows,
  });

const mySqlTarget = () =>
  sqlTarget<mysql.Pool>({
    name: 'MySqlStore (MariaDB)',
    openPool: () => mysql.createPool({ uri: SHARED_MYSQL_URI }),
    endPool: (pool) => pool.end(),
    newStore: (pool, tableName) => new MySqlStore({ pool, tableName, pruneInterval: false, statementTimeout: RELAXED_STATEMENT_TIMEOUT_MS }),
    query: async (pool, sql, table) => {
      const [rows] = await pool.query(sql(`\`${table}\``));
      return Array.isArray(rows) ? rows : [];
    },
  });

/** hashIds on each store: what the real backend holds, read behind the store's back. */
describe.each([
  redisTarget('RedisStore (single node)', startSingleNode),
  redisTarget('RedisStore (cluster of 3 masters)', startCluster),
  postgresTarget(),
  mySqlTarget(),
])('hashIds on $name', (target) => {
  const apps: INestApplication[] = [];

  beforeAll(() => target.open());
  afterAll(() => target.close());
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  async function start(options: Partial<SessionModuleOptions>) {
    const app = await createSessionApp(EXPRESS, { cookie: { maxAge: ONE_HOUR_MS }, closeStoreOnShutdown: false, ...options });
    apps.push(app);
    return request(app.getHttpServer());
  }

  it('holds no key or value with the raw id; sessions continue across requests; logout removes the session', async () => {
    const store = await target.newStore();
    const http = await start({ store, hashIds: true });
    const anonymous = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
    await http.get('/views').set('Cookie', anonymous).expect(200, { views: 2, sessionId: sessionIdOf(anonymous) });
    const cookie = cookiePair((await http.post('/login?user=ada').set('Cookie', anonymous).expect(200)).headers['set-cookie'])!;
    const sessionId = sessionIdOf(cookie);
    await http.get('/views').set('Cookie', cookie).expect(200, { views: 1, sessionId });
    await http.get('/me').set('Cookie', cookie).expect(200, { userId: 'ada' });

    const dump = await target.dump(store);
    expect(dump).toContain(hashedSessionKey(sessionId));
    expect(dump).toContain('userId');
    expect(dump).not.toContain(sessionId);
    expect(dump).not.toContain(sessionIdOf(anonymous));

    await http.post('/logout').set('Cookie', cookie).expect(200);
    // The record is gone (Redis may keep a stale owner index entry, pruned when listed).
    expect(await target.dump(store)).not.toContain('userId');
    await http.get('/me').set('Cookie', cookie).expect(401);
  });

  it("'migrate' keeps a session written without hashIds signed in and moves it; `true` then reads only hashed keys", async () => {
    const store = await target.newStore();
    const plain = await start({ store, hashIds: false });
    const moved = cookiePair((await plain.post('/login?user=ada').expect(200)).headers['set-cookie'])!;
    const left = cookiePair((await plain.post('/login?user=grace').expect(200)).headers['set-cookie'])!;
    expect(await target.dump(store)).toContain(sessionIdOf(moved));

    const migrating = await start({ store, hashIds: 'migrate' });
    await migrating.get('/me').set('Cookie', moved).expect(200, { userId: 'ada' });
    const dump = await target.dump(store);
    expect(dump).toContain(hashedSessionKey(sessionIdOf(moved)));
    expect(dump).not.toContain(sessionIdOf(moved));

    const hashed = await start({ store, hashIds: true });
    await hashed.get('/me').set('Cookie', moved).expect(200, { userId: 'ada' });
    // Never loaded while migrating: still under its plain id, which `true` does not read.
    await hashed.get('/me').set('Cookie', left).expect(401);
  });

  describe('UserSessions', () => {
    let store: SessionStore;
    beforeEach(async () => {
      store = await target.newStore();
    });
    describeUserSessionsOverHttp(EXPRESS, () => ({ store, hashIds: true }));
  });
});
