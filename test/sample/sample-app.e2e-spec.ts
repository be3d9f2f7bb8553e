import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { MemoryStore, SessionStore } from '../../lib/index.js';
import { cookiePair } from '../support/e2e-app.js';
import { initSampleApp, sampleCsrfToken } from '../support/sample-app.js';
import { PLATFORMS } from '../support/platforms.js';

/** The sample app works as the README says: counter, cart, login, guarded /me, logout. */
describe.each(PLATFORMS)('sample app on $name', (platform) => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await initSampleApp(platform);
  });

  afterAll(async () => {
    await app.close();
  });

  it('runs on the embedded MemoryStore by default', () => {
    expect(app.get(SessionStore)).toBeInstanceOf(MemoryStore);
  });

  it('counts visits, keeps a cart across login, guards /me and ends with logout', async () => {
    const http = request(app.getHttpServer());
    const first = await http.get('/visits').expect(200);
    expect(first.body).toEqual({ visits: 1 });
    let cookie = cookiePair(first.headers['set-cookie'])!;
    expect((await http.get('/visits').set('Cookie', cookie).expect(200)).body).toEqual({ visits: 2 });

    // csrf: true: a post needs the session's token.
    await http.post('/cart').set('Cookie', cookie).send({ item: 'tea' }).expect(403);
    const { csrfToken } = await sampleCsrfToken(app, cookie);
    await http.post('/cart').set('Cookie', cookie).set('x-csrf-token', csrfToken).send({ item: 'tea' }).expect(201);
    await http.get('/me').set('Cookie', cookie).expect(401);

    const login = await http.post('/login').set('Cookie', cookie).send({ username: 'ada', _csrf: csrfToken }).expect(200);
    const signedIn = cookiePair(login.headers['set-cookie'])!;
    expect(signedIn).not.toBe(cookie);
    cookie = signedIn;
    const me = await http.get('/me').set('Cookie', cookie).expect(200);
    expect(me.body).toEqual({ userId: 'ada', visits: 0, cart: ['tea'] });

    // The login answered with a token of the new session; the old one no longer works.
    await http.post('/logout').set('Cookie', cookie).set('x-csrf-token', csrfToken).expect(403);
    await http.post('/logout').set('Cookie', cookie).set('x-csrf-token', (login.body as { csrfToken: string }).csrfToken).expect(200);
    await http.get('/me').set('Cookie', cookie).expect(401);
  });
});
