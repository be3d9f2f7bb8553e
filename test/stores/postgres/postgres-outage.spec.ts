import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import request from 'supertest';
import { PostgresStore } from '../../../lib/postgres.js';
import { SessionStoreUnavailableError } from '../../../lib/index.js';
import { cookiePair, createSessionApp, PLATFORMS } from '../../support/e2e-app.js';
import type { PlatformName } from '../../support/e2e-app.js';
import { PostgresServerProcess } from '../../support/postgres-server.js';
import { waitUntil } from '../../support/redis-server.js';

/** Short, so that the tests settle quickly; the bound is what is tested. */
const DEADLINE_MS = 500;
/** What a 503 may take beyond the deadline (event loop, HTTP) on a loaded 2-core machine. */
const SLACK_MS = 1_000;

/** Stops and restarts a PostgreSQL server of the test's own under a Nest app on PostgresStore. */
describe.each(PLATFORMS)('PostgresStore when PostgreSQL goes away and comes back (%s)', (platform: PlatformName) => {
  let server: PostgresServerProcess;
  let app: INestApplication | undefined;
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message) };

  beforeAll(async () => {
    server = await PostgresServerProcess.start();
  }, 60_000);
  afterEach(async () => {
    await app?.close();
    app = undefined;
    warnings.length = 0;
    if (server.pid === undefined) await server.resume();
  });
  afterAll(() => server.remove());

  async function startApp(store: PostgresStore): Promise<ReturnType<INestApplication['getHttpServer']>> {
    app = await createSessionApp({ store }, {}, undefined, platform);
    return app.getHttpServer();
  }

  /** The first connections to a fresh server can take longer than the short deadline on a loaded machine. */
  async function warmedUp(store: PostgresStore): Promise<void> {
    await waitUntil(() => store.get('warm-up').then(() => true, () => false), 'the store answers', 15_000);
    warnings.length = 0;
  }

  /** The response of GET /peek with `cookie`, and how long it took. */
  async function timedPeek(httpServer: unknown, cookie: string): Promise<{ status: number; retryAfter: string | undefined; elapsedMs: number; body: Record<string, unknown> }> {
    const startedAt = Date.now();
    const response = await request(httpServer as Parameters<typeof request>[0]).get('/peek').set('Cookie', cookie);
    return { status: response.status, retryAfter: response.headers['retry-after'], elapsedMs: Date.now() - startedAt, body: response.body };
  }

  it('answers 503 with Retry-After within the deadline while it is down, then serves the signed-in session again without a restart', async () => {
    const store = new PostgresStore({ connectionString: server.connectionString, statementTimeout: DEADLINE_MS, pruneInterval: false, logger });
    const events: string[] = [];
    store.on('disconnect', () => events.push('disconnect'));
    store.on('connect', () => events.push('connect'));
    const httpServer = await startApp(store);
    await warmedUp(store);
    events.length = 0;
    const login = await request(httpServer).post('/login?user=ada').expect(200);
    const cookie = cookiePair(login.headers['set-cookie'])!;

    await server.stop();
    for (let attempt = 0; attempt < 3; attempt++) {
      const down = await timedPeek(httpServer, cookie);
      expect(down).toMatchObject({ status: 503, retryAfter: '5' });
      expect(down.elapsedMs).toBeLessThan(DEADLINE_MS + SLACK_MS);
    }
    await expect(store.get('any')).rejects.toThrow(SessionStoreUnavailableError);

    await server.resume();
    await waitUntil(() => store.isConnected, 'the store is connected again', 15_000);
    const back = await timedPeek(httpServer, cookie);
    expect(back).toMatchObject({ status: 200, body: { userId: 'ada' } });
    expect(events).toEqual(['disconnect', 'connect']);
    expect(warnings.filter((line) => line.includes('lost its connection'))).toHaveLength(1);
    expect(warnings.filter((line) => line.includes('reconnected'))).toHaveLength(1);
  }, 60_000);

  it('starts while the database is down (503s), and creates its table once it is up', async () => {
    await server.stop();
    const tableName = `late_${process.pid}`;
    const store = new PostgresStore({ connectionString: server.connectionString, tableName, statementTimeout: DEADLINE_MS, pruneInterval: false, logger });
    const httpServer = await startApp(store);
    const down = await request(httpServer).post('/login?user=ada');
    expect(down.status).toBe(503);
    await server.resume();
    await waitUntil(async () => (await request(httpServer).post('/login?user=ada')).status === 200, 'a sign-in succeeds', 15_000);
    const pool = new pg.Pool({ connectionString: server.connectionString });
    try {
      expect((await pool.query(`SELECT count(*)::int AS count FROM "${tableName}"`)).rows[0].count).toBeGreaterThan(0);
    } finally {
      await pool.end();
    }
  }, 60_000);

  it("answers 503 within the deadline when the app's pool has no free connection, and serves again once one is free", async () => {
    const pool = new pg.Pool({ connectionString: server.connectionString, max: 1 });
    pool.on('error', () => undefined);
    const store = new PostgresStore({ pool, statementTimeout: DEADLINE_MS, pruneInterval: false, logger });
    try {
      const httpServer = await startApp(store);
      await warmedUp(store);
      const cookie = cookiePair((await request(httpServer).post('/login?user=ada').expect(200)).headers['set-cookie'])!;
      const held = await pool.connect();
      const exhausted = await timedPeek(httpServer, cookie);
      held.release();
      expect(exhausted).toMatchObject({ status: 503, retryAfter: '5' });
      expect(exhausted.elapsedMs).toBeLessThan(DEADLINE_MS + SLACK_MS);
      await waitUntil(async () => (await timedPeek(httpServer, cookie)).status === 200, 'the pool serves again');
      expect((await timedPeek(httpServer, cookie)).body).toMatchObject({ userId: 'ada' });
    } finally {
      await app?.close();
      app = undefined;
      await pool.end();
    }
  }, 60_000);
});
