import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import passport from 'passport';
import { SessionStoreUnavailableError } from '../../../lib/index.js';
import type { SessionRecord, SessionStore } from '../../../lib/index.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { cookiePair, sessionIdOf } from '../../support/e2e-app.js';
import { createPassportApp } from './passport-app.js';
import { EXPRESS, PLATFORMS } from '../../support/platforms.js';

const ADA = { id: 1, username: 'ada', displayName: 'Ada Lovelace' };

/** The Passport login stored in a record (`{ passport: { user } }`), if any. */
function passportUserOf(record: SessionRecord | null | undefined): unknown {
  return (record as { passport?: { user?: unknown } } | null | undefined)?.passport?.user;
}

async function storedRecords(store: SessionStore): Promise<SessionRecord[]> {
  return Object.values((await store.all!()) ?? {});
}

describe.each(PLATFORMS)('Passport (passport-local through @nestjs/passport) on SessionModule on $name', (platform) => {
  let app: INestApplication;
  let store: SessionStore;

  beforeEach(async () => {
    ({ app, store } = await createPassportApp(platform));
  });

  afterEach(async () => {
    await app.close();
  });

  /** Logs in as ada with the given Cookie header; returns the response and the new cookie. */
  async function logIn(cookie?: string) {
    const attempt = request(app.getHttpServer()).post('/login').send({ username: 'ada', password: 'lovelace' });
    const response = await (cookie ? attempt.set('Cookie', cookie) : attempt);
    return { response, cookie: cookiePair(response.headers['set-cookie']) };
  }

  it('logs in: the session stores only the serialized user id, and the cookie is signed', async () => {
    const { response, cookie } = await logIn();

    expect(response.status).toBe(200);
    expect(response.body.user).toEqual(ADA);
    expect(cookie).toMatch(/^connect\.sid=s%3A[\w-]+\.[\w%+/-]+$/);
    const sessionId = sessionIdOf(cookie!);
    expect(response.body.sessionId).toBe(sessionId);
    expect(passportUserOf(await store.get(sessionId))).toBe(1);
  });

  it('deserializes the user on an authenticated request', async () => {
    const { cookie } = await logIn();

    const profile = await request(app.getHttpServer()).get('/profile').set('Cookie', cookie!);

    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({ user: ADA, isAuthenticated: true });
  });

  it('answers 401 on the guarded route without a login', async () => {
    const profile = await request(app.getHttpServer()).get('/profile');

    expect(profile.status).toBe(401);
  });

  it('does not carry a session id planted before login across the login (fixation)', async () => {
    // The attacker's session: a real, stored one, whose cookie is planted in the victim's browser.
    const visit = await request(app.getHttpServer()).get('/visits');
    const plantedCookie = cookiePair(visit.headers['set-cookie'])!;
    const plantedId = sessionIdOf(plantedCookie);
    expect(await store.get(plantedId)).toBeTruthy();

    const { response, cookie } = await logIn(plantedCookie);

    expect(response.status).toBe(200);
    expect(cookie).toBeDefined();
    expect(sessionIdOf(cookie!)).not.toBe(plantedId);
    expect(await store.get(plantedId)).toBeFalsy();
    // The attacker still holding the planted cookie is not signed in.
    const attacker = await request(app.getHttpServer()).get('/profile').set('Cookie', plantedCookie);
    expect(attacker.status).toBe(401);
    const victim = await request(app.getHttpServer()).get('/profile').set('Cookie', cookie!);
    expect(victim.body.user).toEqual(ADA);
  });

  it('drops the pre-login session data at login (Passport regenerates without keepSessionInfo)', async () => {
    const visit = await request(app.getHttpServer()).get('/visits');
    const { cookie } = await logIn(cookiePair(visit.headers['set-cookie']));

    const record = (await store.get(sessionIdOf(cookie!))) as unknown as Record<string, unknown>;

    expect(record.views).toBeUndefined();
    expect(passportUserOf(record as never)).toBe(1);
  });

  it('logs out with req.logout(cb): the old cookie is no longer signed in and no stored session holds the user', async () => {
    const { cookie } = await logIn();
    const sessionId = sessionIdOf(cookie!);

    const logout = await request(app.getHttpServer()).post('/logout').set('Cookie', cookie!);

    expect(logout.status).toBe(200);
    expect(logout.body).toEqual({ signedOut: true });
    // Passport saves the session without the user, then regenerates it: the old id is gone.
    expect(await store.get(sessionId)).toBeFalsy();
    expect((await storedRecords(store)).map(passportUserOf).filter((user) => user !== undefined)).toEqual([]);
    const profile = await request(app.getHttpServer()).get('/profile').set('Cookie', cookie!);
    expect(profile.status).toBe(401);
  });

  it('answers 401 to a wrong password and stores no session', async () => {
    const response = await request(app.getHttpServer())
      .post('/login')
      .send({ username: 'ada', password: 'babbage' });

    expect(response.status).toBe(401);
    expect(cookiePair(response.headers['set-cookie'])).toBeUndefined();
    expect(await storedRecords(store)).toEqual([]);
  });

  it('answers 401 to a missing password (passport-local fails before the strategy runs)', async () => {
    const response = await request(app.getHttpServer()).post('/login').send({ username: 'ada' });

    expect(response.status).toBe(401);
    expect(await storedRecords(store)).toEqual([]);
  });

  it('keeps two users apart', async () => {
    const ada = await logIn();
    const grace = await request(app.getHttpServer()).post('/login').send({ username: 'grace', password: 'hopper' });
    const graceCookie = cookiePair(grace.headers['set-cookie'])!;

    const adaProfile = await request(app.getHttpServer()).get('/profile').set('Cookie', ada.cookie!);
    const graceProfile = await request(app.getHttpServer()).get('/profile').set('Cookie', graceCookie);

    expect(adaProfile.body.user.username).toBe('ada');
    expect(graceProfile.body.user.username).toBe('grace');
  });
});

