/**
 * The other libraries on the Nest app: express-session (with `app.use`, on any of its stores) on Express, and
 * @fastify/session on Fastify, set up as their users do; Fastify is loaded only by its modes.
 */
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { sessionOptionsOf } from '../matrix.js';
import { BENCH_SECRET, MODES } from '../modes.js';
import type { StartMessage } from '../modes.js';
import type { RootModule } from './nest-app.js';
import { connectRedisStore, expressSessionMemoryStore, fillCallbackStore } from './stores.js';
import type { OpenStore } from './stores.js';
import { sqlModeStore } from './sql-stores.js';

/** Nest's defaults on Fastify, body parsers included. */
export async function fastifyApp(rootModule: RootModule): Promise<INestApplication> {
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return NestFactory.create(rootModule, new FastifyAdapter(), { logger: false });
}

/** What the app's session library is set up from: the mode, the cell and the sessions to pre-create. */
export type SessionSetup = Pick<StartMessage, 'mode' | 'cell' | 'sessionIds' | 'redisUrl'>;

export async function expressSessionOnNest({ mode, cell, sessionIds, redisUrl }: SessionSetup, app: INestApplication): Promise<{ app: INestApplication; store: OpenStore }> {
  const { default: expressSession } = await import('express-session');
  const store = MODES[mode].database
    ? await sqlModeStore(mode, cell, sessionIds)
    : MODES[mode].usesRedis
      ? await connectRedisStore(cell, sessionIds, redisUrl!)
      : await expressSessionMemoryStore(cell, sessionIds);
  app.use(expressSession({ ...sessionOptionsOf(cell, BENCH_SECRET), store: store.store as never }));
  return { app, store };
}

/** @fastify/session as its users set it up, reading express-session's cookie (`s:` prefix). */
export async function fastifySessionApp({ mode, cell, sessionIds, redisUrl }: SessionSetup, app: INestApplication): Promise<{ app: INestApplication; store: OpenStore }> {
  const { default: fastifyCookie } = await import('@fastify/cookie');
  const { default: fastifySession } = await import('@fastify/session');
  let store: OpenStore;
  if (MODES[mode].usesRedis) {
    store = await connectRedisStore(cell, sessionIds, redisUrl!);
  } else {
    store = { store: new fastifySession.MemoryStore(), close: async () => undefined };
    await fillCallbackStore(store.store as never, cell, sessionIds);
  }
  const options = sessionOptionsOf(cell, BENCH_SECRET);
  const register = (app as unknown as { register(plugin: unknown, options?: unknown): Promise<unknown> }).register.bind(app);
  await register(fastifyCookie);
  await register(fastifySession, {
    secret: BENCH_SECRET,
    cookieName: 'connect.sid',
    cookiePrefix: 's:',
    saveUninitialized: options.saveUninitialized,
    rolling: options.rolling,
    cookie: { ...options.cookie },
    store: store.store,
  });
  return { app, store };
}
