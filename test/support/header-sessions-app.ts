import request from 'supertest';
import type { Response } from 'supertest';
import { Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Session, SessionGuard, SessionToken } from '../../lib/index.js';
import type { SessionModuleOptions } from '../../lib/index.js';
import { cookiePair, createSessionApp, setCookies } from './e2e-app.js';
import type { Platform } from './platforms.js';
import { UserSessionsController } from './user-sessions-app.js';

/**
 * Routes of an app whose clients are browsers (cookie) and apps (the `header` option): the
 * "your devices" routes (`/me`, `/views`, `/devices`, revoke, `/logout`), with a sign-in that
 * returns the token, a browser's hand-over of its token, and `rotate()`.
 */
@Controller()
export class HeaderSessionsController extends UserSessionsController {
  /** Signs in; the token goes back in the body (how a client with nothing yet gets its first one). */
  @Post('login')
  @HttpCode(200)
  override async login(@Session() session: Session, @Query('user') user = 'alice') {
    const fresh = await session.regenerate();
    fresh.userId = user;
    return { token: fresh.token(), handle: this.userSessions.handleOf(fresh) };
  }

  /** A signed-in browser asks for a token to hand its session to an app. */
  @Get('token')
  @UseGuards(SessionGuard)
  token(@SessionToken() token: string) {
    return { token };
  }

  /** An app's own data under the name of a method (`req.session.token = accessToken`, as under express-session). */
  @Post('oauth-token')
  @HttpCode(200)
  @UseGuards(SessionGuard)
  storeOauthToken(@Session() session: Session, @Query('value') value: string) {
    (session as unknown as { token: string }).token = value;
    return {};
  }

  @Get('oauth-token')
  @UseGuards(SessionGuard)
  oauthToken(@Session() session: Session, @SessionToken() signed: string) {
    return { stored: (session as unknown as { token: unknown }).token, signed };
  }

  @Post('rotate')
  @HttpCode(200)
  @UseGuards(SessionGuard)
  async rotate(@Session() session: Session) {
    const rotated = await session.rotate();
    return { token: rotated.token() };
  }
}

/** An app with HeaderSessionsController and `header: true` (unless `options` say otherwise). */
export async function createHeaderSessionsApp(platform: Platform, options: Partial<SessionModuleOptions> = {}) {
  const app: INestApplication = await createSessionApp(
    platform,
    { header: true, cookie: { maxAge: 60 * 60 * 1000 }, ...options },
    { controllers: [HeaderSessionsController] },
  );
  return { app, http: request(app.getHttpServer()) };
}

/** `Authorization: Bearer <token>`. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** Whether a response carried no Set-Cookie at all. */
export function expectNoSetCookie(response: Response): void {
  expect(setCookies(response.headers['set-cookie'])).toEqual([]);
}

/**
 * Header clients (apps) beside cookie clients (browsers), through the whole life of a session,
 * on the store `moduleOptions` give: the same on every store that keeps an owner index.
 */
