import { Controller, Get, Req } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { createSessionMiddleware, SessionModule, SessionOptionsError, SessionStore, UserSessions } from '../../../lib/index.js';
import type { RequestWithSession, SessionModuleOptions } from '../../../lib/index.js';
import { HashedIdStore } from '../../../lib/core/store/at-rest/hashed-id-store.js';
import { hashedSessionKey } from '../../../lib/core/session/session-storage-key.js';
import { backingStoreName, newBackingStore } from '../../support/backing-store.js';
import type { BackingStore } from '../../support/backing-store.js';
import { cookiePair, createSessionApp, SessionTestController, sessionIdOf, startApp, TEST_SECRET } from '../../support/e2e-app.js';
import { describeFlashOverHttp } from '../../support/flash-app.js';
import { PLATFORMS } from '../../support/platforms.js';
import { describeRotateAndMergeOverHttp } from '../../support/rotate-merge-app.js';
import { recordSessionEvents } from '../../support/session-events.js';
import { createUserSessionsApp, describeUserSessionsOverHttp } from '../../support/user-sessions-app.js';
import { createExpressSessionApp } from '../../support/express-app.js';
import expressSession from 'express-session';

const ONE_HOUR_MS = 60 * 60 * 1000;

/** What an express-session client (Passport) does with `req.sessionStore`: find the request's session by its id. */
@Controller()
class SessionStoreClientController {
  @Get('store-lookup')
  lookup(@Req() request: RequestWithSession) {
    // express-session's store signature: get(id, callback).
    const store = request.sessionStore as unknown as { get(id: string, done: (error: unknown, stored?: Record<string, unknown> | null) => void): void };
    return new Promise((resolve, reject) => {
      store.get(request.sessionID!, (error, stored) =>
        error ? reject(error) : resolve({ found: stored != null, userId: stored?.userId ?? null }),
      );
    });
  }
}

/** Everything the store holds, as text: its keys and its records (with their owner index, for stores that have one). */
async function storedText(store: BackingStore, owners: readonly string[] = []): Promise<string> {
  const indexed = await Promise.all(owners.map((owner) => store.ownerSessionIds(owner)));
  return JSON.stringify({ ids: await store.ids(), all: await store.all(), indexed });
}

