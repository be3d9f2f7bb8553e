import { jest } from '@jest/globals';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import expressSession from 'express-session';
import { Cluster, Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createClient } from 'redis';
import { CallbackStoreAdapter } from '../../lib/core/store/callback-store-adapter.js';
import type { CallbackSessionStore } from '../../lib/core/store/callback-store-adapter.js';
import type { SessionStore } from '../../lib/core/store/session-store.js';
import { MemoryStore } from '../../lib/stores/memory/memory-store.js';
import { resolveEncryptionKeys } from '../../lib/core/store/at-rest/encryption-keys.js';
import { SealedDataStore } from '../../lib/core/store/at-rest/sealed-data-store.js';
import { RedisStore } from '../../lib/redis.js';
import type { RedisStoreOptions } from '../../lib/redis.js';
import { PostgresStore } from '../../lib/postgres.js';
import { MySqlStore } from '../../lib/mysql.js';
import { SHARED_POSTGRES } from '../support/postgres-server.js';
import { RedisClusterProcesses } from '../support/redis-cluster.js';
import { waitUntil } from '../support/redis-server.js';
import type { StoreContractSubject } from './store-contract.js';
import { RELAXED_STATEMENT_TIMEOUT_MS } from '../support/relaxed-deadline.js';

/** The shared Redis server the tests may use (each test under its own key prefix). */
const SHARED_REDIS = { host: '127.0.0.1', port: 6379 };

/** Every timer API but Date: the stores' timers and express-session's setImmediate callbacks run as usual. */
const ALL_BUT_DATE = ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] as const;

/** Stores that expire sessions by `Date.now()`: the test's clock is jest's fake Date. */
function withFakeDate(name: string, newStore: () => SessionStore, release: (store: SessionStore) => Promise<void>): StoreContractSubject {
  return {
    name,
    async newStore() {
      jest.useFakeTimers({ doNotFake: [...ALL_BUT_DATE] });
      return newStore();
    },
    async cleanUp(store) {
      await release(store);
      jest.useRealTimers();
    },
    advanceClock(milliseconds) {
      jest.setSystemTime(Date.now() + milliseconds);
    },
  };
}

/** nest-sessions' MemoryStore. */
export function memoryStore(): StoreContractSubject {
  return withFakeDate('MemoryStore', () => new MemoryStore(), (store) => store.close!());
}

/** express-session's MemoryStore, through the callback adapter. */
export function expressSessionMemoryStore(): StoreContractSubject {
  const newStore = () => new CallbackStoreAdapter(new expressSession.MemoryStore() as unknown as CallbackSessionStore);
  return withFakeDate("express-session's MemoryStore (CallbackStoreAdapter)", newStore, async () => undefined);
}

/** A Redis deployment's clients: one for the stores, one to remove the test's keys. */
interface RedisDeployment {
  start(): Promise<{ storeClient: Redis | Cluster; cleanupClient: Redis | Cluster }>;
  stop(): Promise<void>;
}

let prefixCount = 0;

/** A key prefix no other test (of any process) uses. */
function uniquePrefix(): string {
  prefixCount += 1;
  return `contract:${process.pid}:${Date.now().toString(36)}:${prefixCount}:`;
}

/** Deletes every key containing `prefix` (the sessions, and the owner index wherever it keeps its keys), on every master. */
async function deleteKeysContaining(client: Redis | Cluster, prefix: string): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await node.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      for (const key of keys) await node.del(key);
      cursor = nextCursor;
    } while (cursor !== '0');
  }
}

/** nest-sessions' RedisStore on `deployment`, each test under its own prefix. */
function redisStoreOn(name: string, deployment: RedisDeployment, options: Omit<RedisStoreOptions, 'client' | 'prefix'> = {}): StoreContractSubject {
  let clients: Awaited<ReturnType<RedisDeployment['start']>>;
  const prefixes = new WeakMap<SessionStore, string>();
  return {
    name,
    async setUp() {
      clients = await deployment.start();
    },
    tearDown: () => deployment.stop(),
    async newStore() {
      const store = new RedisStore({ ...options, client: clients.storeClient, prefix: uniquePrefix() });
      prefixes.set(store, store.prefix);
      return store;
    },
    async cleanUp(store) {
      await store.close!();
      await deleteKeysContaining(clients.cleanupClient, prefixes.get(store)!);
    },
  };
}

/** RedisStore on the shared server at 127.0.0.1:6379; `options` name a configuration that changes what it can do. */
export function redisStoreOnSingleNode(options: Omit<RedisStoreOptions, 'client' | 'prefix'> = {}): StoreContractSubject {
  const clients: Redis[] = [];
  const configuration = Object.keys(options).length > 0 ? `, ${Object.keys(options).join(', ')}` : '';
  return redisStoreOn(`RedisStore (single node${configuration})`, {
    async start() {
      for (let count = 0; count < 2; count++) clients.push(new Redis({ ...SHARED_REDIS, ...RedisStore.failFastClientOptions }));
      await waitUntil(() => clients.every((client) => client.status === 'ready'), 'the clients are ready');
      return { storeClient: clients[0]!, cleanupClient: clients[1]! };
    },
    async stop() {
      await Promise.all(clients.map((client) => client.quit()));
    },
  }, options);
}

