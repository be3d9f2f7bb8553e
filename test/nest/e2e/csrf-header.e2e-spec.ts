import 'reflect-metadata';
import request from 'supertest';
import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Session, signSessionId } from '../../../lib/index.js';
import { sessionCookie } from '../../../lib/testing.js';
import { createSessionApp, setCookies } from '../../support/e2e-app.js';
import { bearer, expectNoSetCookie } from '../../support/header-sessions-app.js';
import { PLATFORMS } from '../../support/platforms.js';

@Controller()
class CsrfHeaderController {
  @Post('transfer')
  @HttpCode(200)
  transfer(@Session() session: Session) {
    session.views = (session.views ?? 0) + 1;
    return { ok: true };
  }

  @Get('peek')
  peek(@Session('userId') userId?: string) {
    return { userId: userId ?? null };
  }
}

/** The `csrf` option beside the `header` option: a valid header token needs no CSRF token, nothing else changes. */
describe.each(PLATFORMS)('CSRF protection for header clients on $name', (platform) => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  /** A signed-in session's cookie, and the same session's token for the header. */
  let cookie: string;
  let token: string;

  beforeEach(async () => {
    app = await createSessionApp(platform, { header: true, csrf: { cookie: true } }, { controllers: [CsrfHeaderController] });
    http = request(app.getHttpServer());
    cookie = await sessionCookie(app, { userId: 'ada' });
    token = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  });

  afterEach(async () => {
    await app.close();
  });

  it('lets a state-changing request through without a CSRF token when a valid header token named its session', async () => {
    const response = await http.post('/transfer').set('Authorization', bearer(token)).expect(200, { ok: true });
    expectNoSetCookie(response);
    // Even one a browser would mark cross-site: it could not have added the header by itself.
    await http.post('/transfer').set('Authorization', bearer(token)).set('Sec-Fetch-Site', 'cross-site').expect(200);
  });

  it('checks a request that merely carries the header: forged, unknown or empty tokens are refused as without it', async () => {
    const unknownToken = signSessionId('no-such-session', 'test-secret-that-is-long-enough-to-sign-cookies');
    for (const value of [bearer('s:forged.signature'), bearer(`${token}x`), bearer(unknownToken), 'Bearer']) {
      await http.post('/transfer').set('Authorization', value).expect(403);
      // A valid cookie beside an invalid header does not help: the header decides, and it named no session.
      await http.post('/transfer').set('Authorization', value).set('Cookie', cookie).expect(403);
    }
  });

  it('still checks cookie requests, and sends no readable token cookie to a header client', async () => {
    await http.post('/transfer').set('Cookie', cookie).expect(403);
    const browser = await http.get('/peek').set('Cookie', cookie).expect(200, { userId: 'ada' });
    expect(setCookies(browser.headers['set-cookie']).some((value) => value.startsWith('XSRF-TOKEN='))).toBe(true);
    const app2 = await http.get('/peek').set('Authorization', bearer(token)).expect(200, { userId: 'ada' });
    expectNoSetCookie(app2);
  });
});
