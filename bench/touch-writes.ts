/**
 * `node bench/.tmp/bench/touch-writes.js [requests]`: store writes per request of the RedisStore
 * rolling mode (`rolling: true`, a route that only reads the session), without and with
 * `touchAfter: 60 s`. A count, not a timing: the store's write calls (`set`, `merge`, `touch`),
 * and Redis' own `commandstats` of write commands on a redis-server started here (a SET
 * run by the merge script counts there besides its EVALSHA). SESSIONS sessions are read in turn while `Date.now()`
 * moves through SIMULATED_MS, so each session is read every SIMULATED_MS / (requests /
 * SESSIONS) ms of simulated time, as an app's clients would over those minutes.
 */
import { Redis } from 'ioredis';
import { createSessionMiddleware, generateSessionId, signSessionId } from '../lib/index.js';
import { RedisStore } from '../lib/redis.js';
import { handle } from './in-process-request.js';
import type { Middleware } from './in-process-request.js';
import { BENCH_SECRET, SESSION_MAX_AGE_MS } from './modes.js';
import { startRedisServer } from './redis-server.js';

const SESSIONS = 200;
const SIMULATED_MS = 10 * 60 * 1000;
const TOUCH_AFTER_MS = 60_000;
const WRITE_COMMANDS = ['set', 'expire', 'pexpire', 'evalsha', 'eval'];
const requests = Number(process.argv[2] ?? 10_000);

const realNow = Date.now.bind(Date);
let clockOffset = 0;
Date.now = () => realNow() + clockOffset;

/** Calls of each write command since the last RESETSTAT. */
async function writeCalls(client: Redis): Promise<Record<string, number>> {
  const stats = await client.info('commandstats');
  return Object.fromEntries(
    WRITE_COMMANDS.map((command) => [command, Number(/calls=(\d+)/.exec(stats.split('\n').find((line) => line.startsWith(`cmdstat_${command}:`)) ?? '')?.[1] ?? 0)]),
  );
}

/** Counts the store's write calls (`set`, `merge`, `touch`), each one round trip to Redis. */
function countWriteCalls(store: RedisStore): { calls: number } {
  const counter = { calls: 0 };
  for (const method of ['set', 'merge', 'touch'] as const) {
    const original = store[method].bind(store) as (...args: unknown[]) => Promise<boolean>;
    (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      counter.calls += 1;
      return original(...args);
    };
  }
  return counter;
}

async function measure(client: Redis, label: string, touchAfter: number | undefined): Promise<void> {
  clockOffset = 0;
  const store = new RedisStore({ client, prefix: `touch-writes:${label}:` });
  const storeWrites = countWriteCalls(store);
  const sessionIds = Array.from({ length: SESSIONS }, () => generateSessionId());
  for (const sessionId of sessionIds) {
    await store.set(sessionId, { cookie: { originalMaxAge: SESSION_MAX_AGE_MS, expires: new Date(Date.now() + SESSION_MAX_AGE_MS), httpOnly: true, path: '/' }, counter: 0 });
  }
  const cookieHeaders = sessionIds.map((id) => `connect.sid=${encodeURIComponent(signSessionId(id, BENCH_SECRET))}`);
  const middleware = createSessionMiddleware({
    secret: BENCH_SECRET,
    rolling: true,
    cookie: { maxAge: SESSION_MAX_AGE_MS },
    ...(touchAfter === undefined ? {} : { touchAfter }),
    store,
  }) as unknown as Middleware;
  await client.config('RESETSTAT');
  storeWrites.calls = 0;
  for (let index = 0; index < requests; index++) {
    clockOffset = Math.floor((index * SIMULATED_MS) / requests);
    await handle(middleware, cookieHeaders[index % SESSIONS]!, true);
  }
  const calls = await writeCalls(client);
  const total = Object.values(calls).reduce((sum, count) => sum + count, 0);
  const detail = WRITE_COMMANDS.filter((command) => calls[command]! > 0).map((command) => `${command.toUpperCase()} ${calls[command]}`).join(', ') || 'none';
  console.log(`| ${label} | ${requests} | ${storeWrites.calls} | ${(storeWrites.calls / requests).toFixed(3)} | ${total} (${detail}) |`);
  await store.clear?.();
  await store.close?.();
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  try {
    const client = new Redis(redis.url, { ...RedisStore.failFastClientOptions });
    const readEverySeconds = SIMULATED_MS / (requests / SESSIONS) / 1000;
    console.log(`${SESSIONS} sessions, ${requests} read requests over ${SIMULATED_MS / 60_000} simulated minutes (each session read every ${readEverySeconds} s)\n`);
    console.log('| RedisStore, rolling: true | requests | store writes | writes per request | Redis write commands |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    await measure(client, 'without touchAfter', undefined);
    await measure(client, `touchAfter: ${TOUCH_AFTER_MS / 1000} s`, TOUCH_AFTER_MS);
    client.disconnect();
  } finally {
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
