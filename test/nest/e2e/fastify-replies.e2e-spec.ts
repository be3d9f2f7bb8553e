import { Readable } from 'node:stream';
import request from 'supertest';
import { Controller, Get, Head, Post, Redirect, Req, Res } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Session } from '../../../lib/index.js';
import { cookiePair, createSessionApp, sessionIdOf, SessionTestController, setCookies } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { FASTIFY } from '../../support/platforms.js';

/** Fastify's ways of answering: each must carry the session cookie and save before it is sent. */
@Controller('fastify')
class FastifyRepliesController {
  @Get('stream')
  stream(@Session() session: Session, @Res() reply: FastifyReply) {
    session.views = (session.views ?? 0) + 1;
    void reply.type('text/plain').send(Readable.from(['part one, ', 'part two']));
  }

  @Get('redirect')
  @Redirect('/peek', 302)
  redirect(@Session() session: Session) {
    session.views = 42;
  }

  @Head('head')
  head(@Session() session: Session) {
    session.views = 7;
  }

  /** The handler's own cookie goes out beside the session's. */
  @Get('own-cookie')
  ownCookie(@Session() session: Session, @Res({ passthrough: true }) reply: FastifyReply) {
    session.views = 1;
    void reply.header('set-cookie', 'theme=dark; Path=/');
    return { ok: true };
  }

  /** Fastify's request wrapper and the raw request hold the same session. */
  @Post('through-wrapper')
  throughWrapper(@Req() fastifyRequest: FastifyRequest & { session: Session; sessionID: string }) {
    fastifyRequest.session.views = 5;
    const raw = fastifyRequest.raw as typeof fastifyRequest.raw & { session: Session };
    return { isSameSession: raw.session === fastifyRequest.session, sessionId: fastifyRequest.sessionID };
  }

  /** Sends without `return reply`: Fastify then sends again when the route resolves, before a slow save is done. */
  @Get('send-without-return')
  sendWithoutReturn(@Session() session: Session, @Res() reply: FastifyReply) {
    session.views = 11;
    void reply.send({ ok: true });
  }

  /** A hijacked reply bypasses Fastify's hooks: the session is not committed (docs/fastify.md: save first). */
  @Get('hijacked')
  hijacked(@Session() session: Session, @Res() reply: FastifyReply) {
    session.views = 99;
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/plain' });
    reply.raw.end('raw');
  }
}

describe('Fastify replies', () => {
  let app: INestApplication;
  let store: InstrumentedStore;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    store = new InstrumentedStore();
    app = await createSessionApp(FASTIFY, { store }, { controllers: [SessionTestController, FastifyRepliesController] });
    http = request(app.getHttpServer());
  });

  afterAll(async () => {
    await app.close();
  });

  async function storedViews(setCookie: string[] | string | undefined): Promise<unknown> {
    return (await store.inner.get(sessionIdOf(cookiePair(setCookie)!)))?.views;
  }

  it('a streamed payload carries the cookie and the session is saved', async () => {
    const response = await http.get('/fastify/stream').expect(200);
    expect(response.text).toBe('part one, part two');
    expect(await storedViews(response.headers['set-cookie'])).toBe(1);
  });

  it('a redirect carries the cookie and saves', async () => {
    const response = await http.get('/fastify/redirect').expect(302);
    expect(await storedViews(response.headers['set-cookie'])).toBe(42);
  });

  it('a HEAD response carries the cookie and saves', async () => {
    const response = await http.head('/fastify/head').expect(200);
    expect(await storedViews(response.headers['set-cookie'])).toBe(7);
  });

  it("keeps the handler's own Set-Cookie beside the session cookie", async () => {
    const response = await http.get('/fastify/own-cookie').expect(200);
    const cookies = setCookies(response.headers['set-cookie']);
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toBe('theme=dark; Path=/');
    expect(cookiePair(cookies)).toMatch(/^connect\.sid=s%3A/);
  });

  it("Fastify's request reads and writes the raw request's session", async () => {
    const response = await http.post('/fastify/through-wrapper').expect(201);
    expect(response.body.isSameSession).toBe(true);
    expect(sessionIdOf(cookiePair(response.headers['set-cookie'])!)).toBe(response.body.sessionId);
    expect(await storedViews(response.headers['set-cookie'])).toBe(5);
  });

  it('a reply sent without "return reply" waits for a slow save and is sent once', async () => {
    store.delays.set = 50;
    try {
      const response = await http.get('/fastify/send-without-return').expect(200);
      expect(response.body).toEqual({ ok: true });
      expect(await storedViews(response.headers['set-cookie'])).toBe(11);
    } finally {
      delete store.delays.set;
    }
  });

  it('a hijacked reply is sent without the session cookie, and the session is not saved', async () => {
    const writesBefore = store.callsOf('set').length;
    const response = await http.get('/fastify/hijacked').expect(200);
    expect(response.text).toBe('raw');
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(store.callsOf('set')).toHaveLength(writesBefore);
  });
});

describe('another session plugin on the Fastify instance', () => {
  it('fails start-up naming the conflicting request decorator', async () => {
    const decorateFirst = (app: INestApplication) =>
      (app.getHttpAdapter().getInstance() as { decorateRequest(name: string, value: unknown): void }).decorateRequest('session', null);
    await expect(createSessionApp(FASTIFY, {}, {}, decorateFirst)).rejects.toThrow(/already has a "session" decorator/);
  });
});

describe('an HTTP platform the module cannot serve', () => {
  class KoaLikeAdapter extends ExpressAdapter {
    override getType(): string {
      return 'koa';
    }
  }

  it('fails start-up with a message naming the platform', async () => {
    await expect(createSessionApp(new KoaLikeAdapter())).rejects.toThrow(
      /cannot serve the "koa" HTTP platform/,
    );
  });
});
