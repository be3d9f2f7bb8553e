/**
 * The Nest 12 apps: Nest's defaults (body parsers on) on Express, or on Fastify for the Fastify
 * modes; one route, `GET /counter`. nest-sessions is wired as the README shows: `forRoot` with a
 * MemoryStore, `forRootAsync` with a RedisStore on the app's ioredis client from a module that
 * provides and closes it (docs/redis.md); the SQL stores, on a pool the bench opens and ends, with
 * `forRoot` (the same middleware and store calls as docs/postgres.md's `forRootAsync`).
 */
import 'reflect-metadata';
import { Controller, Get, Inject, Module, Req } from '@nestjs/common';
import type { DynamicModule, INestApplication, MiddlewareConsumer, NestModule, OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Cell } from '../matrix.js';
import { atRestOptionsOf, sessionOptionsOf } from '../matrix.js';
import { BENCH_SECRET, MODES } from '../modes.js';
import type { ModeName } from '../modes.js';
import type { BuiltApp } from './built-app.js';
import { continueWithCohort, switchAtRouterStart } from './dictionary-mode.js';
import type { ExpressApplication } from './dictionary-mode.js';
import { expressSessionOnNest, fastifyApp, fastifySessionApp } from './nest-platforms.js';
import { loadNestSessions, loadNestSessionsRedis } from './nest-sessions-build.js';
import { counterResponse, storedSession } from './session-data.js';
import type { CounterSession } from './session-data.js';
import { inBatches, nestSessionsMemoryStore, seedRedisStore } from './stores.js';
import type { OpenStore } from './stores.js';
import { sqlModeStore } from './sql-stores.js';

/** The cell the app serves: set once, before Nest creates the controller. */
let servedCell: Cell;

@Controller()
class CounterController {
  @Get('counter')
  count(@Req() request: { session?: CounterSession }): { counter: number } {
    return counterResponse(servedCell, request.session);
  }
}

@Module({ controllers: [CounterController] })
export class CounterModule {}

/** Mode 15's app: the counter with the requests continued in cohorts where SessionModule's middleware runs. */
@Module({ imports: [CounterModule] })
class CohortCounterModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(continueWithCohort).forRoutes('{*path}');
  }
}

export type RootModule = DynamicModule | typeof CounterModule;

const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** docs/redis.md's RedisModule: the app's client, with the fail-fast settings, closed on shutdown. */
async function redisModule(cell: Cell, redisUrl: string): Promise<DynamicModule> {
  const { Redis } = await import('ioredis');
  const { RedisStore } = await loadNestSessionsRedis(cell.build);
  @Module({})
  class RedisModule implements OnApplicationShutdown {
    constructor(@Inject(REDIS_CLIENT) private readonly client: InstanceType<typeof Redis>) {}
    async onApplicationShutdown(): Promise<void> {
      await this.client.quit();
    }
  }
  const provider = { provide: REDIS_CLIENT, useFactory: () => new Redis(redisUrl, RedisStore.failFastClientOptions) };
  return { module: RedisModule, providers: [provider], exports: [REDIS_CLIENT] };
}

/**
 * The root module with SessionModule as the README configures it for the mode's store, its
 * sessions seeded in the store, except in the `atRest` cells: their keys are hashed and their
 * data sealed by the module, so `seedThroughModule` writes them once the app exists.
 */
async function nestSessionsModule(mode: ModeName, cell: Cell, allSessionIds: string[], redisUrl: string | undefined): Promise<{ module: DynamicModule; store?: OpenStore }> {
  const { SessionModule } = await loadNestSessions(cell.build);
  const options = { ...sessionOptionsOf(cell, BENCH_SECRET), ...atRestOptionsOf(cell) };
  const sessionIds = cell.atRest === 'off' ? allSessionIds : [];
  if (MODES[mode].database) {
    const store = await sqlModeStore(mode, cell, sessionIds);
    return { module: { module: CounterModule, imports: [SessionModule.forRoot({ ...options, store: store.store as never })] }, store };
  }
  if (!MODES[mode].usesRedis) {
    const store = await nestSessionsMemoryStore(await loadNestSessions(cell.build), cell, sessionIds);
    return { module: { module: CounterModule, imports: [SessionModule.forRoot({ ...options, store: store.store as never })] }, store };
  }
  const redis = await loadNestSessionsRedis(cell.build);
  await seedRedisStore(redis, cell, sessionIds, redisUrl!);
  const clientModule = await redisModule(cell, redisUrl!);
  const sessionModule = SessionModule.forRootAsync({
    imports: [clientModule],
    inject: [REDIS_CLIENT],
    useFactory: (client: ConstructorParameters<typeof redis.RedisStore>[0]['client']) => ({ ...options, store: new redis.RedisStore({ client }) }),
  });
  return { module: { module: CounterModule, imports: [sessionModule] } };
}

/** Writes the sessions through the module's `SessionStore`, which hashes their ids and seals their data as the cell's options say. */
async function seedThroughModule(app: INestApplication, cell: Cell, sessionIds: string[]): Promise<void> {
  const { SessionStore } = await loadNestSessions(cell.build);
  const store = app.get(SessionStore);
  await inBatches(sessionIds, (sessionId) => store.set(sessionId, storedSession(cell)));
}

function wrap(app: INestApplication, closeStore: () => Promise<void> = async () => undefined): BuiltApp {
  return {
    async listen() {
      await app.listen(0, '127.0.0.1');
      return (app.getHttpServer().address() as { port: number }).port;
    },
    async close() {
      await app.close();
      await closeStore();
    },
  };
}

export async function buildNestApp(mode: ModeName, cell: Cell, sessionIds: string[], redisUrl: string | undefined): Promise<BuiltApp> {
  servedCell = cell;
  const isFastify = MODES[mode].platform === 'fastify';
  const create = (rootModule: RootModule) => (isFastify ? fastifyApp(rootModule) : NestFactory.create(rootModule, { logger: false }));
  switch (mode) {
    case 'no-session':
    case 'fastify-no-session':
      return wrap(await create(CounterModule));
    case 'no-session-dictionary': {
      // Where SessionModule makes the switch: as the application's router starts on a request.
      const app = await create(CohortCounterModule);
      switchAtRouterStart(app.getHttpAdapter().getInstance() as ExpressApplication);
      return wrap(app);
    }
    case 'express-session-memory':
    case 'express-session-redis':
    case 'express-session-postgres':
    case 'express-session-mysql': {
      const { app, store } = await expressSessionOnNest({ mode, cell, sessionIds, redisUrl }, await create(CounterModule));
      return wrap(app, store.close);
    }
    case 'fastify-session-memory':
    case 'fastify-session-redis': {
      const { app, store } = await fastifySessionApp({ mode, cell, sessionIds, redisUrl }, await create(CounterModule));
      return wrap(app, store.close);
    }
    default: {
      const { module, store } = await nestSessionsModule(mode, cell, sessionIds, redisUrl);
      const app = await create(module);
      if (cell.atRest !== 'off') await seedThroughModule(app, cell, sessionIds);
      return wrap(app, store?.close);
    }
  }
}
