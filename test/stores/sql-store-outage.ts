import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { SessionStoreUnavailableError } from '../../lib/index.js';
import type { SqlStoreLogger } from '../../lib/postgres.js';
import type { SqlSessionStore } from '../../lib/stores/sql/sql-session-store.js';
import { cookiePair, createSessionApp } from '../support/e2e-app.js';
import { PLATFORMS } from '../support/platforms.js';
import type { Platform } from '../support/platforms.js';
import { waitUntil } from '../support/redis-server.js';

/** Short, so that the tests settle quickly; the bound is what is tested. */
const DEADLINE_MS = 500;
/** What a 503 may take beyond the deadline (event loop, HTTP) on a loaded 2-core machine. */
const SLACK_MS = 1_000;

/** A database server of the test's own, stopped and started by its PID. */
export interface OwnDatabaseServer {
  stop(): Promise<void>;
  resume(): Promise<void>;
  remove(): Promise<void>;
  readonly pid: number | undefined;
}

/** How the outage tests reach one database. */
export interface SqlOutageSubject<Server extends OwnDatabaseServer> {
  /** `PostgresStore (PostgreSQL)`: in the test names. */
  name: string;
  startServer(): Promise<Server>;
  /** A store with a pool of its own on `server`. */
  storeWithOwnPool(server: Server, options: { tableName?: string; statementTimeout: number; logger: SqlStoreLogger }): SqlSessionStore;
  /** A store on an app pool of one connection, and a way to hold that connection. */
  storeWithAppPoolOfOne(server: Server, options: { statementTimeout: number; logger: SqlStoreLogger }): {
    store: SqlSessionStore;
    holdTheConnection(): Promise<() => void>;
    endPool(): Promise<void>;
  };
  /** Rows in `tableName`, read with a connection of the test's own. */
  rowCount(server: Server, tableName: string): Promise<number>;
}

/** Stops and restarts a database server of the test's own under a Nest app on the store, on both platforms. */
export function describeSqlStoreOutage<Server extends OwnDatabaseServer>(subject: SqlOutageSubject<Server>): void {
  describe.each(PLATFORMS)(`${subject.name} when the database goes away and comes back on $name`, (platform: Platform) => {
    let server: Server;
    let app: INestApplication | undefined;
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) };

    beforeAll(async () => {
      server = await subject.startServer();
    }, 60_000);
    afterEach(async () => {
      await app?.close();
      app = undefined;
      warnings.length = 0;
      if (server.pid === undefined) await server.resume();
    });
    afterAll(() => server.remove());

    async function startApp(store: SqlSessionStore): Promise<ReturnType<INestApplication['getHttpServer']>> {
      app = await createSessionApp(platform, { store });
      return app.getHttpServer();
    }

    /** The first connections to a fresh server can take longer than the short deadline on a loaded machine. */
    async function warmedUp(store: SqlSessionStore): Promise<void> {
      await waitUntil(() => store.get('warm-up').then(() => true, () => false), 'the store answers', 15_000);
      warnings.length = 0;
    }

    /** The response of GET /peek with `cookie`, and how long it took. */
    async function timedPeek(httpServer: unknown, cookie: string) {
      const startedAt = Date.now();
      const response = await request(httpServer as Parameters<typeof request>[0]).get('/peek').set('Cookie', cookie);
      return { status: response.status, retryAfter: response.headers['retry-after'], elapsedMs: Date.now() - startedAt, body: response.body as Record<string, unknown> };
    }

    it('answers 503 with Retry-After within the deadline while it is down, then serves the signed-in session again without a restart', async () => {
      const store = subject.storeWithOwnPool(server, { statementTimeout: DEADLINE_MS, logger });
      const events: string[] = [];
      store.on('disconnect', () => events.push('disconnect'));
      store.on('connect', () => events.push('connect'));
      const httpServer = await startApp(store);
      await warmedUp(store);
      events.length = 0;
      const cookie = cookiePair((await request(httpServer).post('/login?user=ada').expect(200)).headers['set-cookie'])!;

      await server.stop();
      for (let attempt = 0; attempt < 3; attempt++) {
        const down = await timedPeek(httpServer, cookie);
        expect(down).toMatchObject({ status: 503, retryAfter: '5' });
        expect(down.elapsedMs).toBeLessThan(DEADLINE_MS + SLACK_MS);
      }
      await expect(store.get('any')).rejects.toThrow(SessionStoreUnavailableError);

      await server.resume();
      await waitUntil(() => store.isConnected, 'the store is connected again', 15_000);
      expect(await timedPeek(httpServer, cookie)).toMatchObject({ status: 200, body: { userId: 'ada' } });
      expect(events).toEqual(['disconnect', 'connect']);
      expect(warnings.filter((line) => line.includes('lost its connection'))).toHaveLength(1);
      expect(warnings.filter((line) => line.includes('reconnected'))).toHaveLength(1);
    }, 60_000);

    it('starts while the database is down (503s), and creates its table once it is up', async () => {
      await server.stop();
      const tableName = `late_${process.pid}_${platform.name}`;
      const store = subject.storeWithOwnPool(server, { tableName, statementTimeout: DEADLINE_MS, logger });
      const httpServer = await startApp(store);
      expect((await request(httpServer).post('/login?user=ada')).status).toBe(503);
      await server.resume();
      await waitUntil(async () => (await request(httpServer).post('/login?user=ada')).status === 200, 'a sign-in succeeds', 15_000);
      expect(await subject.rowCount(server, tableName)).toBeGreaterThan(0);
    }, 60_000);

    it("answers 503 within the deadline when the app's pool has no free connection, and serves again once one is free", async () => {
      const { store, holdTheConnection, endPool } = subject.storeWithAppPoolOfOne(server, { statementTimeout: DEADLINE_MS, logger });
      try {
        const httpServer = await startApp(store);
        await warmedUp(store);
        const cookie = cookiePair((await request(httpServer).post('/login?user=ada').expect(200)).headers['set-cookie'])!;
        const release = await holdTheConnection();
        const exhausted = await timedPeek(httpServer, cookie);
        release();
        expect(exhausted).toMatchObject({ status: 503, retryAfter: '5' });
        expect(exhausted.elapsedMs).toBeLessThan(DEADLINE_MS + SLACK_MS);
        await waitUntil(async () => (await timedPeek(httpServer, cookie)).status === 200, 'the pool serves again');
        expect((await timedPeek(httpServer, cookie)).body).toMatchObject({ userId: 'ada' });
      } finally {
        await app?.close();
        app = undefined;
        await endPool();
      }
    }, 60_000);
  });
}
