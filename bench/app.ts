/**
 * One benchmarked application, in its own process: a Nest 12 app (Express, or Fastify for the
 * Fastify modes) whose only route
 * reads and increments a counter in the session. The parent sends a `start` message with the
 * session ids to pre-create; the app answers `ready` with its port once it listens.
 */
import 'reflect-metadata';
import { Controller, Get, Module, Req } from '@nestjs/common';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import expressSession from 'express-session';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import * as nestSessions from '../lib/index.js';
import type { SessionRecord, SessionStore } from '../lib/index.js';
import { RedisStore } from '../lib/redis.js';
import { BENCH_SECRET, MODES, SESSION_MAX_AGE_MS } from './modes.js';
import type { AppMessage, ModeName, StartMessage } from './modes.js';

interface CounterSession {
  counter?: number;
}

/** Mode 1 has no session: its counter lives in the process, so the handler does the same work. */
let processCounter = 0;

@Controller()
class CounterController {
  @Get('counter')
  count(@Req() request: { session?: CounterSession }): { counter: number } {
    const session = request.session;
    if (!session) return { counter: ++processCounter };
    session.counter = (session.counter ?? 0) + 1;
    return { counter: session.counter };
  }
}

@Module({ controllers: [CounterController] })
class CounterModule {}

/** A stored session as both libraries write it: the cookie's JSON plus the counter. */
function storedSession(): SessionRecord & CounterSession {
  return {
    cookie: {
      originalMaxAge: SESSION_MAX_AGE_MS,
      expires: new Date(Date.now() + SESSION_MAX_AGE_MS).toISOString(),
      httpOnly: true,
      path: '/',
    },
    counter: 0,
  };
}

interface BuiltApp {
  app: INestApplication;
  close(): Promise<void>;
}

/** Nest's defaults, body parsers (JSON and urlencoded) included, as applications run. */
async function createApp(rootModule: DynamicModule | typeof CounterModule): Promise<NestExpressApplication> {
  return NestFactory.create<NestExpressApplication>(rootModule, { logger: false });
}

/** Nest's defaults on Fastify, body parsers included, as applications run. */
async function createFastifyApp(rootModule: DynamicModule | typeof CounterModule): Promise<NestFastifyApplication> {
  return NestFactory.create<NestFastifyApplication>(rootModule, new FastifyAdapter(), { logger: false });
}

/** A callback store (express-session's API, which @fastify/session also uses) filled with the sessions. */
async function fillCallbackStore(
  store: { set(sessionId: string, session: never, callback: (error?: unknown) => void): unknown },
  sessionIds: string[],
): Promise<void> {
  await Promise.all(
    sessionIds.map(
      (sessionId) =>
        new Promise<void>((resolve, reject) =>
          store.set(sessionId, storedSession() as never, (error?: unknown) => (error ? reject(error) : resolve())),
        ),
    ),
  );
}

/** @fastify/session as its users set it up, reading express-session's cookie (`s:` prefix). */
async function registerFastifySession(app: NestFastifyApplication, store: unknown): Promise<void> {
  await app.register(fastifyCookie as never);
  await app.register(fastifySession as never, {
    secret: BENCH_SECRET,
    cookieName: 'connect.sid',
    cookiePrefix: 's:',
    saveUninitialized: false,
    cookie: { maxAge: SESSION_MAX_AGE_MS, secure: false },
    store,
  } as never);
}

/** How many sessions a RedisStore app writes at once before it starts. */
const SEED_BATCH_SIZE = 100;

/** The session options every mode uses (express-session's and nest-sessions' alike). */
const sessionOptions = {
  secret: BENCH_SECRET,
  resave: false,
  saveUninitialized: false,
  cookie: { maxAge: SESSION_MAX_AGE_MS },
};

type PlatformAppFactory = (rootModule: DynamicModule | typeof CounterModule) => Promise<INestApplication>;

/** nest-sessions on a MemoryStore holding the sessions, in an app of the given platform. */
async function nestSessionsOnMemory(createPlatformApp: PlatformAppFactory, sessionIds: string[]): Promise<BuiltApp> {
  const store = new nestSessions.MemoryStore();
  await Promise.all(sessionIds.map((sessionId) => store.set(sessionId, storedSession())));
  const app = await createPlatformApp(rootModuleWith({ ...sessionOptions, store }));
  return { app, close: () => app.close() };
}

/**
 * nest-sessions on a RedisStore holding the sessions, in an app of the given platform, wired as
 * the README shows: the app's own ioredis client, with the fail-fast settings.
 */
