/**
 * The plain Express 5 apps (cells with `app=express`): `express.json()` and one route,
 * `GET /counter`, behind express-session or nest-sessions' `createSessionMiddleware`.
 */
import type { Server } from 'node:http';
import type { Cell } from '../matrix.js';
import { sessionOptionsOf } from '../matrix.js';
import { BENCH_SECRET, MODES } from '../modes.js';
import type { ModeName } from '../modes.js';
import type { BuiltApp } from './built-app.js';
import { continueWithCohort, switchAtRouterStart } from './dictionary-mode.js';
import type { ExpressApplication } from './dictionary-mode.js';
import { loadNestSessions, loadNestSessionsRedis } from './nest-sessions-build.js';
import { counterResponse } from './session-data.js';
import type { CounterSession } from './session-data.js';
import { connectRedisStore, expressSessionMemoryStore, nestSessionsMemoryStore, nestSessionsRedisStore } from './stores.js';
import type { OpenStore } from './stores.js';
import { sqlModeStore } from './sql-stores.js';

export type Middleware = (request: any, response: any, next: (error?: unknown) => void) => void;

/** What a mode puts in front of the route: a middleware, its store, or (mode 15) the switch to dictionary mode where the session middleware makes it. */
interface SessionSetup {
  middleware?: Middleware;
  store?: OpenStore;
  isSwitchedAtRouterStart?: boolean;
}

async function sessionMiddleware(mode: ModeName, cell: Cell, sessionIds: string[], redisUrl: string | undefined): Promise<SessionSetup> {
  const options = sessionOptionsOf(cell, BENCH_SECRET);
  const usesRedis = MODES[mode].usesRedis;
  switch (mode) {
    case 'no-session':
      return {};
    case 'no-session-dictionary':
      // createSessionMiddleware wraps the application's router on its first request and makes the switch there.
      return { isSwitchedAtRouterStart: true, middleware: continueWithCohort as Middleware };
    case 'express-session-memory':
    case 'express-session-redis': {
      const { default: expressSession } = await import('express-session');
      const store = usesRedis ? await connectRedisStore(cell, sessionIds, redisUrl!) : await expressSessionMemoryStore(cell, sessionIds);
      return { middleware: expressSession({ ...options, store: store.store as never }) as Middleware, store };
    }
    case 'nest-sessions-memory':
    case 'nest-sessions-redis': {
      const nestSessions = await loadNestSessions(cell.build);
      const store = usesRedis
        ? await nestSessionsRedisStore(await loadNestSessionsRedis(cell.build), cell, sessionIds, redisUrl!)
        : await nestSessionsMemoryStore(nestSessions, cell, sessionIds);
      return { middleware: nestSessions.createSessionMiddleware({ ...options, store: store.store as never }) as Middleware, store };
    }
    case 'express-session-postgres':
    case 'express-session-mysql': {
      const { default: expressSession } = await import('express-session');
      const store = await sqlModeStore(mode, cell, sessionIds);
      return { middleware: expressSession({ ...options, store: store.store as never }) as Middleware, store };
    }
    case 'nest-sessions-postgres':
    case 'nest-sessions-mysql': {
      const nestSessions = await loadNestSessions(cell.build);
      const store = await sqlModeStore(mode, cell, sessionIds);
      return { middleware: nestSessions.createSessionMiddleware({ ...options, store: store.store as never }) as Middleware, store };
    }
    default:
      throw new Error(`${mode} has no plain Express app`);
  }
}

export async function buildExpressApp(mode: ModeName, cell: Cell, sessionIds: string[], redisUrl: string | undefined): Promise<BuiltApp> {
  const { middleware, store, isSwitchedAtRouterStart } = await sessionMiddleware(mode, cell, sessionIds, redisUrl);
  return serveCounter(cell, middleware, store, isSwitchedAtRouterStart);
}

/** The plain Express app behind `middleware` (none: no session), closing `store` after the server. */
export async function serveCounter(cell: Cell, middleware: Middleware | undefined, store: OpenStore | undefined, isSwitchedAtRouterStart = false): Promise<BuiltApp> {
  const { default: express } = await import('express');
  const app = express();
  if (isSwitchedAtRouterStart) switchAtRouterStart(app as unknown as ExpressApplication);
  app.use(express.json());
  if (middleware) app.use(middleware);
  app.get('/counter', (request, response) => {
    response.json(counterResponse(cell, (request as unknown as { session?: CounterSession }).session));
  });
  let server: Server | undefined;
  return {
    listen: () =>
      new Promise((resolve, reject) => {
        server = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve((server!.address() as { port: number }).port)));
      }),
    async close() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await store?.close();
    },
  };
}
