import { Controller, Get, Module, Req } from '@nestjs/common';
import type { INestApplication, MiddlewareConsumer, NestModule } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { MemoryStore, Session, SessionStore } from '../../../lib/index.js';
import type { SessionModuleOptions } from '../../../lib/index.js';
import { cookiePair, createSessionApp, sessionIdOf } from '../../support/e2e-app.js';
import { FASTIFY, PLATFORMS } from '../../support/platforms.js';

/**
 * Where the session is attached on Fastify. With no other module mounting middleware, in an
 * `onRequest` hook of its own, so @fastify/middie runs nothing for the request; otherwise as a
 * middleware in @fastify/middie, ahead of the modules' middleware, which may read it. Either
 * way `app.use()` middleware runs first, as on Express.
 */

type RawFields = { originalUrl?: string; hostname?: unknown; sawSession?: boolean; sessionAtUse?: boolean };

@Controller()
class HookController {
  @Get('count')
  count(@Session() session: Session, @Req() req: { raw?: RawFields } & RawFields) {
    session.views = (session.views ?? 0) + 1;
    const raw = req.raw ?? req;
    return {
      views: session.views,
      middieCopiedFields: raw.hostname !== undefined,
      sawSession: raw.sawSession ?? null,
      sessionAtUse: raw.sessionAtUse ?? null,
    };
  }

  @Get('login')
  login(@Session() session: Session) {
    session.userId = 'grace';
    return { sessionId: session.id };
  }
}

/** A feature module whose middleware reads the session, as Passport's `session()` does. */
@Module({})
class SessionReaderModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply((req: RawFields & { session?: unknown }, _res: unknown, next: () => void) => {
        req.sawSession = req.session != null;
        next();
      })
      .forRoutes('{*path}');
  }
}

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(options: Partial<SessionModuleOptions> = {}, imports: unknown[] = [], platform = FASTIFY, adapterOptions = {}) {
  app = await createSessionApp(
    { name: platform.name, createAdapter: () => platform.createAdapter(adapterOptions) },
    { store: new MemoryStore({ checkPeriod: 0 }), ...options },
    { controllers: [HookController], imports: imports as never[] },
    (created) =>
      created.use((req: RawFields & { session?: unknown }, _res: unknown, next: () => void) => {
        req.sessionAtUse = req.session !== undefined;
        next();
      }),
  );
  return request(app.getHttpServer());
}

describe('on Fastify, the session attached in a hook of its own', () => {
  it('leaves @fastify/middie nothing to do but the app.use() middleware, which runs before the session', async () => {
    const http = await start();
    const first = await http.get('/count').expect(200);
    const second = await http.get('/count').set('Cookie', cookiePair(first.headers['set-cookie'])!).expect(200);
    expect(second.body).toMatchObject({ views: 2, sessionAtUse: false });
  });

  it('runs @fastify/middie for nothing when no middleware is mounted at all', async () => {
    app = await createSessionApp(FASTIFY, { store: new MemoryStore({ checkPeriod: 0 }) }, { controllers: [HookController] });
    const http = request(app.getHttpServer());
    const response = await http.get('/count').expect(200);
    expect(response.body).toMatchObject({ views: 1, middieCopiedFields: false });
  });

  it('mounts the session in @fastify/middie, ahead of them, when a module mounts middleware that reads it', async () => {
    const http = await start({}, [SessionReaderModule]);
    const first = await http.get('/count').expect(200);
    expect(first.body).toMatchObject({ views: 1, sawSession: true, sessionAtUse: false });
  });

  it('gives a cookie function and genid the request fields @fastify/middie would (hostname, protocol, ip)', async () => {
    const seen: unknown[] = [];
    app = await createSessionApp(
      FASTIFY,
      {
        store: new MemoryStore({ checkPeriod: 0 }),
        genid: (req) => {
          const raw = req as unknown as { ip?: unknown; hostname?: unknown };
          seen.push(['genid', typeof raw.ip, typeof raw.hostname]);
          return randomBytes(24).toString('base64url');
        },
        cookie: (req) => {
          seen.push(['cookie', (req as unknown as { protocol?: unknown }).protocol]);
          return { maxAge: 60_000, sameSite: 'lax' };
        },
      },
      { controllers: [HookController] },
    );
    await request(app.getHttpServer()).get('/count').expect(200);
    expect(seen).toEqual(expect.arrayContaining([['genid', 'string', 'string'], ['cookie', 'http']]));
  });

  it("takes the protocol Fastify's trustProxy gives for `secure: 'auto'`", async () => {
    const http = await start({ cookie: { secure: 'auto' } }, [], FASTIFY, { trustProxy: true });
    const overTls = await http.get('/count').set('X-Forwarded-Proto', 'https').expect(200);
    expect(overTls.headers['set-cookie']?.[0]).toMatch(/; Secure/);
    const plain = await http.get('/count').expect(200);
    expect(plain.headers['set-cookie']?.[0]).not.toMatch(/; Secure/);
  });

  it("records the client address Fastify's trustProxy gives with trackClient", async () => {
    const http = await start({ trackClient: true }, [], FASTIFY, { trustProxy: true });
    const response = await http.get('/login').set('X-Forwarded-For', '203.0.113.9').expect(200);
    const stored = await app!.get(SessionStore).get(sessionIdOf(cookiePair(response.headers['set-cookie'])!));
    expect(stored).toMatchObject({ __activity: { ip: '203.0.113.9' } });
  });
});

describe.each(PLATFORMS)('app.use() middleware and the session on $name', (platform) => {
  it('runs before the session, whichever way it is attached', async () => {
    for (const imports of [[], [SessionReaderModule]]) {
      const http = await start({}, imports, platform);
      const response = await http.get('/count').expect(200);
      expect(response.body).toMatchObject({ views: 1, sessionAtUse: false });
      await app!.close();
      app = undefined;
    }
  });
});
