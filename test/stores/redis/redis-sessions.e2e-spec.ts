import 'reflect-metadata';
import { once } from 'node:events';
import { jest } from '@jest/globals';
import request from 'supertest';
import express from 'express';
import type { Express } from 'express';
import expressSession from 'express-session';
import { Redis } from 'ioredis';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SessionModule, SessionStore, signSessionId } from '../../../lib/index.js';
import { RedisStore } from '../../../lib/redis.js';
import type { SessionModuleOptions } from '../../../lib/index.js';
import { cookiePair, createSessionApp, sessionIdOf, SessionTestController, TEST_SECRET } from '../../support/e2e-app.js';
import { RedisServerProcess, waitUntil } from '../../support/redis-server.js';
import { ConnectRedisFormatStore, connectRedisTtl } from './connect-redis-format.js';
import { CollectingLogger, startCluster, uniquePrefix } from './redis-targets.js';
import { EXPRESS, FASTIFY, PLATFORMS } from '../../support/platforms.js';
import type { Platform } from '../../support/platforms.js';

declare module 'express-session' {
  interface SessionData {
    userId: string;
  }
}

const ONE_HOUR_MS = 60 * 60 * 1000;
const COMMAND_TIMEOUT_MS = 300;

/** Nest apps on RedisStore, over HTTP, against redis-servers the test starts. */
describe('sessions in Redis, over HTTP', () => {
  let server: RedisServerProcess;
  let inspector: Redis;
  const apps: INestApplication[] = [];

  /** An app on a RedisStore that connects to the test's server by itself. */
  async function appOnRedis(
    platform: Platform,
    storeOptions: Partial<ConstructorParameters<typeof RedisStore>[0]> = {},
    moduleOptions: Partial<SessionModuleOptions> = {},
  ): Promise<{ app: INestApplication; store: RedisStore; http: ReturnType<typeof request> }> {
    const store = new RedisStore({
      url: server.url,
      connection: { commandTimeout: COMMAND_TIMEOUT_MS },
      prefix: uniquePrefix(),
      logger: new CollectingLogger(),
      ...storeOptions,
    });
    const app = await createSessionApp(platform, { store, cookie: { maxAge: ONE_HOUR_MS }, ...moduleOptions });
    apps.push(app);
    await waitUntil(() => store.client.status === 'ready', 'the store is connected');
    return { app, store, http: request(app.getHttpServer()) };
  }

  async function login(http: ReturnType<typeof request>, user = 'alice'): Promise<string> {
    const response = await http.post(`/login?user=${user}`).expect(200);
    return cookiePair(response.headers['set-cookie'])!;
  }

  beforeAll(async () => {
    server = await RedisServerProcess.start();
    inspector = new Redis(server.port, '127.0.0.1');
    inspector.on('error', () => {});
  });

  afterEach(async () => {
    server.resume();
    if (!server.isRunning) await server.restart();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  afterAll(async () => {
    inspector.disconnect();
    await server.stop();
  });

  describe.each(PLATFORMS)('moving from express-session + connect-redis without logging users out, on $name', (platform) => {
    it('loads a session connect-redis wrote (SET sess:<id> <json> EX <ttl>)', async () => {
      const prefix = uniquePrefix();
      const { http } = await appOnRedis(platform, { prefix });
      const sessionId = 'written-by-connect-redis-0123456789';
      const expires = new Date(Date.now() + ONE_HOUR_MS);
      // Byte for byte what express-session's Cookie serializes and connect-redis stores.
      const storedText = `{"cookie":{"originalMaxAge":${ONE_HOUR_MS},"expires":"${expires.toISOString()}","httpOnly":true,"path":"/"},"userId":"ada","views":41}`;
      await inspector.set(`${prefix}${sessionId}`, storedText, 'EX', Math.ceil(ONE_HOUR_MS / 1000));
      const cookie = `connect.sid=${encodeURIComponent(signSessionId(sessionId, TEST_SECRET))}`;

      const views = await http.get('/views').set('Cookie', cookie).expect(200);
      expect(views.body).toEqual({ views: 42, sessionId });
      const stored = JSON.parse((await inspector.get(`${prefix}${sessionId}`))!);
      expect(stored).toMatchObject({ userId: 'ada', views: 42, cookie: { originalMaxAge: ONE_HOUR_MS, httpOnly: true, path: '/' } });
    });

    describe('an express-session app with a connect-redis store and a Nest app, on one Redis', () => {
      let expressApp: Express;
      let nest: Awaited<ReturnType<typeof appOnRedis>>;

      beforeEach(async () => {
        const prefix = uniquePrefix();
        nest = await appOnRedis(platform, { prefix });
        expressApp = express();
        expressApp.use(
          expressSession({
            secret: TEST_SECRET,
            store: new ConnectRedisFormatStore(inspector, prefix),
            cookie: { maxAge: ONE_HOUR_MS },
            resave: false,
            saveUninitialized: false,
          }),
        );
        expressApp.post('/login', (req, res) => {
          req.session.userId = 'grace';
          res.json({ userId: req.session.userId });
        });
        expressApp.get('/me', (req, res) => {
          if (!req.session.userId) return void res.status(401).json({ signedIn: false });
          res.json({ userId: req.session.userId });
        });
      });

      it('a user signed in under express-session is signed in under nest-sessions', async () => {
        const cookie = cookiePair((await request(expressApp).post('/login').expect(200)).headers['set-cookie'])!;
        expect((await nest.http.get('/me').set('Cookie', cookie).expect(200)).body).toEqual({ userId: 'grace' });
      });

      it('and back: connect-redis reads what RedisStore wrote, with the TTL it would have written', async () => {
        const cookie = await login(nest.http, 'ada');
        expect((await request(expressApp).get('/me').set('Cookie', cookie).expect(200)).body).toEqual({ userId: 'ada' });
        const key = nest.store.prefix + sessionIdOf(cookie);
        const stored = JSON.parse((await inspector.get(key))!);
        expect(await inspector.ttl(key)).toBeLessThanOrEqual(connectRedisTtl(stored));
        expect(await inspector.ttl(key)).toBeGreaterThan(connectRedisTtl(stored) - 5);
      });
    });
  });

  describe('an Express app and a Fastify app on one RedisStore', () => {
    let onExpress: Awaited<ReturnType<typeof appOnRedis>>;
    let onFastify: Awaited<ReturnType<typeof appOnRedis>>;

    beforeEach(async () => {
      const prefix = uniquePrefix();
      onExpress = await appOnRedis(EXPRESS, { prefix });
      onFastify = await appOnRedis(FASTIFY, { prefix });
    });

    it('a user signed in on Express is signed in on Fastify, and what Fastify writes Express reads', async () => {
      const cookie = await login(onExpress.http, 'ada');
      expect((await onFastify.http.get('/me').set('Cookie', cookie).expect(200)).body).toEqual({ userId: 'ada' });
      await onFastify.http.get('/views').set('Cookie', cookie).expect(200);
      expect((await onExpress.http.get('/peek').set('Cookie', cookie).expect(200)).body).toMatchObject({ userId: 'ada', views: 1 });
    });

    it('a user signed in on Fastify is signed in on Express, and signing out on Express ends it on Fastify', async () => {
      const cookie = await login(onFastify.http, 'grace');
      expect((await onExpress.http.get('/me').set('Cookie', cookie).expect(200)).body).toEqual({ userId: 'grace' });
      await onExpress.http.post('/logout').set('Cookie', cookie).expect(200);
      await onFastify.http.get('/me').set('Cookie', cookie).expect(401);
    });
  });

  describe('TTL and touch', () => {
    it('an unchanged session is only touched: EXPIRE resets its TTL, the value is not rewritten', async () => {
      const { http, store } = await appOnRedis(EXPRESS, {}, { rolling: true });
      const cookie = await login(http);
      const key = store.prefix + sessionIdOf(cookie);
      const storedText = await inspector.get(key);
      await inspector.expire(key, 100);
      await http.get('/me').set('Cookie', cookie).expect(200);
      expect(await inspector.get(key)).toBe(storedText);
      expect(await inspector.ttl(key)).toBeGreaterThan(3590);
    });

    it('a session kept alive by touches outlives the expiry stored at its last save', async () => {
      const { http, store } = await appOnRedis(EXPRESS, {}, { rolling: true });
      const cookie = await login(http);
      const key = store.prefix + sessionIdOf(cookie);
      // As after an hour of touches: the stored cookie says it expired, the key lives on.
      const stored = JSON.parse((await inspector.get(key))!);
      stored.cookie.expires = new Date(Date.now() - 60_000).toISOString();
      await inspector.set(key, JSON.stringify(stored), 'KEEPTTL');
      expect((await http.get('/me').set('Cookie', cookie).expect(200)).body).toEqual({ userId: 'alice' });
    });

    it('one round trip per load and one per save', async () => {
      const { http, store } = await appOnRedis(EXPRESS);
      // An anonymous session: a signed-in one also sends its owner-index script with each save
      // (concurrently, a second command in the same round trip; see user-sessions tests).
      const first = await http.get('/views').expect(200);
      const cookie = cookiePair(first.headers['set-cookie'])!;
      const socket = (store.client as Redis).stream;
      const writes = jest.spyOn(socket, 'write');
      await http.get('/views').set('Cookie', cookie).expect(200); // load (GET) and save (SET XX)
      expect(writes).toHaveBeenCalledTimes(2);
      writes.mockRestore();
    });
  });

  describe.each(PLATFORMS)('when Redis is down, on $name', (platform) => {
    it('routes needing a session answer 503 at once, others work; sessions come back with Redis', async () => {
      const { http, store } = await appOnRedis(platform);
      const cookie = await login(http);
      const disconnected = once(store, 'disconnect');
      await server.kill();
      await disconnected;

      const views = await http.get('/views').set('Cookie', cookie).expect(503);
      expect(views.body.message).toBe('Session store unavailable, try again later');
      await http.get('/me').set('Cookie', cookie).expect(503);
      await http.get('/nothing').set('Cookie', cookie).expect(200);

      const connected = once(store, 'connect');
      await server.restart();
      await connected;
      // The restarted server kept nothing (no persistence): sign in again, without an app restart.
      await http.get('/me').set('Cookie', cookie).expect(401);
      const newCookie = await login(http, 'bob');
      expect((await http.get('/me').set('Cookie', newCookie).expect(200)).body).toEqual({ userId: 'bob' });
    });

    it('a Redis that stops answering gives 503 after the command timeout, not a hung request', async () => {
      const { http } = await appOnRedis(platform);
      const cookie = await login(http);
      server.pause();
      await http.get('/views').set('Cookie', cookie).expect(503);
    });

    it("storeUnavailable: 'continue' lets the request through without a session instead", async () => {
      const { http } = await appOnRedis(platform, {}, { storeUnavailable: 'continue' });
      const cookie = await login(http);
      server.pause();
      const raw = await http.get('/raw').set('Cookie', cookie).expect(200);
      expect(raw.body.hasSession).toBe(false);
    });
  });

  it('corrupted data under a session key starts a new session, and is logged', async () => {
    const logger = new CollectingLogger();
    const { http, store } = await appOnRedis(EXPRESS, { logger });
    const cookie = await login(http);
    await inspector.set(store.prefix + sessionIdOf(cookie), '\u0000garbage{', 'KEEPTTL');
    const response = await http.get('/views').set('Cookie', cookie).expect(200);
    expect(response.body.views).toBe(1);
    expect(response.body.sessionId).not.toBe(sessionIdOf(cookie));
    expect(logger.messages.join('\n')).toContain('does not parse');
  });

  it('a request in flight across a login on another instance sends no stale cookie (its touch found no key)', async () => {
    /** Touches late, as a request slower than the login in another tab. */
    class LateTouchRedisStore extends RedisStore {
      override async touch(...args: Parameters<RedisStore['touch']>): Promise<boolean> {
        await new Promise((resolve) => setTimeout(resolve, 150));
        return super.touch(...args);
      }
    }
    const prefix = uniquePrefix();
    const slow = new LateTouchRedisStore({ url: server.url, prefix, logger: new CollectingLogger() });
    const appA = await createSessionApp(EXPRESS, { store: slow, rolling: true, cookie: { maxAge: ONE_HOUR_MS } });
    apps.push(appA);
    await waitUntil(() => slow.client.status === 'ready', 'the store is connected');
    const b = await appOnRedis(EXPRESS, { prefix });
    const oldCookie = await login(b.http);

    const inFlight = request(appA.getHttpServer()).get('/peek').set('Cookie', oldCookie).then((response) => response);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const newCookie = cookiePair((await b.http.post('/login?user=bob').set('Cookie', oldCookie).expect(200)).headers['set-cookie'])!;
    const late = await inFlight;
    expect(late.status).toBe(200);
    expect(late.headers['set-cookie']).toBeUndefined();
    expect((await b.http.get('/peek').set('Cookie', newCookie).expect(200)).body.userId).toBe('bob');
  });

  it('two app instances on one Redis: a login on one is seen by the other, a logout on the other ends it on both', async () => {
    const prefix = uniquePrefix();
    const first = await appOnRedis(EXPRESS, { prefix });
    const second = await appOnRedis(EXPRESS, { prefix });
    expect(first.store.client).not.toBe(second.store.client);

    const cookie = await login(first.http, 'carol');
    expect((await second.http.get('/me').set('Cookie', cookie).expect(200)).body).toEqual({ userId: 'carol' });
    await second.http.post('/logout').set('Cookie', cookie).expect(200);
    await first.http.get('/me').set('Cookie', cookie).expect(401);
    await second.http.get('/me').set('Cookie', cookie).expect(401);
  });

  describe('application shutdown and wiring', () => {
    it('closing the app quits the client the store created', async () => {
      const { app, store } = await appOnRedis(EXPRESS);
      await app.close();
      apps.splice(apps.indexOf(app), 1);
      expect(store.client.status).toBe('end');
    });

    it('forRootAsync with an injected client: the documented wiring; the app leaves the client open', async () => {
      const REDIS_CLIENT = Symbol('REDIS_CLIENT');
      const client = new Redis(server.port, '127.0.0.1', { ...RedisStore.failFastClientOptions });
      @Module({ providers: [{ provide: REDIS_CLIENT, useValue: client }], exports: [REDIS_CLIENT] })
      class RedisClientModule {}

      const moduleRef = await Test.createTestingModule({
        imports: [
          SessionModule.forRootAsync({
            imports: [RedisClientModule],
            inject: [REDIS_CLIENT],
            useFactory: (redis: Redis) => ({ secret: TEST_SECRET, store: new RedisStore({ client: redis, prefix: uniquePrefix() }) }),
          }),
        ],
        controllers: [SessionTestController],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      try {
        expect(app.get(SessionStore)).toBeInstanceOf(RedisStore);
        const http = request(app.getHttpServer());
        const cookie = await login(http, 'dora');
        expect((await http.get('/me').set('Cookie', cookie).expect(200)).body).toEqual({ userId: 'dora' });
      } finally {
        await app.close();
      }
      expect(client.status).toBe('ready');
      client.disconnect();
    });
  });
});

describe('sessions in a Redis Cluster, over HTTP', () => {
  it('two app instances share sessions through a 3-master cluster', async () => {
    const target = await startCluster();
    const apps: INestApplication[] = [];
    try {
      const prefix = uniquePrefix();
      for (let index = 0; index < 2; index++) {
        apps.push(await createSessionApp(EXPRESS, { store: new RedisStore({ client: await target.newClient(), prefix }) }));
      }
      const [first, second] = apps.map((app) => request(app.getHttpServer()));
      const cookies: string[] = [];
      for (const user of ['ann', 'ben', 'cat', 'dan']) {
        const response = await first!.post(`/login?user=${user}`).expect(200);
        cookies.push(cookiePair(response.headers['set-cookie'])!);
      }
      for (const [index, user] of ['ann', 'ben', 'cat', 'dan'].entries()) {
        expect((await second!.get('/me').set('Cookie', cookies[index]!).expect(200)).body).toEqual({ userId: user });
      }
      await second!.post('/logout').set('Cookie', cookies[0]!).expect(200);
      await first!.get('/me').set('Cookie', cookies[0]!).expect(401);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
      await target.stop();
    }
  });
});
