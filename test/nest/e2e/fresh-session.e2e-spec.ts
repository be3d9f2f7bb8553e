import request from 'supertest';
import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { RequireFreshSession, Session, SessionOptionsError, SessionStore } from '../../../lib/index.js';
import { cookiePair, createSessionApp, sessionIdOf } from '../../support/e2e-app.js';
import { PLATFORMS } from '../../support/platforms.js';
import { sleep } from '../../support/redis-server.js';

// Long enough that a sign-in and the next request fit in it on a loaded CI machine (300 ms did not).
const FRESH_MS = 1_500;

@Controller()
class AccountController {
  @Post('sign-in')
  @HttpCode(200)
  async signIn(@Session() session: Session) {
    // As an app does after checking the password: a new id, then the sign-in recorded.
    const fresh = await session.regenerate();
    fresh.userId = 'ada';
    fresh.markAuthenticated();
    return { ok: true };
  }

  @Post('confirm-password')
  @HttpCode(200)
  confirmPassword(@Session() session: Session) {
    session.markAuthenticated();
    return { ok: true };
  }

  @Post('sign-in-without-mark')
  @HttpCode(200)
  async signInWithoutMark(@Session() session: Session) {
    const fresh = await session.regenerate();
    fresh.userId = 'ada';
    return { ok: true };
  }

  @Post('rotate')
  @HttpCode(200)
  async rotate(@Session() session: Session) {
    await session.rotate();
    return { ok: true };
  }

  @Post('password')
  @HttpCode(200)
  @RequireFreshSession(FRESH_MS)
  changePassword() {
    return { changed: true };
  }
}

/** `@RequireFreshSession()` on the controller, overridden by a handler's. */
@Controller('danger')
@RequireFreshSession(FRESH_MS)
class DangerController {
  @Post('delete')
  @HttpCode(200)
  deleteAccount() {
    return { deleted: true };
  }

  @Post('export')
  @HttpCode(200)
  @RequireFreshSession(60_000)
  exportData() {
    return { exported: true };
  }
}

const REAUTHENTICATE = { statusCode: 401, error: 'Unauthorized', message: 'Recent sign-in required', reason: 'reauthenticate' };

describe.each(PLATFORMS)('@RequireFreshSession() on $name', (platform) => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;

  beforeEach(async () => {
    app = await createSessionApp(platform, {}, { controllers: [AccountController, DangerController] });
    http = request(app.getHttpServer());
  });

  afterEach(async () => {
    await app.close();
  });

  async function signIn(path = '/sign-in'): Promise<string> {
    return cookiePair((await http.post(path).expect(200)).headers['set-cookie'])!;
  }

  it('fresh → 200, stale → 401 reauthenticate, re-login (password confirmed) → 200', async () => {
    const cookie = await signIn();
    await http.post('/password').set('Cookie', cookie).expect(200, { changed: true });
    await sleep(FRESH_MS + 100);
    const stale = await http.post('/password').set('Cookie', cookie).expect(401);
    expect(stale.body).toEqual(REAUTHENTICATE);
    expect(stale.headers['content-type']).toContain('application/json');
    await http.post('/confirm-password').set('Cookie', cookie).expect(200);
    await http.post('/password').set('Cookie', cookie).expect(200, { changed: true });
  });

  it('a sign-in never recorded → 401 reauthenticate: without a session, and after regenerate() alone', async () => {
    expect((await http.post('/password').expect(401)).body).toEqual(REAUTHENTICATE);
    const cookie = await signIn('/sign-in-without-mark');
    expect((await http.post('/password').set('Cookie', cookie).expect(401)).body).toEqual(REAUTHENTICATE);
  });

  it('rotate() keeps the recorded sign-in', async () => {
    const cookie = await signIn();
    const rotated = cookiePair((await http.post('/rotate').set('Cookie', cookie).expect(200)).headers['set-cookie'])!;
    expect(rotated).not.toBe(cookie);
    await http.post('/password').set('Cookie', rotated).expect(200);
  });

  it("on a controller, and a handler's own maximum age overrides it", async () => {
    const cookie = await signIn();
    await sleep(FRESH_MS + 100);
    expect((await http.post('/danger/delete').set('Cookie', cookie).expect(401)).body).toEqual(REAUTHENTICATE);
    await http.post('/danger/export').set('Cookie', cookie).expect(200, { exported: true });
  });

  it('a sign-in time further ahead of the clock than the maximum age, or not a number, is refused', async () => {
    const cookie = await signIn();
    const store = app.get(SessionStore);
    const sessionId = sessionIdOf(cookie);
    const record = (await store.get(sessionId))!;
    for (const authenticatedAt of [Date.now() + 10 * 60_000, String(Date.now()), null]) {
      await store.set(sessionId, { ...record, __authenticatedAt: authenticatedAt });
      expect((await http.post('/password').set('Cookie', cookie).expect(401)).body).toEqual(REAUTHENTICATE);
    }
  });
});

describe('RequireFreshSession(maxAgeMs)', () => {
  it.each([0, -1, Number.NaN, Infinity, '300' as unknown as number])('refuses %p at decoration time', (maxAgeMs) => {
    expect(() => RequireFreshSession(maxAgeMs)).toThrow(SessionOptionsError);
    expect(() => RequireFreshSession(maxAgeMs)).toThrow('@RequireFreshSession(maxAgeMs)');
  });
});
