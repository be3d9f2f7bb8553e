/**
 * Memory benchmark, one store per process, run with --expose-gc: heap per session with N
 * sessions in the store, then heap once all of them have expired (and, for ours, a sweep ran).
 * Sessions are written as the middleware writes them: express-session hands its MemoryStore
 * `{ cookie: Cookie, ...data }`, nest-sessions hands ours `{ cookie: cookie.toJSON(), ...data }`.
 */
import expressSession from 'express-session';
import { MemoryStore, SessionCookie, generateSessionId } from '../lib/index.js';

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

async function measure(storeName: MemoryStoreName, sessions: number, maxAgeMs: number): Promise<MemoryResult> {
  let insert: (sessionId: string, visit: number) => void;
  let afterExpiry: () => Promise<number>;
  // The store is created before the baseline: only the sessions are measured.
  if (storeName === 'express-session') {
    const store = new expressSession.MemoryStore();
    const noop = () => undefined;
    // The typings hide the constructor's options argument.
    const Cookie = expressSession.Cookie as unknown as new (options: object) => object;
    insert = (sessionId, visit) => {
      const cookie = new Cookie({ maxAge: maxAgeMs, httpOnly: true, path: '/' });
      store.set(sessionId, { cookie, counter: visit } as never, noop);
    };
    // Its MemoryStore only drops an expired session when that session is read again.
    afterExpiry = async () => Object.keys((store as unknown as { sessions: object }).sessions).length;
  } else {
    const store = new MemoryStore({ max: Infinity, checkPeriod: 0 });
    insert = (sessionId, visit) => {
      const cookie = SessionCookie.fromAttributes({ maxAge: maxAgeMs, httpOnly: true, path: '/', secure: false });
      void store.set(sessionId, { cookie: cookie.toJSON(), counter: visit });
    };
    afterExpiry = async () => {
      store.sweep();
      return (await store.ids()).length;
    };
  }
  const heapBeforeBytes = heapUsedAfterGc();
  for (let index = 0; index < sessions; index++) insert(generateSessionId(), index);
  const lastExpiresAt = Date.now() + maxAgeMs;
  // express-session's store defers each callback with setImmediate: let those run first.
  await new Promise((resolve) => setImmediate(resolve));
  const heapWithSessionsBytes = heapUsedAfterGc();
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
