import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SessionGuard, SessionStore, SkipSessionGuard } from '../../../lib/index.js';
import { RedisStore } from '../../../lib/redis.js';
import { createSessionApp } from '../../support/e2e-app.js';
import { PLATFORMS } from '../../support/platforms.js';
import { RedisServerProcess } from '../../support/redis-server.js';
import { CollectingLogger, uniquePrefix } from './redis-targets.js';

/** The README's readiness route ("Health checks"), as written there. */
@Controller('health')
@SkipSessionGuard()
class HealthController {
  constructor(private readonly store: SessionStore) {}

  @Get()
  check() {
    if (!this.store.isConnected) throw new ServiceUnavailableException({ sessionStore: 'down' });
    return { sessionStore: 'up' };
  }
}

/**
 * The README's health check on a RedisStore whose server dies and comes back, behind `hashIds`
 * and `encryption` (the injected store is their wrapper) and a global SessionGuard: the route
 * reports what the store's connection says, without a restart of the app.
 */
describe.each(PLATFORMS)('a readiness route reading the injected store, on $name', (platform) => {
  let server: RedisServerProcess;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    server = await RedisServerProcess.start();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    if (!server.isRunning) await server.restart();
  });

  afterAll(async () => {
    await server.stop();
  });

  it("answers 200 while Redis answers, 503 once it is gone, and 200 again once it is back", async () => {
    const store = new RedisStore({ url: server.url, prefix: uniquePrefix(), connection: { commandTimeout: 300 }, logger: new CollectingLogger() });
    app = await createSessionApp(
      platform,
      { store, hashIds: true, encryption: { keys: [{ id: 'health', key: randomBytes(32) }] } },
      { controllers: [HealthController], providers: [{ provide: APP_GUARD, useClass: SessionGuard }] },
    );
    const http = request(app.getHttpServer());
    await http.get('/health').expect(200, { sessionStore: 'up' });

    const disconnected = once(store, 'disconnect');
    await server.kill();
    await disconnected;
    const down = await http.get('/health').expect(503);
    expect(down.body).toMatchObject({ sessionStore: 'down' });

    const connected = once(store, 'connect');
    await server.restart();
    await connected;
    await http.get('/health').expect(200, { sessionStore: 'up' });
  });
});
