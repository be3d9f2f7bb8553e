import { jest } from '@jest/globals';
import request from 'supertest';
import { Logger } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import fastifyPassport from '@fastify/passport';
import passport from 'passport';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { Test } from '@nestjs/testing';
import { TEST_SECRET } from '../../support/e2e-app.js';
import { createPassportApp, passportAppModule } from './passport-app.js';
import { FASTIFY, PLATFORMS } from '../../support/platforms.js';

/** The warnings SessionModule logged that point to the `middleware` option. */
function passportHints(warn: jest.SpiedFunction<Logger['warn']>): string[] {
  return warn.mock.calls.map(([message]) => String(message)).filter((message) => message.includes('passport'));
}

describe.each(PLATFORMS)('Passport set up without the session (the tutorials\' main.ts) on $name', (platform) => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    jest.restoreAllMocks();
  });

  it('app.use(passport.session()) in main.ts: the 500 is explained once in the log, pointing to the middleware option', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    ({ app } = await createPassportApp(platform, { middleware: [] }, (nestApp) => {
      nestApp.use(passport.initialize());
      nestApp.use(passport.session());
    }));
    const http = request(app.getHttpServer());

    const first = await http.get('/profile').expect(500);
    await http.get('/profile').expect(500);

    expect(first.text).not.toContain('Login sessions');
    const hints = passportHints(warn);
    expect(hints).toHaveLength(1);
    expect(hints[0]).toContain("Passport found no req.session ('Login sessions require session support')");
    expect(hints[0]).toContain('app.use(passport.session()) in main.ts');
    expect(hints[0]).toContain('middleware: [passport.initialize(), passport.session()]');
  });

  it('logs nothing when Passport gets its middleware through the middleware option', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    ({ app } = await createPassportApp(platform));

    await request(app.getHttpServer()).get('/profile').expect(401);
    await request(app.getHttpServer()).post('/login').send({ username: 'ada', password: 'wrong' }).expect(401);

    expect(passportHints(warn)).toEqual([]);
  });
});

describe('@fastify/passport on Fastify', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    jest.restoreAllMocks();
  });

  /** The recipe's app on Fastify with @fastify/passport's plugins registered instead of the middleware option. */
  async function createFastifyPassportApp(registerSessionPlugin: boolean): Promise<INestApplication> {
    fastifyPassport.registerUserDeserializer(async (id: unknown) => ({ id }));
    const moduleRef = await Test.createTestingModule({ imports: [passportAppModule({ middleware: [] })] }).compile();
    const nestApp = moduleRef.createNestApplication(FASTIFY.createAdapter(), { logger: false });
    const fastifyApp = nestApp as unknown as { register(plugin: unknown, options?: object): Promise<unknown> };
    if (registerSessionPlugin) {
      await fastifyApp.register(fastifyCookie);
      await fastifyApp.register(fastifySession, { secret: TEST_SECRET });
    }
    await fastifyApp.register(fastifyPassport.initialize());
    await fastifyApp.register(fastifyPassport.secureSession());
    await nestApp.init();
    return nestApp;
  }

  it('registered after start-up, it fails on our session at the first request: the 500 is explained once, pointing to passport', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    fastifyPassport.registerUserDeserializer(async (id: unknown) => ({ id }));
    const moduleRef = await Test.createTestingModule({ imports: [passportAppModule({ middleware: [] })] }).compile();
    const adapter = FASTIFY.createAdapter();
    app = moduleRef.createNestApplication(adapter, { logger: false });
    await app.init();
    // Now Fastify's request has SessionModule's session decorator, which @fastify/flash asks for.
    const fastifyApp = app as unknown as { register(plugin: unknown): unknown };
    fastifyApp.register(fastifyPassport.initialize());
    fastifyApp.register(fastifyPassport.secureSession());
    await adapter.getInstance().ready();
    const http = request(app.getHttpServer());

    await http.get('/profile').expect(500);
    await http.get('/profile').expect(500);

    const hints = passportHints(warn);
    expect(hints).toHaveLength(1);
    expect(hints[0]).toContain('@fastify/passport failed on req.session');
    expect(hints[0]).toContain('middleware: [passport.initialize(), passport.session()]');
  });

  it('without a session plugin, start-up fails with @fastify/flash asking for a session decorator (before SessionModule runs)', async () => {
    await expect(createFastifyPassportApp(false)).rejects.toThrow(/decorator 'session' required by '@fastify\/flash'/);
  });

  it('with @fastify/session added to satisfy it, start-up fails naming @fastify/passport and the fix', async () => {
    const attempt = createFastifyPassportApp(true);

    await expect(attempt).rejects.toThrow(/already has a "session" decorator/);
    await expect(createFastifyPassportApp(true)).rejects.toThrow(
      /@fastify\/passport needs the session API of @fastify\/session.*middleware: \[passport.initialize\(\), passport.session\(\)\]/,
    );
  });
});
