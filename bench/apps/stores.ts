/**
 * The stores of each mode, filled with the cell's pre-created sessions, wired as each library's
 * README shows. Each client library is imported only by the modes that use it.
 */
import type { Cell } from '../matrix.js';
import type { NestSessions, NestSessionsRedis } from './nest-sessions-build.js';
import { storedSession } from './session-data.js';

/** A store and what closes its client once the app has closed. */
export interface OpenStore {
  store: unknown;
  close(): Promise<void>;
}

/** How many sessions are written at once: 2,000 calls at once outlast the RedisStore's 2 s deadline under callgrind. */
const SEED_BATCH_SIZE = 100;

export async function inBatches(sessionIds: string[], write: (sessionId: string) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < sessionIds.length; start += SEED_BATCH_SIZE) {
    await Promise.all(sessionIds.slice(start, start + SEED_BATCH_SIZE).map(write));
  }
}

type CallbackStore = { set(sessionId: string, session: never, callback: (error?: unknown) => void): unknown };

/** A callback store (express-session's API, which @fastify/session also uses) filled with the sessions. */
export async function fillCallbackStore(store: CallbackStore, cell: Cell, sessionIds: string[]): Promise<void> {
  await inBatches(
    sessionIds,
    (sessionId) =>
      new Promise<void>((resolve, reject) => store.set(sessionId, storedSession(cell) as never, (error?: unknown) => (error ? reject(error) : resolve()))),
  );
}

export async function expressSessionMemoryStore(cell: Cell, sessionIds: string[]): Promise<OpenStore> {
  const { default: expressSession } = await import('express-session');
  const store = new expressSession.MemoryStore();
  await fillCallbackStore(store as never, cell, sessionIds);
  return { store, close: async () => undefined };
}

/** connect-redis on node-redis, as connect-redis' README sets it up. */
export async function connectRedisStore(cell: Cell, sessionIds: string[], redisUrl: string): Promise<OpenStore> {
  const { createClient } = await import('redis');
  const { RedisStore } = await import('connect-redis');
  const client = createClient({ url: redisUrl });
  await client.connect();
  const store = new RedisStore({ client, prefix: 'myapp:' });
  await fillCallbackStore(store as never, cell, sessionIds);
  return {
    store,
    async close() {
      await client.quit();
    },
  };
}

export async function nestSessionsMemoryStore(nestSessions: NestSessions, cell: Cell, sessionIds: string[]): Promise<OpenStore> {
  // Room for every session the bench creates: past the default bound (100,000) the LRU would
  // evict sessions and the scaling series would measure new sessions, not a larger store.
  const store = new nestSessions.MemoryStore({ max: Math.max(100_000, sessionIds.length) });
  await inBatches(sessionIds, (sessionId) => store.set(sessionId, storedSession(cell)));
  return { store, close: async () => undefined };
}

/** Writes the sessions under the RedisStore's default prefix through a client of its own, closed afterwards. */
export async function seedRedisStore(nestSessionsRedis: NestSessionsRedis, cell: Cell, sessionIds: string[], redisUrl: string): Promise<void> {
  const store = new nestSessionsRedis.RedisStore({ url: redisUrl });
  try {
    await inBatches(sessionIds, (sessionId) => store.set(sessionId, storedSession(cell)));
  } finally {
    await store.close();
  }
}

/** A RedisStore on the app's own ioredis client, as docs/redis.md wires it (outside Nest: directly). */
export async function nestSessionsRedisStore(nestSessionsRedis: NestSessionsRedis, cell: Cell, sessionIds: string[], redisUrl: string): Promise<OpenStore> {
  await seedRedisStore(nestSessionsRedis, cell, sessionIds, redisUrl);
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl, nestSessionsRedis.RedisStore.failFastClientOptions);
  return {
    store: new nestSessionsRedis.RedisStore({ client }),
    async close() {
      await client.quit();
    },
  };
}
