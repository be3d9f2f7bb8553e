import request from 'supertest';
import expressSession from 'express-session';
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CallbackStoreAdapter, MemoryStore, Session, SessionModule, SessionOptionsError, SessionStore } from '../../../lib/index.js';
import type { SessionModuleOptions, SessionOptionsFactory } from '../../../lib/index.js';
import { cookiePair, SessionTestController, TEST_SECRET, startApp } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { PLATFORMS } from '../../support/platforms.js';
import type { Platform } from '../../support/platforms.js';

@Injectable()
class SessionConfig {
  readonly secret = TEST_SECRET;
  readonly cookieName = 'config.sid';
}

@Module({ providers: [SessionConfig], exports: [SessionConfig] })
class ConfigModule {}

@Injectable()
class SessionOptionsProvider implements SessionOptionsFactory {
  constructor(private readonly config: SessionConfig) {}
  createSessionOptions(): SessionModuleOptions {
    return { secret: this.config.secret, name: 'factory.sid' };
  }
}

/** A feature module that does not import SessionModule: the module is global by default. */
@Controller('feature')
class FeatureController {
  @Get()
  read(@Session() session: Session) {
    session.views = (session.views ?? 0) + 1;
    return { views: session.views };
  }
}
@Module({ controllers: [FeatureController] })
class FeatureModule {}

async function bootstrap(platform: Platform, imports: unknown[], controllers: unknown[] = [SessionTestController]): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: imports as never, controllers: controllers as never }).compile();
  return startApp(platform, moduleRef);
}