describe.each(PLATFORMS)(`hashIds on ${backingStoreName()}, over HTTP on $name`, (platform) => {
  const apps: INestApplication[] = [];

  async function start(options: Partial<SessionModuleOptions>, controllers: unknown[] = [SessionTestController, SessionStoreClientController]) {
    const app = await createSessionApp(platform, { cookie: { maxAge: ONE_HOUR_MS }, ...options }, { controllers: controllers as never });
    apps.push(app);
    return { app, http: request(app.getHttpServer()) };
  }

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('stores nothing that holds the raw id, keeps sessions across requests, and logs out', async () => {
    const store = newBackingStore();
    const { http } = await start({ store, hashIds: true });
    const first = await http.get('/views').expect(200);
    let cookie = cookiePair(first.headers['set-cookie'])!;
    const anonymousId = sessionIdOf(cookie);
    await http.get('/views').set('Cookie', cookie).expect(200, { views: 2, sessionId: anonymousId });
    const login = await http.post('/login?user=ada').set('Cookie', cookie).expect(200);
    cookie = cookiePair(login.headers['set-cookie'])!;
    const sessionId = sessionIdOf(cookie);
    await http.get('/me').set('Cookie', cookie).expect(200, { userId: 'ada' });
    await http.get('/views').set('Cookie', cookie).expect(200, { views: 1, sessionId });

    expect(await store.ids()).toEqual([hashedSessionKey(sessionId)]);
    const text = await storedText(store, ['ada']);
    expect(text).toContain(hashedSessionKey(sessionId));
    for (const rawId of [sessionId, anonymousId]) expect(text).not.toContain(rawId);

    await http.post('/logout').set('Cookie', cookie).expect(200);
    expect(await store.ids()).toEqual([]);
    await http.get('/me').set('Cookie', cookie).expect(401);
  });

  it("lets express-session clients find the request's session through req.sessionStore, and the SessionStore provider by id", async () => {
    const store = newBackingStore();
    const { app, http } = await start({ store, hashIds: true });
    const cookie = cookiePair((await http.post('/login?user=grace').expect(200)).headers['set-cookie'])!;
    await http.get('/store-lookup').set('Cookie', cookie).expect(200, { found: true, userId: 'grace' });
    expect(app.get(SessionStore)).toBeInstanceOf(HashedIdStore);
    // SessionTestController's /reload writes through the injected SessionStore by session id.
    await http.post('/reload').set('Cookie', cookie).expect(200, { views: 100 });
    expect(JSON.stringify(await store.all())).not.toContain(sessionIdOf(cookie));
  });

  it('rotates, regenerates and enforces absoluteTimeout as without the option', async () => {
    const store = newBackingStore();
    const { http } = await start({ store, hashIds: true, absoluteTimeout: ONE_HOUR_MS });
    const anonymous = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
    const signedIn = cookiePair((await http.post('/login?user=ada').set('Cookie', anonymous).expect(200)).headers['set-cookie'])!;
    expect(sessionIdOf(signedIn)).not.toBe(sessionIdOf(anonymous));
    // The anonymous session was destroyed by regenerate(): its cookie now starts a new one.
    await http.get('/peek').set('Cookie', anonymous).expect(200).expect((response) => expect(response.body.sessionId).not.toBe(sessionIdOf(anonymous)));
    expect(await store.ids()).toEqual([hashedSessionKey(sessionIdOf(signedIn))]);
  });

  it('publishes events with handles of the storage key: never the raw id, never the hash', async () => {
    const { app, http, login } = await createUserSessionsApp(platform, { store: newBackingStore(), hashIds: true, cookie: { maxAge: ONE_HOUR_MS } });
    apps.push(app);
    const recorder = recordSessionEvents();
    try {
      const device = await login('ada');
      await http.get('/views').set('Cookie', device.cookie).expect(200);
      await app.get(UserSessions).revokeAll('ada');
      const handle = app.get(UserSessions).handleOf({ id: device.sessionId });
      const own = recorder.events.filter((recorded) => recorded.payload.sessionHandle === handle).map((recorded) => recorded.event);
      expect(own).toEqual(['created', 'loaded', 'saved', 'revoked']);
      const text = JSON.stringify(recorder.events);
      expect(text).not.toContain(device.sessionId);
      expect(text).not.toContain(hashedSessionKey(device.sessionId));
    } finally {
      recorder.stop();
    }
  });

  describe("'migrate'", () => {
    /** An app on `store` that leaves it open when closed, so the next app (the next deploy) finds its sessions. */
    const startOn = (store: BackingStore, hashIds: SessionModuleOptions['hashIds']) => start({ store, hashIds, closeStoreOnShutdown: false });

    it('keeps a session written without hashIds signed in, and moves it to its hashed key (with its owner index entry)', async () => {
      const store = newBackingStore();
      const before = await startOn(store, false);
      const cookie = cookiePair((await before.http.post('/login?user=ada').expect(200)).headers['set-cookie'])!;
      const sessionId = sessionIdOf(cookie);
      expect(await store.ids()).toEqual([sessionId]);

      const migrating = await startOn(store, 'migrate');
      await migrating.http.get('/me').set('Cookie', cookie).expect(200, { userId: 'ada' });
      expect(await store.ids()).toEqual([hashedSessionKey(sessionId)]);
      expect(await store.ownerSessionIds('ada')).toEqual([hashedSessionKey(sessionId)]);
      await migrating.http.get('/views').set('Cookie', cookie).expect(200, { views: 1, sessionId });

      // Then `true`: the moved session is found, and nothing was left under the plain id.
      const hashed = await startOn(store, true);
      await hashed.http.get('/me').set('Cookie', cookie).expect(200, { userId: 'ada' });
      expect(await storedText(store, ['ada'])).not.toContain(sessionId);
    });

    it('with true only hashed keys are read: a session still under its plain id is not found', async () => {
      const store = newBackingStore();
      const before = await startOn(store, false);
      const cookie = cookiePair((await before.http.post('/login?user=ada').expect(200)).headers['set-cookie'])!;
      const hashed = await startOn(store, true);
      await hashed.http.get('/me').set('Cookie', cookie).expect(401);
      expect(await store.ids()).toEqual([sessionIdOf(cookie)]);
    });

    it("UserSessions lists moved and not yet moved sessions, marks the current one, and revokes one still under its plain id", async () => {
      const store = newBackingStore();
      const before = await createUserSessionsApp(platform, { store, closeStoreOnShutdown: false, cookie: { maxAge: ONE_HOUR_MS } });
      apps.push(before.app);
      const [laptop, phone] = [await before.login('ada'), await before.login('ada')];
      const migrating = await createUserSessionsApp(platform, { store, hashIds: 'migrate', closeStoreOnShutdown: false, cookie: { maxAge: ONE_HOUR_MS } });
      apps.push(migrating.app);
      const listing = await migrating.http.get('/devices').set('Cookie', laptop.cookie).expect(200);
      const { current, sessions } = listing.body as { current: string; sessions: Array<{ handle: string }> };
      expect(sessions).toHaveLength(2);
      expect(sessions.map((session) => session.handle)).toContain(current);
      expect(listing.text).not.toContain(laptop.sessionId);
      expect(listing.text).not.toContain(phone.sessionId);
      const phoneHandle = sessions.map((session) => session.handle).find((handle) => handle !== current)!;
      await migrating.http.post(`/devices/${phoneHandle}/revoke`).set('Cookie', laptop.cookie).expect(200, { revoked: true });
      await migrating.http.get('/me').set('Cookie', phone.cookie).expect(401);
      await migrating.http.get('/me').set('Cookie', laptop.cookie).expect(200, { userId: 'ada' });
      expect(await store.ids()).toEqual([hashedSessionKey(laptop.sessionId)]);
    });

    it('logs out a session not yet moved', async () => {
      const store = newBackingStore();
      const before = await startOn(store, false);
      const cookie = cookiePair((await before.http.post('/login?user=ada').expect(200)).headers['set-cookie'])!;
      const migrating = await startOn(store, 'migrate');
      await migrating.http.post('/logout').set('Cookie', cookie).expect(200);
      expect(await store.ids()).toEqual([]);
      await migrating.http.get('/me').set('Cookie', cookie).expect(401);
    });
  });

  describe('UserSessions', () => describeUserSessionsOverHttp(platform, () => ({ store: newBackingStore(), hashIds: true })));
  describe('flash messages', () => describeFlashOverHttp(platform, () => ({ store: newBackingStore(), hashIds: true })));
  describe('rotate() and merged saves', () => describeRotateAndMergeOverHttp(platform, () => ({ store: newBackingStore(), hashIds: true })));
});