async function nestSessionsOnRedis(
  createPlatformApp: PlatformAppFactory,
  sessionIds: string[],
  redisUrl: string,
  prefix: string,
): Promise<BuiltApp> {
  const client = new Redis(redisUrl, RedisStore.failFastClientOptions);
  const store = new RedisStore({ client, prefix });
  // In batches: 2,000 calls at once wait longer than the store's 2 s deadline under callgrind.
  for (let start = 0; start < sessionIds.length; start += SEED_BATCH_SIZE) {
    await Promise.all(sessionIds.slice(start, start + SEED_BATCH_SIZE).map((sessionId) => store.set(sessionId, storedSession())));
  }
  const app = await createPlatformApp(rootModuleWith({ ...sessionOptions, store }));
  return {
    app,
    async close() {
      await app.close();
      await client.quit();
    },
  };
}

async function buildApp(mode: ModeName, sessionIds: string[], redisUrl: string | undefined): Promise<BuiltApp | string> {
  switch (mode) {
    case 'no-session': {
      const app = await createApp(CounterModule);
      return { app, close: () => app.close() };
    }
    case 'express-session-memory': {
      const store = new expressSession.MemoryStore();
      await Promise.all(
        sessionIds.map(
          (sessionId) =>
            new Promise<void>((resolve, reject) =>
              store.set(sessionId, storedSession() as never, (error?: unknown) => (error ? reject(error) : resolve())),
            ),
        ),
      );
      const app = await createApp(CounterModule);
      app.use(expressSession({ ...sessionOptions, store }));
      return { app, close: () => app.close() };
    }
    case 'express-session-redis': {
      const client = createClient({ url: redisUrl });
      await client.connect();
      const store = new ConnectRedisStore({ client, prefix: 'express:' });
      await Promise.all(sessionIds.map((sessionId) => store.set(sessionId, storedSession() as never)));
      const app = await createApp(CounterModule);
      app.use(expressSession({ ...sessionOptions, store }));
      return {
        app,
        async close() {
          await app.close();
          await client.quit();
        },
      };
    }
    case 'nest-sessions-memory':
      return nestSessionsOnMemory(createApp, sessionIds);
    case 'nest-sessions-redis':
      return nestSessionsOnRedis(createApp, sessionIds, redisUrl!, 'nest:');
    default:
      return `${mode} is not an Express mode`;
  }
}

async function buildFastifyApp(mode: ModeName, sessionIds: string[], redisUrl: string | undefined): Promise<BuiltApp | string> {
  switch (mode) {
    case 'fastify-no-session': {
      const app = await createFastifyApp(CounterModule);
      return { app, close: () => app.close() };
    }
    case 'fastify-session-memory': {
      const store = new fastifySession.MemoryStore();
      await fillCallbackStore(store as never, sessionIds);
      const app = await createFastifyApp(CounterModule);
      await registerFastifySession(app, store);
      return { app, close: () => app.close() };
    }
    case 'fastify-session-redis': {
      const client = createClient({ url: redisUrl });
      await client.connect();
      const store = new ConnectRedisStore({ client, prefix: 'fastify:' });
      await fillCallbackStore(store as never, sessionIds);
      const app = await createFastifyApp(CounterModule);
      await registerFastifySession(app, store);
      return {
        app,
        async close() {
          await app.close();
          await client.quit();
        },
      };
    }
    case 'nest-sessions-fastify-memory':
      return nestSessionsOnMemory(createFastifyApp, sessionIds);
    case 'nest-sessions-fastify-redis':
      return nestSessionsOnRedis(createFastifyApp, sessionIds, redisUrl!, 'nest-fastify:');
    default:
      return `${mode} is not a Fastify mode`;
  }
}

function rootModuleWith(options: nestSessions.SessionOptions & { store: SessionStore }): DynamicModule {
  return { module: CounterModule, imports: [nestSessions.SessionModule.forRoot(options)] };
}

function send(message: AppMessage): void {
  process.send!(message);
}

process.once('message', (message: StartMessage) => {
  const build = MODES[message.mode].platform === 'fastify' ? buildFastifyApp : buildApp;
  build(message.mode, message.sessionIds, message.redisUrl).then(
    async (built) => {
      if (typeof built === 'string') {
        send({ type: 'unavailable', reason: built });
        process.disconnect();
        return;
      }
      await built.app.listen(0, '127.0.0.1');
      const address = built.app.getHttpServer().address() as { port: number };
      process.once('disconnect', () => {
        built.close().finally(() => process.exit(0));
      });
      send({ type: 'ready', port: address.port });
    },
    (error: unknown) => {
      const failed: AppMessage = { type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      // Exits once the message is out, even if a store's client still holds a connection open:
      // the harness waits for the exit.
      process.send!(failed, () => process.exit(1));
    },
  );
});