describe.each(PLATFORMS)('SessionModule on $name', (platform) => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('forRootAsync with useFactory and an injected config provider', async () => {
    app = await bootstrap(platform, [
      SessionModule.forRootAsync({
        imports: [ConfigModule],
        inject: [SessionConfig],
        useFactory: (config: SessionConfig) => ({ secret: config.secret, name: config.cookieName }),
      }),
    ]);
    const response = await request(app.getHttpServer()).get('/views').expect(200);
    expect(cookiePair(response.headers['set-cookie'], 'config.sid')).toBeDefined();
  });

  it('forRootAsync with useClass', async () => {
    app = await bootstrap(platform, [
      SessionModule.forRootAsync({ imports: [ConfigModule], useClass: SessionOptionsProvider }),
    ]);
    const response = await request(app.getHttpServer()).get('/views').expect(200);
    expect(cookiePair(response.headers['set-cookie'], 'factory.sid')).toBeDefined();
  });

  it('provides the default MemoryStore under the SessionStore token, as req.sessionStore', async () => {
    app = await bootstrap(platform, [SessionModule.forRoot({ secret: TEST_SECRET })]);
    expect(app.get(SessionStore)).toBeInstanceOf(MemoryStore);
    const response = await request(app.getHttpServer()).get('/views').expect(200);
    const raw = await request(app.getHttpServer())
      .get('/raw')
      .set('Cookie', cookiePair(response.headers['set-cookie'])!)
      .expect(200);
    expect(raw.body).toEqual({ hasSession: true, sessionID: response.body.sessionId, hasSessionStore: true });
    expect(await app.get(SessionStore).get(response.body.sessionId)).toMatchObject({ views: 1 });
  });

  it('passes memoryStore options to the default store', async () => {
    app = await bootstrap(platform, [SessionModule.forRoot({ secret: TEST_SECRET, memoryStore: { max: 2 } })]);
    expect((app.get(SessionStore) as MemoryStore).max).toBe(2);
  });

  it('adapts an express-session callback store given as store', async () => {
    const callbackStore = new expressSession.MemoryStore();
    app = await bootstrap(platform, [SessionModule.forRoot({ secret: TEST_SECRET, store: callbackStore as never })]);
    expect(app.get(SessionStore)).toBeInstanceOf(CallbackStoreAdapter);
    const first = await request(app.getHttpServer()).get('/views').expect(200);
    const second = await request(app.getHttpServer())
      .get('/views')
      .set('Cookie', cookiePair(first.headers['set-cookie'])!)
      .expect(200);
    expect(second.body.views).toBe(2);
    const stored = await new Promise<unknown>((resolve) => callbackStore.get(first.body.sessionId, (_e, s) => resolve(s)));
    expect(stored).toMatchObject({ views: 2 });
  });

  it('closes the store on application shutdown, unless closeStoreOnShutdown is false', async () => {
    const closing = new InstrumentedStore();
    app = await bootstrap(platform, [SessionModule.forRoot({ secret: TEST_SECRET, store: closing })]);
    await app.close();
    app = undefined;
    expect(closing.closed).toBe(true);

    const kept = new InstrumentedStore();
    app = await bootstrap(platform, [SessionModule.forRoot({ secret: TEST_SECRET, store: kept, closeStoreOnShutdown: false })]);
    await app.close();
    app = undefined;
    expect(kept.closed).toBe(false);
  });

  it('works in feature modules that do not import it (global by default)', async () => {
    app = await bootstrap(platform, [SessionModule.forRoot({ secret: TEST_SECRET }), FeatureModule], []);
    const first = await request(app.getHttpServer()).get('/feature').expect(200);
    const second = await request(app.getHttpServer())
      .get('/feature')
      .set('Cookie', cookiePair(first.headers['set-cookie'])!)
      .expect(200);
    expect(second.body.views).toBe(2);
  });

  it.each([
    ['forRoot twice', () => SessionModule.forRoot({ secret: TEST_SECRET }), () => SessionModule.forRoot({ secret: TEST_SECRET })],
    ['forRoot and forRootAsync', () => SessionModule.forRoot({ secret: TEST_SECRET }), () => SessionModule.forRootAsync({ useFactory: () => ({ secret: TEST_SECRET, name: 'other.sid' }) })],
  ])('fails start-up on %s in one app, naming both importers and the fix', async (_case, rootImport, featureImport) => {
    @Module({ imports: [featureImport()], controllers: [FeatureController] })
    class UsersModule {}

    const attempt = bootstrap(platform, [rootImport(), UsersModule]);

    await expect(attempt).rejects.toThrow(SessionOptionsError);
    const error = (await attempt.catch((thrown: unknown) => thrown)) as SessionOptionsError;
    expect(error.message).toMatch(/SessionModule\.forRoot\(\) \/ forRootAsync\(\) is imported 2 times in one application \(by RootTestModule, UsersModule\)/);
    expect(error.message).toContain('import it once, in the root module');
    expect(error.message).toContain('global');
    expect(error.message).not.toContain('@fastify/session');
  });

  it('limits the middleware with forRoutes and exclude, while @Session() still loads the session there', async () => {
    const store = new InstrumentedStore();
    app = await bootstrap(platform, [SessionModule.forRoot({ secret: TEST_SECRET, store, exclude: ['raw', 'views'] })]);
    const http = request(app.getHttpServer());
    // Excluded route without @Session(): no middleware, no session.
    const raw = await http.get('/raw').expect(200);
    expect(raw.body.hasSession).toBe(false);
    // Excluded route with @Session(): the decorator loads and commits the session itself.
    const first = await http.get('/views').expect(200);
    const cookie = cookiePair(first.headers['set-cookie'])!;
    const second = await http.get('/views').set('Cookie', cookie).expect(200);
    expect(second.body.views).toBe(2);
    await app.close();

    app = await bootstrap(platform, [SessionModule.forRoot({ secret: TEST_SECRET, store, forRoutes: ['peek'] })]);
    const onlyPeek = request(app.getHttpServer());
    expect((await onlyPeek.get('/raw').set('Cookie', cookie)).body.hasSession).toBe(false);
    expect((await onlyPeek.get('/peek').set('Cookie', cookie)).body.views).toBe(2);
  });
});
