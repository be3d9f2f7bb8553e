import { createRequire } from 'node:module';
import connectPgSimple from 'connect-pg-simple';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import expressSession from 'express-session';
import type mysql from 'mysql2/promise';
import type pg from 'pg';
import { createSessionMiddleware } from '../../lib/index.js';
import type { SessionOptions, SessionRequest, SessionResponse, SessionStore } from '../../lib/index.js';
import { cookiePair, TEST_SECRET } from '../support/e2e-app.js';

/** express-mysql-session ships no types: its factory, as its README uses it. */
const expressMySqlSession = createRequire(import.meta.url)('express-mysql-session') as (session: typeof expressSession) => new (options: object, connection: mysql.Pool) => expressSession.Store;

type SessionOnRequest = Record<string, unknown> & { destroy(callback: (error?: unknown) => void): void };

/** The routes both apps serve: sign in, read and count, sign out. */
function addRoutes(app: express.Express): express.Express {
  app.post('/login', (request, response) => {
    const session = request.session as unknown as SessionOnRequest;
    session.userId = String(request.query.user);
    response.json({ userId: session.userId });
  });
  app.get('/me', (request, response) => {
    const session = request.session as unknown as SessionOnRequest;
    session.views = ((session.views as number | undefined) ?? 0) + 1;
    response.json({ userId: session.userId ?? null, views: session.views });
  });
  app.post('/logout', (request, response, next) => {
    (request.session as unknown as SessionOnRequest).destroy((error) => (error ? next(error) : response.json({ loggedOut: true })));
  });
  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    const statusCode = (error as { statusCode?: number }).statusCode ?? 500;
    const retryAfter = (error as { headers?: Record<string, string> }).headers?.['Retry-After'];
    if (retryAfter) response.setHeader('Retry-After', retryAfter);
    response.status(statusCode).json({ statusCode });
  });
  return app;
}

/** express-session + connect-pg-simple on `tableName`, as its README sets it up (no pruning timer in tests). */
export function connectPgSimpleApp(pool: pg.Pool, tableName: string, createTableIfMissing = false): express.Express {
  const PgStore = connectPgSimple(expressSession);
  const store = new PgStore({ pool, tableName, createTableIfMissing, pruneSessionInterval: false });
  const app = express();
  app.use(expressSession({ secret: TEST_SECRET, store, resave: false, saveUninitialized: false }));
  return addRoutes(app);
}

/** express-session + express-mysql-session on `tableName` (no pruning timer in tests); with `createDatabaseTable`, resolves once it made its table. */
export async function expressMySqlSessionApp(pool: mysql.Pool, tableName: string, createDatabaseTable = false): Promise<express.Express> {
  const MySqlSessionStore = expressMySqlSession(expressSession);
  const store = new MySqlSessionStore({ createDatabaseTable, clearExpired: false, schema: { tableName } }, pool);
  await (store as unknown as { onReady(): Promise<void> }).onReady();
  const app = express();
  app.use(expressSession({ secret: TEST_SECRET, store, resave: false, saveUninitialized: false }));
  return addRoutes(app);
}

/** Express + createSessionMiddleware on `store`. */
export function nestSessionsApp(options: Partial<SessionOptions> & Pick<SessionOptions, 'store'>): express.Express {
  const app = express();
  const middleware = createSessionMiddleware({ secret: TEST_SECRET, ...options });
  app.use((request, response, next) => middleware(request as unknown as SessionRequest, response as unknown as SessionResponse, next));
  return addRoutes(app);
}

/** Signs in on `first`, goes on on `second`, signs out on `second`: the cookie of `first` then leads nowhere on either. */
export async function signInThenContinueAndSignOut(first: express.Express, second: express.Express): Promise<void> {
  const login = await request(first).post('/login?user=ada').expect(200);
  const cookie = cookiePair(login.headers['set-cookie'])!;
  expect(cookie).toBeDefined();
  expect((await request(second).get('/me').set('Cookie', cookie).expect(200)).body).toEqual({ userId: 'ada', views: 1 });
  expect((await request(first).get('/me').set('Cookie', cookie).expect(200)).body).toEqual({ userId: 'ada', views: 2 });
  await request(second).post('/logout').set('Cookie', cookie).expect(200);
  expect((await request(first).get('/me').set('Cookie', cookie).expect(200)).body).toEqual({ userId: null, views: 1 });
  expect((await request(second).get('/me').set('Cookie', cookie).expect(200)).body).toEqual({ userId: null, views: 1 });
}

/** The stores and tables of a describe block's tests: after each test the stores are closed, then the tables dropped. */
export function closedAndDroppedAfterEach(dropTable: (tableName: string) => Promise<unknown>): { stores: SessionStore[]; tables: string[] } {
  const made = { stores: [] as SessionStore[], tables: [] as string[] };
  afterEach(async () => {
    for (const store of made.stores.splice(0)) await store.close!();
    for (const table of made.tables.splice(0)) await dropTable(table);
  });
  return made;
}
