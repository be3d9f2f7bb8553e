import 'reflect-metadata';
import request from 'supertest';
import { Controller, Get, Module } from '@nestjs/common';
import type { MiddlewareConsumer, NestModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SessionModule, SessionOptionsError } from '../../../lib/index.js';
import type { SessionModuleOptions } from '../../../lib/index.js';
import { TEST_SECRET, createSessionApp, startApp } from '../../support/e2e-app.js';
import { PLATFORMS } from '../../support/platforms.js';
import type { Platform } from '../../support/platforms.js';

/** What ran, in order, and whether `req.session` was there. */
let runs: string[] = [];

function probe(label: string) {
  return (req: { session?: unknown }, _res: unknown, next: () => void) => {
    runs.push(`${label}:${req.session ? 'session' : 'none'}`);
    next();
  };
}

@Controller()
class ProbeController {
  @Get('probe')
  handle() {
    runs.push('handler');
    return { ok: true };
  }

  @Get('health')
  health() {
    runs.push('handler');
    return { ok: true };
  }
}

/** GETs `path` on an app made of `rootModule`, with `app.use(probe('app.use'))`; returns the run order. */
async function runOrder(platform: Platform, rootModule: object, path = '/probe'): Promise<string[]> {
  const moduleRef = await Test.createTestingModule({ imports: [rootModule as never] }).compile();
  const app = await startApp(platform, moduleRef, (nestApp) => nestApp.use(probe('app.use')));
  try {
    runs = [];
    await request(app.getHttpServer()).get(path).expect(200);
    return runs;
  } finally {
    await app.close();
  }
}

function rootModuleWith(sessionOptions: Partial<SessionModuleOptions>, isGlobal = true) {
  @Module({
    imports: [SessionModule.forRoot({ secret: TEST_SECRET, ...sessionOptions, isGlobal })],
    controllers: [ProbeController],
  })
  class AppModule implements NestModule {
    configure(consumer: MiddlewareConsumer) {
      consumer.apply(probe('AppModule')).forRoutes('{*path}');
    }
  }
  return AppModule;
}

describe.each(PLATFORMS)("SessionModule's middleware option on $name", (platform) => {

  it('runs the given middleware in order, after the session middleware, before the handler', async () => {
    const order = await runOrder(platform, rootModuleWith({ middleware: [probe('first'), probe('second')] }));

    expect(order).toEqual(
      platform.name === 'express'
        ? ['app.use:none', 'first:session', 'second:session', 'AppModule:session', 'handler']
        : // Fastify runs them in its onRequest hook, with its own request: after Nest's middleware.
          ['app.use:none', 'AppModule:session', 'first:session', 'second:session', 'handler'],
    );
  });

  it('keeps that order when SessionModule is not global', async () => {
    const order = await runOrder(platform, rootModuleWith({ middleware: [probe('first')] }, false));

    // Covering every route, the session middleware is mounted once for the application,
    // ahead of every module's middleware, global or not.
    expect(order).toEqual(
      platform.name === 'express'
        ? ['app.use:none', 'first:session', 'AppModule:session', 'handler']
        : ['app.use:none', 'AppModule:session', 'first:session', 'handler'],
    );
  });

  it('keeps the given middleware right after the session when routes are limited and the module is not global', async () => {
    const order = await runOrder(platform, rootModuleWith({ middleware: [probe('first')], forRoutes: ['probe'] }, false));

    // Mounted through Nest's middleware consumer: the root module's own middleware comes first.
    expect(order).toEqual(['app.use:none', 'AppModule:none', 'first:session', 'handler']);
  });

  it('works with forRootAsync', async () => {
    @Module({
      imports: [
        SessionModule.forRootAsync({ useFactory: () => ({ secret: TEST_SECRET, middleware: [probe('first')] }) }),
      ],
      controllers: [ProbeController],
    })
    class AppModule {}

    expect(await runOrder(platform, AppModule)).toEqual(['app.use:none', 'first:session', 'handler']);
  });

  it('skips the given middleware on routes the session middleware is excluded from', async () => {
    const rootModule = rootModuleWith({ middleware: [probe('first')], exclude: ['health'] });

    expect(await runOrder(platform, rootModule, '/health')).toEqual(['app.use:none', 'AppModule:none', 'handler']);
    expect(await runOrder(platform, rootModule, '/probe')).toEqual(
      platform.name === 'express'
        ? ['app.use:none', 'first:session', 'AppModule:session', 'handler']
        : ['app.use:none', 'AppModule:session', 'first:session', 'handler'],
    );
  });

  it.each([
    ['passes an error to next', (_req: unknown, _res: unknown, next: (error?: unknown) => void) => next(new Error('follower failed'))],
    ['throws', () => {
      throw new Error('follower failed');
    }],
  ])('answers 500 when one of them %s, and the handler does not run', async (_case, failing) => {
    runs = [];
    const app = await createSessionApp(platform, { middleware: [failing] }, { controllers: [ProbeController] });
    try {
      await request(app.getHttpServer()).get('/probe').expect(500);
      expect(runs).not.toContain('handler');
    } finally {
      await app.close();
    }
  });

  it.each([
    ['a function instead of an array', () => undefined],
    ['an array with a non-function', [() => undefined, 'passport']],
  ])('fails at start-up given %s', async (_case, middleware) => {
    const attempt = createSessionApp(platform, { middleware } as never);

    await expect(attempt).rejects.toThrow(SessionOptionsError);
    await expect(createSessionApp(platform, { middleware } as never)).rejects.toThrow(/middleware.*\(req, res, next\) functions/);
  });
});

describe.each(PLATFORMS)('middleware order without the option (what the README warns about) on $name', (platform) => {

  it("a root module's configure() runs after the session on every route, global or not", async () => {
    expect(await runOrder(platform, rootModuleWith({}, true))).toEqual(['app.use:none', 'AppModule:session', 'handler']);
    expect(await runOrder(platform, rootModuleWith({}, false))).toEqual(['app.use:none', 'AppModule:session', 'handler']);
  });

  it("with limited routes, a root module's configure() runs after the session only while SessionModule is global", async () => {
    expect(await runOrder(platform, rootModuleWith({ forRoutes: ['probe'] }, true))).toEqual(['app.use:none', 'AppModule:session', 'handler']);
    expect(await runOrder(platform, rootModuleWith({ forRoutes: ['probe'] }, false))).toEqual(['app.use:none', 'AppModule:none', 'handler']);
  });
});
