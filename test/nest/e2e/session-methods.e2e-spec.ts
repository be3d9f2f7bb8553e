import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { cookiePair, createSessionApp, sessionIdOf, setCookies } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { PLATFORMS } from '../../support/platforms.js';

/** regenerate / destroy / reload / save, in their promise and callback forms. */
describe.each(PLATFORMS)('session methods on $name', (platform) => {
  let app: INestApplication;
  let store: InstrumentedStore;
  let http: ReturnType<typeof request>;

  beforeEach(async () => {
    store = new InstrumentedStore();
    app = await createSessionApp(platform, { store });
    http = request(app.getHttpServer());
  });

  afterEach(async () => {
    await app.close();
  });

  async function visit(): Promise<string> {
    return cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
  }

  describe.each([
    ['promise', '/login'],
    ['callback', '/login-callback'],
  ])('regenerate (%s form)', (_form, loginPath) => {
    it('moves the user to a new id and removes the old session from the store', async () => {
      const anonymousCookie = await visit();
      const anonymousId = sessionIdOf(anonymousCookie);
      const login = await http.post(`${loginPath}?user=ada`).set('Cookie', anonymousCookie).expect(200);
      const signedInCookie = cookiePair(login.headers['set-cookie'])!;
      expect(sessionIdOf(signedInCookie)).not.toBe(anonymousId);
      expect(await store.inner.get(anonymousId)).toBeUndefined();
      const me = await http.get('/me').set('Cookie', signedInCookie).expect(200);
      expect(me.body).toEqual({ userId: 'ada' });
      // The old cookie now points nowhere: it gets a fresh, anonymous session.
      const stale = await http.get('/peek').set('Cookie', anonymousCookie).expect(200);
      expect(stale.body.userId).toBeNull();
      expect(stale.body.sessionId).not.toBe(anonymousId);
    });
  });

  describe.each([
    ['promise', '/logout'],
    ['callback', '/logout-callback'],
  ])('destroy (%s form)', (_form, logoutPath) => {
    it('removes the session from the store and expires the cookie in the browser', async () => {
      const login = await http.post('/login?user=ada').expect(200);
      const cookie = cookiePair(login.headers['set-cookie'])!;
      const logout = await http.post(logoutPath).set('Cookie', cookie).expect(200);
      expect(await store.inner.get(sessionIdOf(cookie))).toBeUndefined();
      const [expired] = setCookies(logout.headers['set-cookie']);
      expect(expired).toMatch(/^connect\.sid=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly/);
      await http.get('/me').set('Cookie', cookie).expect(401);
    });
  });

  it('reload replaces req.session with the stored copy', async () => {
    const cookie = await visit();
    const response = await http.post('/reload').set('Cookie', cookie).expect(200);
    expect(response.body).toEqual({ views: 100 });
  });

  it('a failed regenerate (store cannot destroy) answers 500 and the app keeps serving', async () => {
    const cookie = await visit();
    store.failures.destroy = new Error('disk on fire');
    const response = await http.post('/login').set('Cookie', cookie).expect(500);
    // As a failed load: the store error is named, its cause only logged.
    expect(response.body).toEqual({ statusCode: 500, message: 'Session store error', error: 'Internal Server Error' });
    await http.get('/views').set('Cookie', cookie).expect(200);
  });
});
