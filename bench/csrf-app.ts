/**
 * The app `npm run bench -- --csrf` loads, in its own process: a Nest app (Express or Fastify)
 * with SessionModule on a MemoryStore, the CSRF protection on or off (or off with a global guard
 * that lets everything through), `GET /token` (a session
 * and a token of it) and `POST /counter` (writes the session). Both settings serve the same
 * requests: the only difference measured is the guard.
 */
import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Post, Req } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { loadNestSessions } from './apps/nest-sessions-build.js';
import { BENCH_SECRET } from './modes.js';
import type { CsrfAppMessage, CsrfStartMessage } from './csrf-report.js';

interface CounterRequest {
  session: { counter?: number; csrfToken(): string };
}

@Controller()
class CsrfCounterController {
  @Get('token')
  token(@Req() request: CounterRequest): { token: string } {
    return { token: request.session.csrfToken() };
  }

  @Post('counter')
  @HttpCode(200)
  count(@Req() request: CounterRequest): { counter: number } {
    request.session.counter = (request.session.counter ?? 0) + 1;
    return { counter: request.session.counter };
  }
}

/** `bare-guard`: a global guard that lets everything through, for what Nest charges for any guard. */
const BARE_GUARD = { provide: APP_GUARD, useValue: { canActivate: () => true } };

async function start({ platform, setting }: CsrfStartMessage): Promise<void> {
  const { SessionModule } = await loadNestSessions('esm');
  @Module({
    imports: [SessionModule.forRoot({ secret: BENCH_SECRET, cookie: { maxAge: 3_600_000, sameSite: 'lax' }, csrf: setting === 'on' })],
    controllers: [CsrfCounterController],
    providers: setting === 'bare-guard' ? [BARE_GUARD] : [],
  })
  class CsrfBenchModule {}
  let app: INestApplication;
  if (platform === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    app = await NestFactory.create(CsrfBenchModule, new FastifyAdapter(), { logger: false });
  } else {
    app = await NestFactory.create(CsrfBenchModule, { logger: false });
  }
  await app.listen(0, '127.0.0.1');
  // The harness reads the CPU time used around its measured run.
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'cpu') return;
    const usage = process.cpuUsage();
    const reply: CsrfAppMessage = { type: 'cpu', microseconds: usage.user + usage.system };
    process.send!(reply);
  });
  process.once('disconnect', () => {
    app.close().finally(() => process.exit(0));
  });
  const reply: CsrfAppMessage = { type: 'ready', port: (app.getHttpServer().address() as { port: number }).port };
  process.send!(reply);
}

process.once('message', (message: CsrfStartMessage) => {
  start(message).catch((error: unknown) => {
    const reply: CsrfAppMessage = { type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    process.send!(reply, () => process.exit(1));
  });
});