/** A serializer other than `JSON` itself (the same text): Redis cannot tell it reads JSON. */
export const customSerializer = { parse: (text: string) => JSON.parse(text) as unknown, stringify: (value: unknown) => JSON.stringify(value) };

/** RedisStore on a Cluster of 3 masters started for the suite. */
export function redisStoreOnCluster(): StoreContractSubject {
  let cluster: RedisClusterProcesses | undefined;
  const clients: Cluster[] = [];
  return redisStoreOn('RedisStore (Cluster)', {
    async start() {
      cluster = await RedisClusterProcesses.start(3);
      for (let count = 0; count < 2; count++) clients.push(new Cluster(cluster.nodes, { redisOptions: { ...RedisStore.failFastClientOptions } }));
      await waitUntil(() => clients.every((client) => client.status === 'ready'), 'the cluster clients are ready');
      return { storeClient: clients[0]!, cleanupClient: clients[1]! };
    },
    async stop() {
      for (const client of clients) client.disconnect();
      await cluster?.stop();
    },
  });
}

/** connect-redis 9 (on node-redis) through the callback adapter, on the shared server. */
export function connectRedisStore(): StoreContractSubject {
  const client = createClient({ socket: SHARED_REDIS });
  const cleanupClient = new Redis({ ...SHARED_REDIS, lazyConnect: true });
  const prefixes = new WeakMap<SessionStore, string>();
  return {
    name: 'connect-redis (CallbackStoreAdapter)',
    async setUp() {
      await Promise.all([client.connect(), cleanupClient.connect()]);
    },
    async tearDown() {
      await Promise.all([client.quit(), cleanupClient.quit()]);
    },
    async newStore() {
      const prefix = uniquePrefix();
      const store = new CallbackStoreAdapter(new ConnectRedisStore({ client, prefix }) as unknown as CallbackSessionStore);
      prefixes.set(store, prefix);
      return store;
    },
    async cleanUp(store) {
      await deleteKeysContaining(cleanupClient, prefixes.get(store)!);
    },
  };
}

/** Re-exported for the store specs, which take their servers from here. */
export { SHARED_POSTGRES };

let tableCount = 0;

/** A table name no other test (of any process) uses. */
export function uniqueTableName(label = 'contract'): string {
  tableCount += 1;
  return `${label}_${process.pid}_${Date.now().toString(36)}_${tableCount}`;
}

/** PostgresStore on the shared server, each test in a table it creates, dropped afterwards. */
export function postgresStore(): StoreContractSubject {
  let pool: pg.Pool;
  const tables = new WeakMap<SessionStore, string>();
  return {
    name: 'PostgresStore',
    async setUp() {
      pool = new pg.Pool(SHARED_POSTGRES);
    },
    tearDown: () => pool.end(),
    async newStore() {
      const tableName = uniqueTableName();
      const store = new PostgresStore({ pool, tableName, statementTimeout: RELAXED_STATEMENT_TIMEOUT_MS });
      tables.set(store, tableName);
      return store;
    },
    async cleanUp(store) {
      await store.close!();
      await pool.query(`DROP TABLE IF EXISTS "${tables.get(store)!}"`);
    },
  };
}

/** The shared MariaDB server the tests may use (each test in its own table). */
export const SHARED_MYSQL_URI = 'mysql://root@127.0.0.1:3306/test';

/** MySqlStore on the shared MariaDB server, each test in a table it creates, dropped afterwards. */
export function mySqlStore(): StoreContractSubject {
  let pool: mysql.Pool;
  const tables = new WeakMap<SessionStore, string>();
  return {
    name: 'MySqlStore (MariaDB)',
    async setUp() {
      pool = mysql.createPool({ uri: SHARED_MYSQL_URI });
    },
    tearDown: () => pool.end(),
    async newStore() {
      const tableName = uniqueTableName();
      const store = new MySqlStore({ pool, tableName, statementTimeout: RELAXED_STATEMENT_TIMEOUT_MS });
      tables.set(store, tableName);
      return store;
    },
    async cleanUp(store) {
      await store.close!();
      await pool.query(`DROP TABLE IF EXISTS \`${tables.get(store)!}\``);
    },
  };
}

/** Two 32-byte keys for the sealed stores' tests (base64 of fixed bytes): `current` seals. */
export const TEST_ENCRYPTION_KEYS = {
  current: { id: 'k2', key: Buffer.alloc(32, 2).toString('base64') },
  older: { id: 'k1', key: Buffer.alloc(32, 1).toString('base64') },
};

/** `subject`'s stores inside a `SealedDataStore` (the `encryption` option's wrapper), sealing with `TEST_ENCRYPTION_KEYS.current`. */
export function sealedStoreOn(subject: StoreContractSubject): StoreContractSubject {
  const ring = resolveEncryptionKeys({ keys: [TEST_ENCRYPTION_KEYS.current, TEST_ENCRYPTION_KEYS.older] })!;
  return {
    name: `SealedDataStore on ${subject.name}`,
    setUp: subject.setUp && (() => subject.setUp!()),
    tearDown: subject.tearDown && (() => subject.tearDown!()),
    async newStore() {
      return new SealedDataStore(await subject.newStore(), ring);
    },
    cleanUp: (store) => subject.cleanUp((store as SealedDataStore).inner),
    advanceClock: subject.advanceClock && ((milliseconds) => subject.advanceClock!(milliseconds)),
  };
}
