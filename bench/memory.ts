/**
 * Memory benchmark, one store per process, run with --expose-gc: heap per session with N
 * sessions in the store, then heap once all of them have expired (and, for ours, a sweep ran).
 * Sessions are written by each library's own middleware, one request each (`GET /counter`
 * without a cookie: a new session whose counter the handler sets), so each store holds what it
 * holds in an app: express-session's MemoryStore the session's JSON, ours the entry its
 * middleware's save makes.
 */
import expressSession from 'express-session';
import { MemoryStore, createSessionMiddleware } from '../lib/index.js';
import { handle } from './in-process-request.js';
import type { Middleware } from './in-process-request.js';

export type MemoryStoreName = 'express-session' | 'nest-sessions';

export interface MemoryResult {
  store: MemoryStoreName;
  sessions: number;
  heapBeforeBytes: number;
  heapWithSessionsBytes: number;
  bytesPerSession: number;
  heapAfterExpiryBytes: number;
  /** Sessions the store still holds after expiry (and our sweep). */
  retainedSessions: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapUsedAfterGc(): number {
  if (!gc) throw new Error('run the memory benchmark with node --expose-gc');
  for (let pass = 0; pass < 3; pass++) gc();
  return process.memoryUsage().heapUsed;
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Requests in flight at once while the store fills: enough to keep the loop busy, few enough to stay small. */
const CONCURRENT_REQUESTS = 100;

async function measure(storeName: MemoryStoreName, sessions: number, maxAgeMs: number): Promise<MemoryResult> {
  let middleware: Middleware;
  let afterExpiry: () => Promise<number>;
  let sessionsHeld: () => Promise<number>;
  // The session options the README recommends; the store is created before the baseline: only the sessions are measured.
  const options = { secret: 'memory-benchmark-secret-of-32-characters', resave: false, saveUninitialized: false, cookie: { maxAge: maxAgeMs, sameSite: 'lax' as const } };
  if (storeName === 'express-session') {
    const store = new expressSession.MemoryStore();
    middleware = expressSession({ ...options, store }) as unknown as Middleware;
    const held = () => Object.keys((store as unknown as { sessions: object }).sessions).length;
    sessionsHeld = async () => held();
    // Its MemoryStore only drops an expired session when that session is read again.
    afterExpiry = async () => held();
  } else {
    const store = new MemoryStore({ max: Infinity, checkPeriod: 0 });
    middleware = createSessionMiddleware({ ...options, store }) as unknown as Middleware;
    sessionsHeld = async () => (await store.ids()).length;
    afterExpiry = async () => {
      store.sweep();
      return (await store.ids()).length;
    };
  }
  // One request first: what the middleware makes once (caches, compiled code) is not a session's.
  await handle(middleware, '');
  const heapBeforeBytes = heapUsedAfterGc();
  const startedAt = Date.now();
  for (let written = 1; written < sessions + 1; written += CONCURRENT_REQUESTS) {
    const batch = Math.min(CONCURRENT_REQUESTS, sessions + 1 - written);
    await Promise.all(Array.from({ length: batch }, () => handle(middleware, '')));
  }
  const lastExpiresAt = Date.now() + maxAgeMs;
  // express-session's store defers each callback with setImmediate: let those run first.
  await new Promise((resolve) => setImmediate(resolve));
  const heapWithSessionsBytes = heapUsedAfterGc();
  // Sessions that expired while the store filled would make the figure a lie: fail instead.
  const held = await sessionsHeld();
  if (held !== sessions + 1) {
    throw new Error(`${storeName}: ${held} of ${sessions + 1} sessions held after ${Date.now() - startedAt} ms of writes; raise --memory-max-age`);
  }
  await sleep(Math.max(0, lastExpiresAt + 100 - Date.now()));
  const retainedSessions = await afterExpiry();
  const heapAfterExpiryBytes = heapUsedAfterGc();
  return {
    store: storeName,
    sessions,
    heapBeforeBytes,
    heapWithSessionsBytes,
    bytesPerSession: Math.round((heapWithSessionsBytes - heapBeforeBytes) / sessions),
    heapAfterExpiryBytes,
    retainedSessions,
  };
}

process.once('message', (message: { store: MemoryStoreName; sessions: number; maxAgeMs: number }) => {
  measure(message.store, message.sessions, message.maxAgeMs).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
