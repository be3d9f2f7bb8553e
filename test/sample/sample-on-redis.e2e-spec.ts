import 'reflect-metadata';
import request from 'supertest';
import { Redis } from 'ioredis';
import type { INestApplication } from '@nestjs/common';
import { SessionStore } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { createSampleApp, sampleCsrfToken } from '../support/sample-app.js';
import { createSampleStore } from '../../sample/sample-store.js';
import { cookiePair, sessionIdOf } from '../support/e2e-app.js';
import { RedisServerProcess, waitUntil } from '../support/redis-server.js';
import { EXPRESS } from '../support/platforms.js';

/** `SESSION_STORE=redis REDIS_URL=… npm run sample` runs the sample on Redis. */
describe('sample app with SESSION_STORE=redis', () => {
  let server: RedisServerProcess;
  const savedEnvironment = { SESSION_STORE: process.env.SESSION_STORE, REDIS_URL: process.env.REDIS_URL };

  beforeAll(async () => {
    server = await RedisServerProcess.start();
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(savedEnvironment)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await server.stop();
  });

  it('keeps its sessions in the Redis at REDIS_URL, and closes the client on shutdown', async () => {
    process.env.SESSION_STORE = 'redis';
    process.env.REDIS_URL = server.url;
    const app: INestApplication = await createSampleApp(EXPRESS);
    await app.init();
    const store = app.get(SessionStore) as RedisStore;
    const inspector = new Redis(server.port, '127.0.0.1');
    try {
      expect(store).toBeInstanceOf(RedisStore);
      await waitUntil(() => store.client.status === 'ready', 'the sample store is connected');
      const http = request(app.getHttpServer());
      const visitor = await sampleCsrfToken(app);
      const login = await http.post('/login').set('Cookie', visitor.cookie).send({ username: 'ada', _csrf: visitor.csrfToken }).expect(200);
      const cookie = cookiePair(login.headers['set-cookie'])!;
      expect((await http.get('/me').set('Cookie', cookie).expect(200)).body).toMatchObject({ userId: 'ada' });
      expect(JSON.parse((await inspector.get(`sess:${sessionIdOf(cookie)}`))!)).toMatchObject({ userId: 'ada' });
    } finally {
      inspector.disconnect();
      await app.close();
    }
    expect(store.client.status).toBe('end');
  });

  it('defaults to the embedded MemoryStore and rejects unknown store names', () => {
    expect(createSampleStore({})).toBeUndefined();
    expect(() => createSampleStore({ SESSION_STORE: 'mongo' })).toThrow('use "memory" or "redis"');
  });
});
