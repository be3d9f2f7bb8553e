import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { cookiePair, createSessionApp, sessionIdOf, setCookies } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import type { SessionModuleOptions } from '../../../lib/index.js';
import { PLATFORMS } from '../../support/platforms.js';

/** express-session's rules for when to save, touch and send the cookie, through a real app. */
describe.each(PLATFORMS)('when sessions are saved, touched and sent on $name', (platform) => {
  let app: INestApplication | undefined;
  let store: InstrumentedStore;

  async function start(options: Partial<SessionModuleOptions> = {}) {
    store = new InstrumentedStore();
    app = await createSessionApp(platform, { store, ...options });
    return request(app.getHttpServer());
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('keeps data across requests and answers with the same session', async () => {
    const http = await start();
    const first = await http.get('/views').expect(200);
    const cookie = cookiePair(first.headers['set-cookie'])!;
    expect(cookie).toMatch(/^connect\.sid=s%3A[\w-]{32}\.[\w%]+$/);
    const second = await http.get('/views').set('Cookie', cookie).expect(200);
    expect(second.body).toEqual({ views: 2, sessionId: first.body.sessionId });
    expect(sessionIdOf(cookie)).toBe(first.body.sessionId);
  });

  it('neither stores nor sends a cookie for an untouched new session (saveUninitialized: false, the default)', async () => {
    const http = await start();
    const response = await http.get('/peek').expect(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(store.callsOf('set')).toEqual([]);
    expect(await store.inner.length()).toBe(0);
  });

  it('stores and sends a cookie for untouched new sessions with saveUninitialized: true', async () => {
    const http = await start({ saveUninitialized: true });
    const response = await http.get('/peek').expect(200);
    expect(cookiePair(response.headers['set-cookie'])).toBeDefined();
    expect(store.calls.filter((call) => call.method === 'set')).toEqual([
      { method: 'set', sessionId: response.body.sessionId, mode: 'create' },
    ]);
  });

  it('does not save an unchanged session but touches it (resave: false, the default)', async () => {
    const http = await start();
    const cookie = cookiePair((await http.get('/views')).headers['set-cookie'])!;
    store.calls.length = 0;
    const response = await http.get('/peek').set('Cookie', cookie).expect(200);
    expect(store.callsOf('set')).toEqual([]);
    expect(store.callsOf('touch')).toEqual([response.body.sessionId]);
    // A browser-session cookie (no maxAge) is not re-sent when nothing changed.
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('saves an unchanged session on every request with resave: true, as an update', async () => {
    const http = await start({ resave: true });
    const cookie = cookiePair((await http.get('/views')).headers['set-cookie'])!;
    store.calls.length = 0;
    await http.get('/peek').set('Cookie', cookie).expect(200);
    expect(store.calls.filter((call) => call.method === 'set').map((call) => call.mode)).toEqual(['update']);
    expect(store.callsOf('touch')).toEqual([]);
  });

  it('saves a changed existing session as an update', async () => {
    const http = await start();
    const cookie = cookiePair((await http.get('/views')).headers['set-cookie'])!;
    store.calls.length = 0;
    await http.get('/views').set('Cookie', cookie).expect(200);
    expect(store.calls.filter((call) => call.method === 'set').map((call) => call.mode)).toEqual(['update']);
  });

  it('re-sends the cookie on every response with rolling: true', async () => {
    const http = await start({ rolling: true, cookie: { maxAge: 60_000 } });
    const cookie = cookiePair((await http.get('/views')).headers['set-cookie'])!;
    const response = await http.get('/peek').set('Cookie', cookie).expect(200);
    expect(cookiePair(response.headers['set-cookie'])).toBe(cookie);
  });

  it('re-sends a persistent cookie, with a later expiry, when the session changed', async () => {
    const http = await start({ cookie: { maxAge: 60_000 } });
    const first = await http.get('/views');
    const cookie = cookiePair(first.headers['set-cookie'])!;
    const unchanged = await http.get('/peek').set('Cookie', cookie);
    expect(unchanged.headers['set-cookie']).toBeUndefined();
    const changed = await http.get('/views').set('Cookie', cookie);
    const [header] = setCookies(changed.headers['set-cookie']);
    expect(header).toMatch(/; Expires=/);
  });

  it('sends the cookie when the handler changes cookie.maxAge', async () => {
    const http = await start();
    const cookie = cookiePair((await http.get('/views')).headers['set-cookie'])!;
    const response = await http.post('/max-age?ms=3600000').set('Cookie', cookie).expect(200);
    const [header] = setCookies(response.headers['set-cookie']);
    // The end-of-request touch moves the expiry on from where the handler saw it (as express-session's
    // does), so the header's whole second may be the handler's or a later one, never earlier.
    const sentExpiry = Date.parse(/; Expires=([^;]+)/.exec(header)![1]);
    const handlerExpiry = Date.parse(response.body.expires);
    expect(sentExpiry).toBeGreaterThanOrEqual(Math.floor(handlerExpiry / 1000) * 1000);
    expect(sentExpiry).toBeLessThan(handlerExpiry + 10_000);
  });

  it('finishes saving before the response is sent, so the next request always sees it', async () => {
    const http = await start();
    store.delays.set = 150;
    const first = await http.get('/views').expect(200);
    // No delay on the read: if the write were still pending, the next request would see nothing.
    const cookie = cookiePair(first.headers['set-cookie'])!;
    const second = await http.get('/views').set('Cookie', cookie).expect(200);
    expect(second.body.views).toBe(2);
  });

  it("destroys the stored session when req.session is unset with unset: 'destroy'", async () => {
    const http = await start({ unset: 'destroy' });
    const cookie = cookiePair((await http.get('/views')).headers['set-cookie'])!;
    await http.post('/unset').set('Cookie', cookie).expect(200);
    expect(await store.inner.get(sessionIdOf(cookie))).toBeUndefined();
    const after = await http.get('/peek').set('Cookie', cookie);
    expect(after.body.views).toBeNull();
  });

  it("keeps the stored session when req.session is unset with unset: 'keep' (the default)", async () => {
    const http = await start();
    const cookie = cookiePair((await http.get('/views')).headers['set-cookie'])!;
    const response = await http.post('/unset').set('Cookie', cookie).expect(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    const after = await http.get('/peek').set('Cookie', cookie);
    expect(after.body.views).toBe(1);
  });

  it('stores the session in the JSON shape express-session and connect-redis use', async () => {
    const http = await start({ cookie: { maxAge: 60_000 } });
    const response = await http.get('/views');
    const record = await store.inner.get(response.body.sessionId);
    expect(record).toEqual({
      views: 1,
      cookie: { originalMaxAge: 60_000, expires: expect.any(String), httpOnly: true, path: '/', secure: false },
    });
  });
});