describe('hashIds without Nest and on an express-session store', () => {
  it('createSessionMiddleware: every store call names the hashed key, one read per request', async () => {
    const { app, store } = createExpressSessionApp({ hashIds: true });
    const http = request(app);
    const first = await http.get('/views').expect(200);
    const cookie = cookiePair(first.headers['set-cookie'])!;
    const sessionId = sessionIdOf(cookie);
    await http.get('/views').set('Cookie', cookie).expect(200, { views: 2, sessionId });
    await http.get('/views').set('Cookie', cookie).expect(200, { views: 3, sessionId });
    expect(store.callsOf('get')).toEqual([hashedSessionKey(sessionId), hashedSessionKey(sessionId)]);
    expect(new Set(store.calls.map((call) => call.sessionId))).toEqual(new Set([hashedSessionKey(sessionId)]));
    await store.close();
  });

  it("keeps express-session's MemoryStore (through the callback adapter) keyed by hashes", async () => {
    const expressStore = new expressSession.MemoryStore();
    const apps: INestApplication[] = [];
    try {
      const app = await createSessionApp(PLATFORMS[0]!, { store: expressStore, hashIds: true });
      apps.push(app);
      const http = request(app.getHttpServer());
      const cookie = cookiePair((await http.post('/login?user=ada').expect(200)).headers['set-cookie'])!;
      await http.get('/me').set('Cookie', cookie).expect(200, { userId: 'ada' });
      const held = (expressStore as unknown as { sessions: Record<string, string> }).sessions;
      expect(Object.keys(held)).toEqual([hashedSessionKey(sessionIdOf(cookie))]);
      expect(JSON.stringify(held)).not.toContain(sessionIdOf(cookie));
    } finally {
      for (const app of apps) await app.close();
    }
  });
});

describe('hashIds option checks', () => {
  it.each([['yes'], [1], [null], ['MIGRATE']])('refuses %p with a SessionOptionsError naming hashIds', (value) => {
    const attempt = () => createSessionMiddleware({ secret: TEST_SECRET, hashIds: value as never });
    expect(attempt).toThrow(SessionOptionsError);
    expect(attempt).toThrow(/hashIds/);
  });

  it('accepts true, false and migrate', () => {
    for (const value of [true, false, 'migrate'] as const) expect(() => createSessionMiddleware({ secret: TEST_SECRET, hashIds: value })).not.toThrow();
  });

  it('fails SessionModule start-up naming hashIds', async () => {
    const moduleRef = Test.createTestingModule({ imports: [SessionModule.forRoot({ secret: TEST_SECRET, hashIds: 'on' as never })] });
    await expect(moduleRef.compile().then((compiled) => startApp(PLATFORMS[0]!, compiled))).rejects.toThrow(/hashIds/);
  });
});
