import fc from 'fast-check';
import request from 'supertest';
import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Session, SessionGuard, UserSessions } from '../../lib/index.js';
import type { SessionModuleOptions } from '../../lib/index.js';
import { sessionCookie } from '../../lib/testing.js';
import { cookiePair, createSessionApp, sessionIdOf } from './e2e-app.js';
import { waitUntil } from './redis-server.js';
import type { Platform } from './platforms.js';

/** "Your devices" routes, the way an application uses UserSessions. */
@Controller()
export class UserSessionsController {
  constructor(protected readonly userSessions: UserSessions) {}

  @Post('login')
  @HttpCode(200)
  async login(@Session() session: Session, @Query('user') user = 'alice') {
    const fresh = await session.regenerate();
    fresh.userId = user;
    return { handle: this.userSessions.handleOf(fresh) };
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@Session('userId') userId: string) {
    return { userId };
  }

  @Get('devices')
  @UseGuards(SessionGuard)
  async devices(@Session() session: Session) {
    return { current: this.userSessions.handleOf(session), sessions: await this.userSessions.list(session.userId!) };
  }

  @Get('devices-of')
  async devicesOf(@Query('user') user: string) {
    return this.userSessions.list(user);
  }

  @Post('devices/:handle/revoke')
  @HttpCode(200)
  @UseGuards(SessionGuard)
  async revoke(@Session('userId') userId: string, @Param('handle') handle: string) {
    return { revoked: await this.userSessions.revoke(userId, handle) };
  }

  @Post('devices/revoke-others')
  @HttpCode(200)
  @UseGuards(SessionGuard)
  async revokeOthers(@Session() session: Session) {
    const count = await this.userSessions.revokeAll(session.userId!, { except: this.userSessions.handleOf(session) });
    return { count };
  }

  @Post('revoke-all')
  @HttpCode(200)
  async revokeAll(@Query('user') user: string) {
    return { count: await this.userSessions.revokeAll(user) };
  }

  /** Hands the session to another user without a new id: the owner changes. */
  @Post('switch')
  @HttpCode(200)
  switchUser(@Session() session: Session, @Query('user') user: string) {
    session.userId = user;
    return { userId: user };
  }

  @Post('forget-user')
  @HttpCode(200)
  forgetUser(@Session() session: Session) {
    delete session.userId;
    return { userId: null };
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Session() session: Session) {
    await session.destroy();
    return { signedOut: true };
  }

  /** Lets the test hold a request of a session open while something else happens. */
  static releaseSlowRequest: (() => void) | undefined;

  @Post('slow-write')
  @HttpCode(200)
  async slowWrite(@Session() session: Session) {
    await new Promise<void>((resolve) => (UserSessionsController.releaseSlowRequest = resolve));
    session.views = 99;
    return { written: true };
  }

  @Get('views')
  views(@Session() session: Session) {
    session.views = (session.views ?? 0) + 1;
    return { views: session.views, sessionId: session.id };
  }
}

/** An app with UserSessionsController; `login` signs a new client in and returns its cookie. */
export async function createUserSessionsApp(platform: Platform, options: Partial<SessionModuleOptions> = {}) {
  const app: INestApplication = await createSessionApp(platform, options, { controllers: [UserSessionsController] });
  const http = request(app.getHttpServer());
  const login = async (user: string, userAgent = 'test-agent'): Promise<{ cookie: string; handle: string; sessionId: string }> => {
    const response = await http.post(`/login?user=${encodeURIComponent(user)}`).set('User-Agent', userAgent).expect(200);
    const cookie = cookiePair(response.headers['set-cookie'])!;
    return { cookie, handle: response.body.handle, sessionId: sessionIdOf(cookie) };
  };
  return { app, http, login };
}

/**
 * The UserSessions behaviour over HTTP, the same on every store that keeps an owner index.
 * `options` gives the store (and anything else the target needs).
 */
