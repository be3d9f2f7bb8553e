import 'reflect-metadata';
import { Controller, Get, HttpCode, Post, Query, Req, UseGuards } from '@nestjs/common';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import { Session, SessionGuard, SessionModule, SessionStore } from '../../lib/index.js';
import type { RequestWithSession, SessionModuleOptions } from '../../lib/index.js';
import { isBackedByPostgres, newBackingStore } from './backing-store.js';
import type { Platform } from './platforms.js';
import { TEST_SECRET } from './test-secret.js';

declare module '../../lib/index.js' {
  interface SessionData {
    userId: string;
    views: number;
    cart: string[];
  }
}

/** Re-exported for the e2e specs, which take their helpers from here. */
export { TEST_SECRET } from './test-secret.js';

/** Routes exercising the session the way applications do. */
@Controller()
export class SessionTestController {
  constructor(private readonly store: SessionStore) {}

  @Get('views')
  countViews(@Session() session: Session) {
    session.views = (session.views ?? 0) + 1;
    return { views: session.views, sessionId: session.id };
  }

  @Get('peek')
  peek(@Session() session: Session) {
    return { views: session.views ?? null, userId: session.userId ?? null, sessionId: session.id };
  }

  @Get('nothing')
  nothing() {
    return { ok: true };
  }

  @Post('login')
  @HttpCode(200)
  async login(@Session() session: Session, @Query('user') user = 'alice') {
    const fresh = await session.regenerate();
    fresh.userId = user;
    return { userId: user, sessionId: fresh.id, previousSessionId: session.id };
  }

  @Post('login-callback')
  @HttpCode(200)
  loginWithCallbacks(@Req() request: RequestWithSession, @Query('user') user = 'alice') {
    // The way Passport drives the session: regenerate(cb), write, save(cb).
    return new Promise((resolve, reject) => {
      request.session!.regenerate((regenerateError) => {
        if (regenerateError) return reject(regenerateError);
        request.session!.userId = user;
        request.session!.save((saveError) => (saveError ? reject(saveError) : resolve({ userId: user })));
      });
    });
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Session() session: Session) {
    await session.destroy();
    return { signedOut: true };
  }

  @Post('logout-callback')
  @HttpCode(200)
  logoutWithCallback(@Req() request: RequestWithSession) {
    return new Promise((resolve, reject) => {
      request.session!.destroy((error) => (error ? reject(error) : resolve({ signedOut: true })));
    });
  }

  @Post('unset')
  @HttpCode(200)
  unset(@Req() request: RequestWithSession) {
    request.session = null;
    return { unset: true };
  }

  /** Changes the stored copy behind the request's back, then reloads it. */
  @Post('reload')
  @HttpCode(200)
  async reload(@Session() session: Session) {
    const stored = await this.store.get(session.id);
    await this.store.set(session.id, { ...stored!, views: 100 });
    const reloaded = await session.reload();
    return { views: reloaded.views };
  }

  @Post('max-age')
  @HttpCode(200)
  setMaxAge(@Session() session: Session, @Query('ms') milliseconds: string) {
    session.cookie.maxAge = Number(milliseconds);
    return { expires: session.cookie.expires };
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@Session('userId') userId: string) {
    return { userId };
  }

  @Get('raw')
  raw(@Req() request: RequestWithSession) {
    return {
      hasSession: request.session != null,
      sessionID: request.sessionID ?? null,
      hasSessionStore: request.sessionStore instanceof SessionStore,
    };
  }
}

/** Creates, configures and initialises the module's app on a platform (or an adapter), ready for requests. */
export async function startApp(
  platform: Platform | AbstractHttpAdapter,
  moduleRef: TestingModule,
  configure?: (app: INestApplication) => void,
): Promise<INestApplication> {
  const adapter = 'createAdapter' in platform ? platform.createAdapter() : platform;
  const app = moduleRef.createNestApplication(adapter, { logger: false });
  configure?.(app);
  await app.init();
  // Fastify answers only once its plugins are loaded (Nest's listen() does this).
  if (adapter.getType() === 'fastify') await (adapter.getInstance() as { ready(): Promise<unknown> }).ready();
  return app;
}

/**
 * A Nest app with SessionModule.forRoot(options) and the given extra module metadata. Without a
 * `store` (or `memoryStore` options), its store is a fresh backing store: a MemoryStore, or in
 * the e2e run on PostgreSQL a PostgresStore on a table of its own.
 */
export async function createSessionApp(
  platform: Platform | AbstractHttpAdapter,
  options: Partial<SessionModuleOptions> = {},
  metadata: ModuleMetadata = {},
  configure?: (app: INestApplication) => void,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [SessionModule.forRoot({ secret: TEST_SECRET, ...withBackingStore(options) }), ...(metadata.imports ?? [])],
    controllers: metadata.controllers ?? [SessionTestController],
    providers: metadata.providers ?? [],
  }).compile();
  return startApp(platform, moduleRef, configure);
}

/** `options` with the run's backing store when they choose none (the module's default is the MemoryStore already). */
export function withBackingStore(options: Partial<SessionModuleOptions>): Partial<SessionModuleOptions> {
  const choosesStore = 'store' in options || 'memoryStore' in options;
  return choosesStore || !isBackedByPostgres() ? options : { ...options, store: newBackingStore() };
}

/** The Set-Cookie values of a response as an array. */
export function setCookies(setCookie: string[] | string | undefined): string[] {
  return Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
}

/** The `name=value` pair of the first Set-Cookie for `name`, for sending back as a Cookie header. */
export function cookiePair(setCookie: string[] | string | undefined, name = 'connect.sid'): string | undefined {
  const header = setCookies(setCookie).find((value) => value.startsWith(`${name}=`));
  return header?.split(';', 1)[0];
}

/** The session id inside a signed session cookie pair (`connect.sid=s%3A<id>.<sig>`). */
export function sessionIdOf(pair: string): string {
  const value = decodeURIComponent(pair.slice(pair.indexOf('=') + 1));
  return value.slice(2, value.lastIndexOf('.'));
}
