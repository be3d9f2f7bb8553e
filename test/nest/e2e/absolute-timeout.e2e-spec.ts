import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { cookiePair, createSessionApp, sessionIdOf } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { PLATFORMS } from '../../support/platforms.js';

const ONE_HOUR = 60 * 60 * 1000;

/** absoluteTimeout: a session ends a fixed time after it was created, however active. */
describe.each(PLATFORMS)('absoluteTimeout on $name', (platform) => {
  let app: INestApplication;
  let store: InstrumentedStore;
  let http: ReturnType<typeof request>;

  beforeEach(async () => {
    store = new InstrumentedStore();
    app = await createSessionApp(platform, { store, absoluteTimeout: ONE_HOUR, cookie: { maxAge: 10 * 60 * 1000 } });
    http = request(app.getHttpServer());
  });

  afterEach(async () => {
    await app.close();
  });

  /** Moves the stored session's creation time into the past, as if it had been created then. */
  async function ageSession(sessionId: string, ageMs: number): Promise<void> {
    const record = (await store.inner.get(sessionId))!;
    await store.inner.set(sessionId, { ...record, cookie: { ...record.cookie, createdAt: Date.now() - ageMs } });
  }

  it('records when the session was created in the stored cookie', async () => {
    const before = Date.now();
    const cookie = cookiePair((await http.post('/login?user=ada').expect(200)).headers['set-cookie'])!;
    const record = await store.inner.get(sessionIdOf(cookie));
    expect(record!.cookie.createdAt).toBeGreaterThanOrEqual(before);
    expect(record!.cookie.createdAt).toBeLessThanOrEqual(Date.now());
  });

  it('keeps an active session younger than the timeout', async () => {
    const cookie = cookiePair((await http.post('/login?user=ada').expect(200)).headers['set-cookie'])!;
    await ageSession(sessionIdOf(cookie), ONE_HOUR - 60_000);
    await http.get('/me').set('Cookie', cookie).expect(200);
  });

  it('ends a session older than the timeout however active it is: destroyed, and the user signs in again', async () => {
    const cookie = cookiePair((await http.post('/login?user=ada').expect(200)).headers['set-cookie'])!;
    await ageSession(sessionIdOf(cookie), ONE_HOUR + 1);
    await http.get('/me').set('Cookie', cookie).expect(401);
    expect(store.callsOf('destroy')).toContain(sessionIdOf(cookie));
    expect(await store.inner.get(sessionIdOf(cookie))).toBeUndefined();
  });

  it('regenerate() at login starts a new period', async () => {
    const anonymous = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
    await ageSession(sessionIdOf(anonymous), ONE_HOUR - 1000);
    const signedIn = cookiePair((await http.post('/login?user=ada').set('Cookie', anonymous).expect(200)).headers['set-cookie'])!;
    const record = await store.inner.get(sessionIdOf(signedIn));
    expect(record!.cookie.createdAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it('starts the period of a session stored before the option was turned on', async () => {
    const cookie = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
    const record = (await store.inner.get(sessionIdOf(cookie)))!;
    const { createdAt: _createdAt, ...cookieWithoutCreation } = record.cookie;
    await store.inner.set(sessionIdOf(cookie), { ...record, cookie: cookieWithoutCreation });
    const response = await http.get('/views').set('Cookie', cookie).expect(200);
    expect(response.body.views).toBe(2);
    expect((await store.inner.get(sessionIdOf(cookie)))!.cookie.createdAt).toEqual(expect.any(Number));
  });
});