export function describeUserSessionsOverHttp(platform: Platform, moduleOptions: () => Partial<SessionModuleOptions>): void {
  let app: INestApplication | undefined;

  async function start(extra: Partial<SessionModuleOptions> = {}) {
    const started = await createUserSessionsApp(platform, { cookie: { maxAge: 60 * 60 * 1000 }, ...moduleOptions(), ...extra });
    app = started.app;
    return started;
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("lists a user's sessions with handles, never their ids, and marks the current one", async () => {
    const { http, login } = await start();
    const user = `ada-${Date.now()}`;
    const devices = [await login(user), await login(user), await login(user)];
    await sessionCookie(app!, { userId: `${user}-other` });
    const response = await http.get('/devices').set('Cookie', devices[0]!.cookie).expect(200);
    const { current, sessions } = response.body as { current: string; sessions: Array<Record<string, unknown>> };
    expect(current).toBe(devices[0]!.handle);
    expect(sessions.map((session) => session.handle).sort()).toEqual(devices.map((device) => device.handle).sort());
    for (const session of sessions) {
      expect(Object.keys(session).sort()).toEqual(['createdAt', 'expiresAt', 'handle', 'lastActiveAt', 'transport']);
      expect(session.transport).toBe('cookie');
      expect(Number.isNaN(Date.parse(session.createdAt as string))).toBe(false);
      expect(Date.parse(session.lastActiveAt as string)).toBeGreaterThanOrEqual(Date.parse(session.createdAt as string));
      expect(Date.parse(session.expiresAt as string)).toBeGreaterThan(Date.now());
    }
    for (const device of devices) {
      expect(response.text).not.toContain(device.sessionId);
      expect(device.handle).not.toContain(device.sessionId.slice(0, 8));
    }
  });

  it('revokes one session: its next request is a new, signed-out session and the guard answers 401', async () => {
    const { http, login } = await start();
    const user = `grace-${Date.now()}`;
    const [laptop, phone] = [await login(user), await login(user)];
    await http.post(`/devices/${phone.handle}/revoke`).set('Cookie', laptop.cookie).expect(200, { revoked: true });
    await http.get('/me').set('Cookie', phone.cookie).expect(401);
    const next = await http.get('/views').set('Cookie', phone.cookie).expect(200);
    expect(next.body.sessionId).not.toBe(phone.sessionId);
    await http.get('/me').set('Cookie', laptop.cookie).expect(200, { userId: user });
    // Gone: a second revoke finds nothing.
    await http.post(`/devices/${phone.handle}/revoke`).set('Cookie', laptop.cookie).expect(200, { revoked: false });
  });

  it('a request of the revoked session still in flight cannot write it back', async () => {
    const { http, login } = await start();
    const user = `joan-${Date.now()}`;
    const [laptop, phone] = [await login(user), await login(user)];
    UserSessionsController.releaseSlowRequest = undefined;
    const slowRequest = http.post('/slow-write').set('Cookie', phone.cookie).then((response) => response);
    await waitUntil(() => UserSessionsController.releaseSlowRequest !== undefined, 'the slow request is in its handler');
    await http.post(`/devices/${phone.handle}/revoke`).set('Cookie', laptop.cookie).expect(200, { revoked: true });
    UserSessionsController.releaseSlowRequest!();
    expect((await slowRequest).status).toBe(200);
    await http.get('/me').set('Cookie', phone.cookie).expect(401);
    const listed = await http.get('/devices').set('Cookie', laptop.cookie).expect(200);
    expect(listed.body.sessions.map((session: { handle: string }) => session.handle)).toEqual([laptop.handle]);
  });

  it("cannot revoke another user's session, nor an unknown handle", async () => {
    const { http, login } = await start();
    // Signed in through the testing helper: its session is indexed like any other.
    const aliceCookie = await sessionCookie(app!, { userId: `alice-${Date.now()}` });
    const alice = { cookie: aliceCookie, handle: app!.get(UserSessions).handleOf({ id: sessionIdOf(aliceCookie) }) };
    const mallory = await login(`mallory-${Date.now()}`);
    await http.post(`/devices/${alice.handle}/revoke`).set('Cookie', mallory.cookie).expect(200, { revoked: false });
    await http.post('/devices/not-a-handle/revoke').set('Cookie', mallory.cookie).expect(200, { revoked: false });
    await http.get('/me').set('Cookie', alice.cookie).expect(200);
  });

  it('logs out the other devices, keeping the current one', async () => {
    const { http, login } = await start();
    const user = `linus-${Date.now()}`;
    const [current, ...others] = [await login(user), await login(user), await login(user)];
    const bystander = { cookie: await sessionCookie(app!, { userId: `${user}-bystander` }) };
    await http.post('/devices/revoke-others').set('Cookie', current!.cookie).expect(200, { count: 2 });
    for (const other of others) await http.get('/me').set('Cookie', other.cookie).expect(401);
    await http.get('/me').set('Cookie', current!.cookie).expect(200);
    await http.get('/me').set('Cookie', bystander.cookie).expect(200);
    const listed = await http.get('/devices').set('Cookie', current!.cookie).expect(200);
    expect(listed.body.sessions.map((session: { handle: string }) => session.handle)).toEqual([current!.handle]);
  });

  it('refuses an except that is not a handle, ending no session (a null except would have ended the current one too)', async () => {
    const { http, login } = await start();
    const user = `nora-${Date.now()}`;
    const devices = [await login(user), await login(user)];
    const userSessions = app!.get(UserSessions);
    for (const except of [null, 42, {}, ['handle']]) {
      await expect(userSessions.revokeAll(user, { except } as never)).rejects.toThrow(/except/);
    }
    for (const device of devices) await http.get('/me').set('Cookie', device.cookie).expect(200);
  });

  it('logs a user out everywhere and counts only live sessions', async () => {
    const { http, login } = await start();
    const user = `barbara-${Date.now()}`;
    const devices = [await login(user), await login(user), await login(user)];
    await http.post('/logout').set('Cookie', devices[2]!.cookie).expect(200);
    await http.post(`/revoke-all?user=${user}`).expect(200, { count: 2 });
    for (const device of devices) await http.get('/me').set('Cookie', device.cookie).expect(401);
    await http.post(`/revoke-all?user=${user}`).expect(200, { count: 0 });
    await http.get(`/devices-of?user=${user}`).expect(200, []);
  });

  it('moves a session whose owner changes, and drops one that loses its owner', async () => {
    const { http, login } = await start();
    const stamp = Date.now();
    const device = await login(`ken-${stamp}`);
    await http.post(`/switch?user=dennis-${stamp}`).set('Cookie', device.cookie).expect(200);
    await http.get(`/devices-of?user=ken-${stamp}`).expect(200, []);
    const listed = await http.get(`/devices-of?user=dennis-${stamp}`).expect(200);
    expect(listed.body.map((session: { handle: string }) => session.handle)).toEqual([device.handle]);
    await http.post('/forget-user').set('Cookie', device.cookie).expect(200);
    await http.get(`/devices-of?user=dennis-${stamp}`).expect(200, []);
  });

  it('keeps the user agent and address only with trackClient', async () => {
    const tracked = await start({ trackClient: true });
    const user = `margaret-${Date.now()}`;
    const device = await tracked.login(user, 'Firefox/140');
    const [info] = (await tracked.http.get('/devices').set('Cookie', device.cookie).expect(200)).body.sessions;
    expect(info.userAgent).toBe('Firefox/140');
    expect(info.ip).toMatch(/127\.0\.0\.1|::1/);
    await app!.close();

    const untracked = await start();
    const other = await untracked.login(`${user}-untracked`, 'Firefox/140');
    const [plain] = (await untracked.http.get('/devices').set('Cookie', other.cookie).expect(200)).body.sessions;
    expect(plain).not.toHaveProperty('userAgent');
    expect(plain).not.toHaveProperty('ip');
  });

  it('takes a numeric owner id as the default owner indexes it (session.userId = 4242)', async () => {
    await start();
    const userSessions = app!.get(UserSessions);
    const userId = 4_000_000 + (Date.now() % 1_000_000);
    await sessionCookie(app!, { userId: userId as unknown as string });
    const phone = await sessionCookie(app!, { userId: userId as unknown as string });
    expect(await userSessions.list(userId)).toHaveLength(2);
    expect(await userSessions.list(String(userId))).toHaveLength(2);
    expect(await userSessions.revoke(userId, userSessions.handleOf({ id: sessionIdOf(phone) }))).toBe(true);
    expect(await userSessions.revokeAll(userId)).toBe(1);
    expect(await userSessions.list(userId)).toEqual([]);
  });

  it('answers any owner value: its sessions for a string or finite number, a TypeError for anything else', async () => {
    await start();
    const userSessions = app!.get(UserSessions);
    const hostileStrings = fc.constantFrom('__proto__', 'constructor', '*', '?', '[a]', '\\', '{tag}', 'owners:x', '\u0000', ' ', 'a'.repeat(2_000));
    const ownerValues = fc.oneof(fc.string(), hostileStrings, fc.integer(), fc.double(), fc.anything());
    await fc.assert(
      fc.asyncProperty(ownerValues, async (ownerValue) => {
        const isOwnerId = (typeof ownerValue === 'string' && ownerValue.length > 0) || (typeof ownerValue === 'number' && Number.isFinite(ownerValue));
        const owner = ownerValue as string | number;
        if (!isOwnerId) {
          await expect(userSessions.list(owner)).rejects.toThrow(TypeError);
          await expect(userSessions.revoke(owner, 'some-handle')).rejects.toThrow(TypeError);
          await expect(userSessions.revokeAll(owner)).rejects.toThrow(TypeError);
          return;
        }
        const cookie = await sessionCookie(app!, { userId: owner as string });
        const handle = userSessions.handleOf({ id: sessionIdOf(cookie) });
        expect((await userSessions.list(owner)).map((session) => session.handle)).toEqual([handle]);
        expect(await userSessions.revoke(owner, 'not-a-handle')).toBe(false);
        expect(await userSessions.revokeAll(owner)).toBe(1);
        expect(await userSessions.list(owner)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('follows a custom sessionOwner', async () => {
    const { http } = await start({ sessionOwner: (session) => (session as { views?: number }).views === 2 ? 'counter-owner' : undefined });
    const first = await http.get('/views').expect(200);
    const cookie = cookiePair(first.headers['set-cookie'])!;
    await http.get('/views').set('Cookie', cookie).expect(200);
    const listed = await http.get('/devices-of?user=counter-owner').expect(200);
    expect(listed.body).toHaveLength(1);
    await http.get('/views').set('Cookie', cookie).expect(200);
    await http.get('/devices-of?user=counter-owner').expect(200, []);
  });
}
