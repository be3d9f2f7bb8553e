import request from 'supertest';
import { sign } from 'cookie-signature';
import type { INestApplication } from '@nestjs/common';
import { SessionOptionsError, SessionStoreUnavailableError, signSessionId } from '../../../lib/index.js';
import { cookiePair, createSessionApp, sessionIdOf, TEST_SECRET } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { PLATFORMS } from '../../support/platforms.js';

describe.each(PLATFORMS)('bad input on $name', (platform) => {
  let app: INestApplication | undefined;
  let store: InstrumentedStore;
  let http: ReturnType<typeof request>;

  beforeEach(async () => {
    store = new InstrumentedStore();
    app = await createSessionApp(platform, { store });
    http = request(app.getHttpServer());
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function knownSessionCookie(): Promise<string> {
    return cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
  }

  describe('cookies that must start a fresh session without asking the store', () => {
    const cases: Array<[string, (validId: string) => string]> = [
      ['unsigned', (id) => `connect.sid=${id}`],
      ['signed with another secret', (id) => `connect.sid=${encodeURIComponent(signSessionId(id, 'another-secret'))}`],
      ['with a tampered signature', (id) => `connect.sid=${encodeURIComponent(signSessionId(id, TEST_SECRET).slice(0, -2))}xx`],
      ['with a tampered id', (id) => `connect.sid=${encodeURIComponent('s:' + sign(id, TEST_SECRET).replace(id, id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A')))}`],
      ['malformed (no signature part)', () => 'connect.sid=s%3Anodot'],
      ['malformed percent-encoding', () => 'connect.sid=s%3A%E0%A4%A'],
      ['empty', () => 'connect.sid='],
      ['oversized', (id) => `connect.sid=${encodeURIComponent(signSessionId(id + 'x'.repeat(6000), TEST_SECRET))}`],
      ['garbage header', () => ';;;=;=connect.sid;connect.sid'],
    ];

    it.each(cases)('%s', async (_label, makeCookie) => {
      const validId = sessionIdOf(await knownSessionCookie());
      store.calls.length = 0;
      const response = await http.get('/views').set('Cookie', makeCookie(validId)).expect(200);
      expect(response.body.views).toBe(1);
      expect(response.body.sessionId).not.toBe(validId);
      expect(store.callsOf('get')).toEqual([]);
    });
  });

  it('duplicated cookie names: the first one counts, and a bad first one never breaks the request', async () => {
    const cookie = await knownSessionCookie();
    const validFirst = await http.get('/views').set('Cookie', `${cookie}; connect.sid=s%3Abogus.sig`).expect(200);
    expect(validFirst.body.views).toBe(2);
    const bogusFirst = await http.get('/views').set('Cookie', `connect.sid=s%3Abogus.sig; ${cookie}`).expect(200);
    expect(bogusFirst.body.views).toBe(1);
  });

  it('finds the session cookie among other cookies', async () => {
    const cookie = await knownSessionCookie();
    const response = await http.get('/views').set('Cookie', `theme=dark; ${cookie}; lang=en`).expect(200);
    expect(response.body.views).toBe(2);
  });

  it('never adopts a well-signed id the store does not know', async () => {
    const plantedId = 'attacker-chosen-session-id-000000';
    const planted = `connect.sid=${encodeURIComponent(signSessionId(plantedId, TEST_SECRET))}`;
    const response = await http.get('/views').set('Cookie', planted).expect(200);
    expect(store.callsOf('get')).toEqual([plantedId]);
    expect(response.body.sessionId).not.toBe(plantedId);
    expect(sessionIdOf(cookiePair(response.headers['set-cookie'])!)).toBe(response.body.sessionId);
    expect(await store.inner.get(plantedId)).toBeUndefined();
  });

  it.each([
    ['a value without a cookie', { views: 3 }],
    ['a cookie that is not an object', { cookie: 'yes', views: 3 }],
    ['an expired session', { cookie: { originalMaxAge: 1, expires: new Date(Date.now() - 1000).toISOString() }, views: 3 }],
  ])('a corrupted stored value (%s) starts a new session instead of a 500', async (_label, corrupted) => {
    const cookie = await knownSessionCookie();
    await store.inner.set(sessionIdOf(cookie), corrupted as never);
    const response = await http.get('/views').set('Cookie', cookie).expect(200);
    expect(response.body.views).toBe(1);
    expect(response.body.sessionId).not.toBe(sessionIdOf(cookie));
  });

  it('a store whose get fails answers a clear 500, and the next request works', async () => {
    const cookie = await knownSessionCookie();
    store.failures.get = new Error('connection reset by peer');
    const failed = await http.get('/views').set('Cookie', cookie).expect(500);
    expect(failed.body).toEqual({ statusCode: 500, message: 'Session store error', error: 'Internal Server Error' });
    expect(JSON.stringify(failed.body)).not.toContain('connection reset');
    const recovered = await http.get('/views').set('Cookie', cookie).expect(200);
    expect(recovered.body.views).toBe(2);
  });

  it('a store that is unavailable answers 503', async () => {
    const cookie = await knownSessionCookie();
    store.failures.get = new SessionStoreUnavailableError('redis is down');
    const failed = await http.get('/views').set('Cookie', cookie).expect(503);
    expect(failed.body.message).toBe('Session store unavailable, try again later');
  });

  it('a save that fails answers 500 instead of the handler\'s body, without a session cookie', async () => {
    store.failures.set = new Error('out of memory');
    const failed = await http.get('/views').expect(500);
    expect(failed.body).toEqual({ statusCode: 500, message: 'Session store error', error: 'Internal Server Error' });
    expect(failed.headers['set-cookie']).toBeUndefined();
    const retried = await http.get('/views').expect(200);
    expect(cookiePair(retried.headers['set-cookie'])).toBeDefined();
  });
});

describe.each(PLATFORMS)('a genid that repeats an id already in use on $name', (platform) => {
  it("answers 500 and never hands the second client the first one's session", async () => {
    const store = new InstrumentedStore();
    const app = await createSessionApp(platform, { store, genid: () => 'the-same-id-for-everyone-000000' });
    try {
      const http = request(app.getHttpServer());
      const first = await http.get('/views').expect(200);
      const firstCookie = cookiePair(first.headers['set-cookie'])!;
      await http.get('/views').set('Cookie', firstCookie).expect(200);
      const second = await http.get('/views').expect(500);
      expect(second.headers['set-cookie']).toBeUndefined();
      expect(await store.inner.get('the-same-id-for-everyone-000000')).toMatchObject({ views: 2 });
    } finally {
      await app.close();
    }
  });
  it('a login (regenerate) that gets the old id back answers 500 instead of a session that is never saved', async () => {
    const app = await createSessionApp(platform, { genid: () => 'the-same-id-for-everyone-000000' });
    try {
      const response = await request(app.getHttpServer()).post('/login?user=ada').expect(500);
      expect(response.headers['set-cookie']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});

describe.each(PLATFORMS)('a failed save on a route the middleware was excluded from on $name', (platform) => {
  it('answers 500 with Nest\'s error body instead of the handler\'s', async () => {
    const store = new InstrumentedStore();
    const app = await createSessionApp(platform, { store, exclude: ['views'] });
    try {
      store.failures.set = new Error('disk full');
      const failed = await request(app.getHttpServer()).get('/views').expect(500);
      expect(failed.body).toEqual({ statusCode: 500, message: 'Session store error', error: 'Internal Server Error' });
      expect(failed.headers['set-cookie']).toBeUndefined();
      await request(app.getHttpServer()).get('/views').expect(200);
    } finally {
      await app.close();
    }
  });
});

describe.each(PLATFORMS)('invalid options fail at start-up with a message naming the option on $name', (platform) => {
  it.each([
    [{ secret: undefined }, /`secret`: secret option required for sessions/],
    [{ secret: [] }, /`secret`: secret option array must contain one or more strings/],
    [{ secret: ['ok', ''] }, /`secret\[1\]`: must be a non-empty string or Buffer/],
    [{ name: 'has space' }, /`name`/],
    [{ unset: 'forget' }, /`unset`: must be one of 'keep', 'destroy'/],
    [{ resave: 'yes' }, /`resave`: must be true or false/],
    [{ cookie: { sameSite: 'sometimes' } }, /`cookie.sameSite`/],
    [{ cookie: { maxAge: 'one day' } }, /`cookie.maxAge`/],
    [{ genid: 42 }, /`genid`: must be a function/],
    [{ store: {} }, /`store`/],
    [{ forRoutes: 'everything' }, /`forRoutes`/],
    [{ memoryStore: { max: -1 } }, /`MemoryStore.max`/],
    [{ absoluteTimeout: 0 }, /`absoluteTimeout`: must be a positive number/],
  ])('%j', async (options, message) => {
    const attempt = createSessionApp(platform, options as never);
    await expect(attempt).rejects.toThrow(SessionOptionsError);
    await expect(createSessionApp(platform, options as never)).rejects.toThrow(message);
  });
});
