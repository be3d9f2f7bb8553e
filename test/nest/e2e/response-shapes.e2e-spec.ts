import request from 'supertest';
import { Controller, Get, Head, Redirect, Res } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { Session } from '../../../lib/index.js';
import { cookiePair, createSessionApp, sessionIdOf, SessionTestController } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { EXPRESS } from '../../support/platforms.js';

@Controller('shapes')
class ResponseShapesController {
  /** Writes the body in pieces: headers (and so the cookie) go out before the end. */
  @Get('stream')
  stream(@Session() session: Session, @Res() response: ServerResponse) {
    session.views = (session.views ?? 0) + 1;
    response.setHeader('content-type', 'text/plain');
    response.write('part one, ');
    setTimeout(() => response.end('part two'), 10);
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

  /** end() with a callback, as some libraries call it. */
  @Get('end-callback')
  endWithCallback(@Session() session: Session, @Res() response: ServerResponse) {
    session.views = 3;
    response.end('done', () => undefined);
  }
}

/**
 * Responses that are not a plain JSON body still carry the cookie and save the session. Express
 * only (`@Res()` is Node's response there); Fastify's reply shapes: fastify-replies.e2e-spec.ts.
 */
describe('response shapes', () => {
  let app: INestApplication;
  let store: InstrumentedStore;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    store = new InstrumentedStore();
    app = await createSessionApp(EXPRESS, { store }, { controllers: [SessionTestController, ResponseShapesController] });
    http = request(app.getHttpServer());
  });

  afterAll(async () => {
    await app.close();
  });

  it('a streamed response sets the cookie with its headers and saves before it ends', async () => {
    const response = await http.get('/shapes/stream').expect(200);
    expect(response.text).toBe('part one, part two');
    const cookie = cookiePair(response.headers['set-cookie'])!;
    expect(await store.inner.get(sessionIdOf(cookie))).toMatchObject({ views: 1 });
  });

  it('a redirect carries the cookie of a session it changed', async () => {
    const response = await http.get('/shapes/redirect').expect(302);
    const cookie = cookiePair(response.headers['set-cookie'])!;
    const peek = await http.get('/peek').set('Cookie', cookie).expect(200);
    expect(peek.body.views).toBe(42);
  });

  it('a HEAD response carries the cookie', async () => {
    const response = await http.head('/shapes/head').expect(200);
    const cookie = cookiePair(response.headers['set-cookie'])!;
    expect(await store.inner.get(sessionIdOf(cookie))).toMatchObject({ views: 7 });
  });

  it('end(chunk, callback) is honoured', async () => {
    const response = await http.get('/shapes/end-callback').expect(200);
    expect(response.text).toBe('done');
    expect(await store.inner.get(sessionIdOf(cookiePair(response.headers['set-cookie'])!))).toMatchObject({ views: 3 });
  });
});
