import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { cookiePair, createSessionApp, sessionIdOf, setCookies } from '../../support/e2e-app.js';
import { createExpressSessionApp } from '../../support/express-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { PLATFORMS } from '../../support/platforms.js';

/** What a proxy that terminates TLS adds to the request it forwards. */
const BEHIND_HTTPS_PROXY = { 'X-Forwarded-Proto': 'https' };

function sessionCookies(setCookie: string[] | string | undefined): string[] {
  return setCookies(setCookie).filter((value) => value.startsWith('connect.sid='));
}

/** The warnings that name the fix for a Secure cookie over HTTP. */
function secureCookieWarnings(calls: unknown[][]): unknown[][] {
  return calls.filter(([message]) => /Secure.*trust proxy.*proxy: true.*secure: 'auto'/s.test(String(message)));
}

describe.each(PLATFORMS)('cookie.secure: true on a request that is not HTTPS, on $name', (platform) => {
  let app: INestApplication | undefined;
  let warn: ReturnType<typeof jest.spyOn>;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    jest.restoreAllMocks();
  });

  it('a login stores no session, sends no cookie, and warns once naming the fix', async () => {
    const store = new InstrumentedStore();
    app = await createSessionApp(platform, { store, cookie: { secure: true, maxAge: 60_000 } });
    const http = request(app.getHttpServer());
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await http.post('/login?user=ada').expect(200);
      expect(sessionCookies(response.headers['set-cookie'])).toEqual([]);
    }
    await http.get('/views').expect(200);
    expect(store.callsOf('set')).toEqual([]);
    expect(await store.inner.length()).toBe(0);
    expect(secureCookieWarnings(warn.mock.calls as unknown[][])).toHaveLength(1);
  });

  it('behind a trusted proxy (proxy: true, X-Forwarded-Proto: https) the session is stored and its cookie sent', async () => {
    const store = new InstrumentedStore();
    app = await createSessionApp(platform, { store, proxy: true, cookie: { secure: true, maxAge: 60_000 } });
    const response = await request(app.getHttpServer()).post('/login?user=ada').set(BEHIND_HTTPS_PROXY).expect(200);
    const cookie = cookiePair(response.headers['set-cookie'])!;
    expect(sessionCookies(response.headers['set-cookie'])[0]).toMatch(/; Secure/);
    expect(await store.inner.get(sessionIdOf(cookie))).toMatchObject({ userId: 'ada' });
    expect(secureCookieWarnings(warn.mock.calls as unknown[][])).toHaveLength(0);
  });

  it('an existing session changed over HTTP is saved (its cookie is already in the browser), without a new cookie', async () => {
    const store = new InstrumentedStore();
    app = await createSessionApp(platform, { store, proxy: true, cookie: { secure: true, maxAge: 60_000 } });
    const http = request(app.getHttpServer());
    const cookie = cookiePair((await http.get('/views').set(BEHIND_HTTPS_PROXY).expect(200)).headers['set-cookie'])!;
    const overHttp = await http.get('/views').set('Cookie', cookie).expect(200);
    expect(overHttp.body.views).toBe(2);
    expect(sessionCookies(overHttp.headers['set-cookie'])).toEqual([]);
    expect((await http.get('/peek').set('Cookie', cookie).set(BEHIND_HTTPS_PROXY).expect(200)).body.views).toBe(2);
    expect(secureCookieWarnings(warn.mock.calls as unknown[][])).toHaveLength(1);
  });
});

describe('cookie.secure: true on a request that is not HTTPS, with createSessionMiddleware', () => {
  it('stores no session, sends no cookie, and emits one process warning naming the fix', async () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const { app, store } = createExpressSessionApp({ cookie: { secure: true } });
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await request(app).get('/views').expect(200);
        expect(sessionCookies(response.headers['set-cookie'])).toEqual([]);
      }
      expect(store.callsOf('set')).toEqual([]);
      expect(secureCookieWarnings(emitWarning.mock.calls as unknown[][])).toHaveLength(1);
    } finally {
      emitWarning.mockRestore();
    }
  });
});
