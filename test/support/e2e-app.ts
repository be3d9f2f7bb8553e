import 'reflect-metadata';
import { Controller, Get, Post, Query, Req, UseGuards } from '@nestjs/common';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Session, SessionGuard, SessionModule } from '../../lib/index.js';
import type { SessionModuleOptions } from '../../lib/index.js';

declare module '../../lib/index.js' {
  interface SessionData {
    userId: string;
    views: number;
    cart: string[];
  }
}

export const TEST_SECRET = 'test-secret-that-is-long-enough';

/** Routes exercising the session the way applications do. */
@Controller()
export class SessionTestController {
  @Get('views')
  countViews(@Session() session: Session) {
    session.views = (session.views ?? 0) + 1;
    return { views: session.views, sessionId: session.id };
  }

  @Get('peek')
  peek(@Session() session: Session) {
    return { views: session.views ?? null, sessionId: session.id };
  }

  @Get('nothing')
  nothing() {
    return { ok: true };
  }

  @Post('login')
  async login(@Session() session: Session, @Query('user') user = 'alice') {
    await session.regenerate();
    const fresh = (session as unknown as { req?: unknown }) && undefined;
    void fresh;
    return { ok: true };
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@Session('userId') userId: string) {
    return { userId };
  }

  @Get('raw')
  raw(@Req() request: { session?: Session; sessionID?: string }) {
    return { hasSession: request.session != null, sessionID: request.sessionID ?? null };
  }
}

/** A Nest app with SessionModule.forRoot(options) and the given extra module metadata. */
export async function createSessionApp(
  options: Partial<SessionModuleOptions> = {},
  metadata: ModuleMetadata = {},
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [SessionModule.forRoot({ secret: TEST_SECRET, ...options }), ...(metadata.imports ?? [])],
    controllers: metadata.controllers ?? [SessionTestController],
    providers: metadata.providers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

/** The `name=value` pair of the first Set-Cookie for `name`, for sending back as a Cookie header. */
export function cookiePair(setCookie: string[] | string | undefined, name = 'connect.sid'): string | undefined {
  const headers = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const header = headers.find((value) => value.startsWith(`${name}=`));
  return header?.split(';', 1)[0];
}