export function describeHeaderClients(platform: Platform, moduleOptions: () => Partial<SessionModuleOptions>): void {
  let app: INestApplication | undefined;
  let http: ReturnType<typeof request>;

  beforeEach(async () => {
    ({ app, http } = await createHeaderSessionsApp(platform, moduleOptions()));
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** An app signing in: the sign-in carries no token yet, so it is a cookie request; the app keeps the body's token. */
  async function signInApp(user: string): Promise<{ token: string; handle: string }> {
    const response = await http.post(`/login?user=${user}`).expect(200);
    return { token: response.body.token, handle: response.body.handle };
  }

  async function signInBrowser(user: string): Promise<{ cookie: string; handle: string }> {
    const response = await http.post(`/login?user=${user}`).expect(200);
    return { cookie: cookiePair(response.headers['set-cookie'])!, handle: response.body.handle };
  }

  it('signs an app in with the token from the body, and serves it by the header, never with a Set-Cookie', async () => {
    const user = `ada-${Date.now()}`;
    const { token } = await signInApp(user);
    expect(token).toMatch(/^s:[A-Za-z0-9_-]+\.[A-Za-z0-9+/]{43}$/);
    for (const path of ['/me', '/me', '/views']) {
      const response = await http.get(path).set('Authorization', bearer(token)).expect(200);
      expectNoSetCookie(response);
      // The client holds this token already: it is not repeated.
      expect(response.headers['session-token']).toBeUndefined();
    }
    await http.get('/me').set('Authorization', bearer(token)).expect(200, { userId: user });
    const views = await http.get('/views').set('Authorization', bearer(token)).expect(200);
    expect(views.body.views).toBe(2);
  });

  it('hands a signed-in browser session to an app through @SessionToken()', async () => {
    const user = `grace-${Date.now()}`;
    const browser = await signInBrowser(user);
    const { body } = await http.get('/token').set('Cookie', browser.cookie).expect(200);
    const response = await http.get('/me').set('Authorization', bearer(body.token)).expect(200, { userId: user });
    expectNoSetCookie(response);
  });

  it('keeps data stored under `token` (as express-session did), while @SessionToken() still gives the signed token', async () => {
    const { token } = await signInApp(`mary-${Date.now()}`);
    await http.post('/oauth-token?value=gho_example').set('Authorization', bearer(token)).expect(200);
    const { body } = await http.get('/oauth-token').set('Authorization', bearer(token)).expect(200);
    expect(body).toEqual({ stored: 'gho_example', signed: token });
  });

  it("lists an app's session as 'header' beside a browser's 'cookie', and revokes it: the app's next request is a 401 with WWW-Authenticate", async () => {
    const user = `linus-${Date.now()}`;
    const browser = await signInBrowser(user);
    const phone = await signInApp(user);
    // The first request by the header marks the session as carried by it.
    await http.get('/me').set('Authorization', bearer(phone.token)).expect(200);
    const listed = await http.get('/devices').set('Cookie', browser.cookie).expect(200);
    const transports = Object.fromEntries(
      (listed.body.sessions as Array<{ handle: string; transport: string }>).map((session) => [session.handle, session.transport]),
    );
    expect(transports).toEqual({ [browser.handle]: 'cookie', [phone.handle]: 'header' });
    const byApp = await http.get('/devices').set('Authorization', bearer(phone.token)).expect(200);
    expect(byApp.body.current).toBe(phone.handle);

    await http.post(`/devices/${phone.handle}/revoke`).set('Cookie', browser.cookie).expect(200, { revoked: true });
    const refused = await http.get('/me').set('Authorization', bearer(phone.token)).expect(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer');
    expectNoSetCookie(refused);
    await http.get('/me').set('Cookie', browser.cookie).expect(200, { userId: user });
    // A browser's 401 carries no challenge: it would mean nothing to it.
    await http.post('/logout').set('Cookie', browser.cookie).expect(200);
    const browserRefused = await http.get('/me').set('Cookie', browser.cookie).expect(401);
    expect(browserRefused.headers['www-authenticate']).toBeUndefined();
  });

  it('rotates: the new token comes in the response header and the body, the old one is refused', async () => {
    const user = `joan-${Date.now()}`;
    const { token } = await signInApp(user);
    const rotated = await http.post('/rotate').set('Authorization', bearer(token)).expect(200);
    expectNoSetCookie(rotated);
    const newToken = rotated.headers['session-token'] as string;
    expect(newToken).toBe(rotated.body.token);
    expect(newToken).not.toBe(token);
    await http.get('/me').set('Authorization', bearer(token)).expect(401);
    await http.get('/me').set('Authorization', bearer(newToken)).expect(200, { userId: user });
  });

  it('signs out: an empty Session-Token header tells the app to forget its token, which no longer works', async () => {
    const { token } = await signInApp(`alan-${Date.now()}`);
    const signedOut = await http.post('/logout').set('Authorization', bearer(token)).expect(200, { signedOut: true });
    expectNoSetCookie(signedOut);
    expect(signedOut.headers['session-token']).toBe('');
    await http.get('/me').set('Authorization', bearer(token)).expect(401);
  });

  it('an unknown token is never adopted: a new session, its token in the response header, no Set-Cookie', async () => {
    const { token } = await signInApp(`barbara-${Date.now()}`);
    await http.post('/logout').set('Authorization', bearer(token)).expect(200);
    const fresh = await http.get('/views').set('Authorization', bearer(token)).expect(200);
    expect(fresh.body.views).toBe(1);
    expectNoSetCookie(fresh);
    const newToken = fresh.headers['session-token'] as string;
    expect(newToken).toMatch(/^s:/);
    expect(newToken.slice(2, newToken.lastIndexOf('.'))).not.toBe(token.slice(2, token.lastIndexOf('.')));
    expect((await http.get('/views').set('Authorization', bearer(newToken)).expect(200)).body.views).toBe(2);
    // A handler that saves nothing stores nothing and sends no token.
    const untouched = await http.get('/me').set('Authorization', bearer('s:nothing.here')).expect(401);
    expect(untouched.headers['session-token']).toBeUndefined();
  });

  it('a request with both a cookie and the header is served by the header', async () => {
    const user = `edsger-${Date.now()}`;
    const browser = await signInBrowser(user);
    const app2 = await signInApp(`${user}-app`);
    await http.get('/me').set('Cookie', browser.cookie).set('Authorization', bearer(app2.token)).expect(200, { userId: `${user}-app` });
    const refused = await http.get('/me').set('Cookie', browser.cookie).set('Authorization', bearer('s:forged.token')).expect(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer');
    expectNoSetCookie(refused);
  });
}
