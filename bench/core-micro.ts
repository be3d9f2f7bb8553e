/**
 * `node bench/.tmp/bench/core-micro.js [iterations]`: CPU time per request of the session
 * middleware alone, without HTTP or Nest: each library's middleware runs on an in-memory
 * request/response pair (a loaded session, its counter incremented, the response ended) with
 * its MemoryStore; CPU time per request. Steadier than the HTTP benchmark on a busy machine, so it is what the
 * optimisation notes in OPTIMISATIONS.md quote.
 */
import expressSession from 'express-session';
import { MemoryStore, createSessionMiddleware, generateSessionId, signSessionId } from '../lib/index.js';
import { handle } from './in-process-request.js';
import type { Middleware } from './in-process-request.js';
import { BENCH_SECRET, SESSION_MAX_AGE_MS } from './modes.js';


const SESSIONS = 10_000;
const iterations = Number(process.argv[2] ?? 50_000);
const sessionIds = Array.from({ length: SESSIONS }, () => generateSessionId());
const cookieHeaders = sessionIds.map((id) => `connect.sid=${encodeURIComponent(signSessionId(id, BENCH_SECRET))}`);
const storedSession = () => ({
  cookie: { originalMaxAge: SESSION_MAX_AGE_MS, expires: new Date(Date.now() + SESSION_MAX_AGE_MS).toISOString(), httpOnly: true, path: '/' },
  counter: 0,
});
const options = { secret: BENCH_SECRET, resave: false, saveUninitialized: false, cookie: { maxAge: SESSION_MAX_AGE_MS } };

async function microsecondsPerRequest(middleware: Middleware): Promise<number> {
  const run = async (count: number) => {
    for (let index = 0; index < count; index++) await handle(middleware, cookieHeaders[(index * 7919) % SESSIONS]!);
  };
  await run(Math.min(10_000, iterations));
  // CPU time, not wall time: other processes on a busy machine then barely move the result.
  const startedAt = process.cpuUsage();
  await run(iterations);
  const used = process.cpuUsage(startedAt);
  return (used.user + used.system) / iterations;
}

async function main(): Promise<void> {
  const expressStore = new expressSession.MemoryStore();
  for (const id of sessionIds) expressStore.set(id, storedSession() as never, () => undefined);
  const ourStore = new MemoryStore();
  for (const id of sessionIds) await ourStore.set(id, storedSession());
  const express = expressSession({ ...options, store: expressStore }) as unknown as Middleware;
  const ours = createSessionMiddleware({ ...options, store: ourStore }) as unknown as Middleware;
  const noSession: Middleware = (_request, _response, next) => next();
  // Alternate to spread the machine's noise over both.
  const results: Record<string, number[]> = { none: [], 'express-session': [], 'nest-sessions': [] };
  for (let round = 0; round < 3; round++) {
    results.none!.push(await microsecondsPerRequest(noSession));
    results['express-session']!.push(await microsecondsPerRequest(express));
    results['nest-sessions']!.push(await microsecondsPerRequest(ours));
  }
  for (const [name, values] of Object.entries(results)) {
    const sorted = values.sort((a, b) => a - b);
    console.log(`${name.padEnd(16)} ${sorted[1]!.toFixed(1)} µs/request (median of ${sorted.map((v) => v.toFixed(1)).join(', ')})`);
  }
  await ourStore.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