describe.each(PLATFORMS)("Passport's keepSessionInfo on $name", (platform) => {
  it('carries the pre-login data into the new session, under a new id', async () => {
    const { app, store } = await createPassportApp(platform, {}, undefined, { keepSessionInfo: true });
    try {
      const visit = await request(app.getHttpServer()).get('/visits');
      const plantedCookie = cookiePair(visit.headers['set-cookie'])!;

      const login = await request(app.getHttpServer())
        .post('/login')
        .set('Cookie', plantedCookie)
        .send({ username: 'ada', password: 'lovelace' });
      const cookie = cookiePair(login.headers['set-cookie'])!;

      expect(sessionIdOf(cookie)).not.toBe(sessionIdOf(plantedCookie));
      expect(await store.get(sessionIdOf(plantedCookie))).toBeFalsy();
      const record = (await store.get(sessionIdOf(cookie))) as unknown as { views?: number; passport?: { user?: number } };
      expect(record).toMatchObject({ views: 1, passport: { user: 1 } });
      const visitAgain = await request(app.getHttpServer()).get('/visits').set('Cookie', cookie);
      expect(visitAgain.body).toEqual({ views: 2 });
    } finally {
      await app.close();
    }
  });
});

describe.each(PLATFORMS)('where Passport middleware goes on $name', (platform) => {
  it("app.use(passport.session()) in main.ts runs before SessionModule's middleware and fails", async () => {
    const passportErrors: unknown[] = [];
    const passportSession = passport.session();
    const { app } = await createPassportApp(platform, { middleware: [] }, (nestApp) => {
      // One middleware per use(): Fastify's takes a single function (after an optional path).
      nestApp.use(passport.initialize());
      nestApp.use((req: never, res: never, next: (error?: unknown) => void) =>
        passportSession(req, res, (error?: unknown) => {
          passportErrors.push(error);
          next(error);
        }),
      );
    });
    try {
      const profile = await request(app.getHttpServer()).get('/profile');

      expect(profile.status).toBe(500);
      expect(passportErrors).toEqual([expect.objectContaining({ message: expect.stringMatching(/require session support/) })]);
    } finally {
      await app.close();
    }
  });
});

describe('Passport with the store unavailable', () => {
  it('a login whose regenerate fails answers 503 with Retry-After, and the session and cookie are kept', async () => {
    const store = new InstrumentedStore();
    const { app } = await createPassportApp(EXPRESS, { store });
    try {
      const http = request(app.getHttpServer());
      const cookie = cookiePair((await http.get('/visits').expect(200)).headers['set-cookie'])!;
      store.failures.destroy = new SessionStoreUnavailableError('redis is down');
      const login = await http.post('/login').set('Cookie', cookie).send({ username: 'ada', password: 'lovelace' }).expect(503);
      expect(login.headers['retry-after']).toBe('5');
      expect(login.headers['set-cookie']).toBeUndefined();
      expect(login.text).not.toContain('redis is down');
      // The session is still there.
      expect((await http.get('/visits').set('Cookie', cookie).expect(200)).body.views).toBe(2);
    } finally {
      await app.close();
    }
  });
});
