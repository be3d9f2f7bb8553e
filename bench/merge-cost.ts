/**
 * `node bench/.tmp/bench/merge-cost.js [iterations]`: what merged saves (no lost updates) cost
 * on the hot path, against whole-record saves of the same store (its `merge` hidden). Each
 * request loads a session, increments its counter and saves, through the session middleware on
 * in-memory request/response pairs (as core-micro.ts). MemoryStore: CPU µs per request.
 * RedisStore (a redis-server started here): wall µs per request, requests one after another,
 * so the Lua script's server time is in it, and Redis' own CPU time per SET and EVALSHA. The two alternate, ROUNDS times; medians.
 */
import { Redis } from 'ioredis';
import { MemoryStore, SessionStore, createSessionMiddleware, generateSessionId, signSessionId } from '../lib/index.js';
import { RedisStore } from '../lib/redis.js';
import { handle } from './in-process-request.js';
import type { Middleware } from './in-process-request.js';
import { BENCH_SECRET, SESSION_MAX_AGE_MS } from './modes.js';
import { startRedisServer } from './redis-server.js';


const SESSIONS = 2_000;
const ROUNDS = 7;
const iterations = Number(process.argv[2] ?? 20_000);
const sessionIds = Array.from({ length: SESSIONS }, () => generateSessionId());
const cookieHeaders = sessionIds.map((id) => `connect.sid=${encodeURIComponent(signSessionId(id, BENCH_SECRET))}`);
const storedSession = () => ({
  cookie: { originalMaxAge: SESSION_MAX_AGE_MS, expires: new Date(Date.now() + SESSION_MAX_AGE_MS).toISOString(), httpOnly: true, path: '/' },
  userId: 'bench-user',
  cart: ['a', 'b'],
  counter: 0,
});
const options = { secret: BENCH_SECRET, resave: false, saveUninitialized: false, cookie: { maxAge: SESSION_MAX_AGE_MS } };

/** A store whose `merge` is hidden: the lifecycle then writes whole records. */
function withoutMerge<T extends SessionStore>(store: T): T {
  Object.defineProperty(store, 'merge', { value: undefined });
  return store;
}

async function microsecondsPerRequest(middleware: Middleware, count: number, clock: 'cpu' | 'wall'): Promise<number> {
  const run = async (n: number) => {
    for (let index = 0; index < n; index++) await handle(middleware, cookieHeaders[(index * 7919) % SESSIONS]!);
  };
  await run(Math.min(2_000, count));
  const cpuAt = process.cpuUsage();
  const wallAt = process.hrtime.bigint();
  await run(count);
  if (clock === 'wall') return Number(process.hrtime.bigint() - wallAt) / 1_000 / count;
  const used = process.cpuUsage(cpuAt);
  return (used.user + used.system) / count;
}

/** `newStore()` twice: one store merges, the other (its `merge` hidden) writes whole records. */
async function compare(name: string, newStore: () => SessionStore, count: number, clock: 'cpu' | 'wall'): Promise<SessionStore[]> {
  const stores = [newStore(), withoutMerge(newStore())];
  for (const store of stores) for (const id of sessionIds) await store.set(id, storedSession());
  const merged = createSessionMiddleware({ ...options, store: stores[0]! }) as unknown as Middleware;
  const whole = createSessionMiddleware({ ...options, store: stores[1]! }) as unknown as Middleware;
  const results = { merged: [] as number[], whole: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    results.whole.push(await microsecondsPerRequest(whole, count, clock));
    results.merged.push(await microsecondsPerRequest(merged, count, clock));
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const [mergedMedian, wholeMedian] = [median(results.merged), median(results.whole)];
  const change = ((mergedMedian / wholeMedian - 1) * 100).toFixed(1);
  console.log(`${name}: merged ${mergedMedian.toFixed(1)} µs/request, whole-record ${wholeMedian.toFixed(1)} µs/request (${clock}), ${change} %`);
  return stores;
}

async function main(): Promise<void> {
  const memoryStores = await compare('MemoryStore', () => new MemoryStore(), iterations, 'cpu');
  await Promise.all(memoryStores.map((store) => store.close?.()));
  const redis = await startRedisServer();
  try {
    const client = new Redis(redis.url, { ...RedisStore.failFastClientOptions });
    await client.config('RESETSTAT');
    const redisStores = await compare('RedisStore', () => new RedisStore({ client }), Math.ceil(iterations / 4), 'wall');
    // Redis' own CPU time per command: steadier than wall time on a shared machine.
    const stats = await client.info('commandstats');
    const perCall = (command: string) => /usec_per_call=([\d.]+)/.exec(stats.split('\n').find((line) => line.startsWith(`cmdstat_${command}:`)) ?? '')?.[1];
    console.log(`Redis server time per write: SET ${perCall('set')} µs (whole record), EVALSHA ${perCall('evalsha')} µs (merge)`);
    await Promise.all(redisStores.map((store) => store.close?.()));
    client.disconnect();
  } finally {
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
