import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SessionStore, unsignSessionId } from '../../../lib/index.js';
import type { SessionModuleOptions } from '../../../lib/index.js';
import { cookiePair, createSessionApp, setCookies } from '../../support/e2e-app.js';
import { PLATFORMS } from '../../support/platforms.js';

/** The session cookie's name and attributes, as express-session sets them. */
describe.each(PLATFORMS)('cookie options on $name', (platform) => {
  let app: INestApplication | undefined;

  async function firstSetCookie(
    options: Partial<SessionModuleOptions>,
    prepare: (test: request.Test) => request.Test = (test) => test,
    configure?: (app: INestApplication) => void,
  ): Promise<string | undefined> {
    app = await createSessionApp(platform, options, {}, configure);
    const response = await prepare(request(app.getHttpServer()).get('/views')).expect(200);
    return setCookies(response.headers['set-cookie'])[0];
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("defaults to express-session's: connect.sid, Path=/, HttpOnly, browser-session, not Secure", async () => {
    const header = await firstSetCookie({});
    expect(header).toMatch(/^connect\.sid=s%3A[^;]+; Path=\/; HttpOnly$/);
  });

  it('uses the configured name and attributes', async () => {
    const header = await firstSetCookie({
      name: 'sid',
      cookie: { domain: 'example.test', maxAge: 60_000, sameSite: 'Strict' as never, priority: 'high', partitioned: true, secure: false, httpOnly: false },
    });
    expect(header).toMatch(/^sid=s%3A/);
    expect(header).toContain('; Domain=example.test');
    expect(header).toContain('; Path=/');
    expect(header).toMatch(/; Expires=\w{3}, \d{2} \w{3} \d{4}/);
    expect(header).toContain('; SameSite=Strict');
    expect(header).toContain('; Priority=High');
    expect(header).toContain('; Partitioned');
    expect(header).not.toContain('HttpOnly');
  });

  it('never sends a Secure cookie over plain HTTP (secure: true)', async () => {
    expect(await firstSetCookie({ cookie: { secure: true } })).toBeUndefined();
  });

  it("secure: 'auto' with proxy: true trusts X-Forwarded-Proto", async () => {
    const header = await firstSetCookie({ proxy: true, cookie: { secure: 'auto' } }, (test) =>
      test.set('X-Forwarded-Proto', 'https'),
    );
    expect(header).toContain('; Secure');
  });

  it("secure: 'auto' over plain HTTP sets a cookie without Secure", async () => {
    const header = await firstSetCookie({ proxy: true, cookie: { secure: 'auto' } });
    expect(header).toBeDefined();
    expect(header).not.toContain('Secure');
  });

  it('proxy: false ignores X-Forwarded-Proto', async () => {
    const header = await firstSetCookie({ proxy: false, cookie: { secure: 'auto' } }, (test) =>
      test.set('X-Forwarded-Proto', 'https'),
    );
    expect(header).not.toContain('Secure');
  });

  it("proxy unset follows the platform's trust proxy setting", async () => {
    // Express's is an app setting, Fastify's an option of its instance.
    const trustingPlatform = platform.name === 'fastify' ? platform.createAdapter({ trustProxy: true }) : platform;
    app = await createSessionApp(
      trustingPlatform,
      { cookie: { secure: 'auto' } },
      {},
      (nestApp) => platform.name === 'express' && (nestApp as NestExpressApplication).set('trust proxy', true),
    );
    const response = await request(app.getHttpServer()).get('/views').set('X-Forwarded-Proto', 'https').expect(200);
    expect(setCookies(response.headers['set-cookie'])[0]).toContain('; Secure');
  });

  it('proxy unset does not trust X-Forwarded-Proto without the platform saying so', async () => {
    const header = await firstSetCookie({ cookie: { secure: 'auto' } }, (test) => test.set('X-Forwarded-Proto', 'https'));
    expect(header).toBeDefined();
    expect(header).not.toContain('Secure');
  });

  it("sameSite: 'auto' is None over HTTPS and Lax over HTTP", async () => {
    const overHttps = await firstSetCookie({ proxy: true, cookie: { secure: 'auto', sameSite: 'auto' } }, (test) =>
      test.set('X-Forwarded-Proto', 'https'),
    );
    expect(overHttps).toContain('; SameSite=None');
    await app!.close();
    const overHttp = await firstSetCookie({ proxy: true, cookie: { secure: 'auto', sameSite: 'auto' } });
    expect(overHttp).toContain('; SameSite=Lax');
  });

  it("a cookie function is called per request and its 'auto' values are resolved (express-session sends nothing there)", async () => {
    const seenPaths: string[] = [];
    const header = await firstSetCookie(
      {
        proxy: true,
        cookie: (request) => {
          seenPaths.push(request.url ?? '');
          return { secure: 'auto', sameSite: 'auto', maxAge: 1000 };
        },
      },
      (test) => test.set('X-Forwarded-Proto', 'https'),
    );
    expect(seenPaths).toEqual(['/views']);
    expect(header).toContain('; Secure');
    expect(header).toContain('; SameSite=None');
  });

  it('requests outside the cookie path get no session', async () => {
    app = await createSessionApp(platform, { cookie: { path: '/account' } });
    const response = await request(app.getHttpServer()).get('/raw').expect(200);
    expect(response.body).toEqual({ hasSession: false, sessionID: null, hasSessionStore: false });
  });

  it('a custom genid makes the ids', async () => {
    let counter = 0;
    app = await createSessionApp(platform, { genid: () => `custom-${++counter}-${'x'.repeat(24)}` });
    const response = await request(app.getHttpServer()).get('/views').expect(200);
    expect(response.body.sessionId).toBe(`custom-1-${'x'.repeat(24)}`);
  });

  it('rotates secrets: cookies signed with an older secret still verify, new ones use the first', async () => {
    const oldSecret = 'old-secret';
    const newSecret = 'new-secret';
    app = await createSessionApp(platform, { secret: oldSecret });
    const oldCookie = cookiePair((await request(app.getHttpServer()).get('/views')).headers['set-cookie'])!;
    const store = app.get(SessionStore);
    await app.close();
    app = await createSessionApp(platform, { secret: [newSecret, oldSecret], store });
    const response = await request(app.getHttpServer()).get('/views').set('Cookie', oldCookie).expect(200);
    expect(response.body.views).toBe(2);
    const fresh = cookiePair((await request(app.getHttpServer()).get('/views')).headers['set-cookie'])!;
    const signedValue = decodeURIComponent(fresh.slice(fresh.indexOf('=') + 1));
    expect(unsignSessionId(signedValue, [newSecret])).toBeDefined();
    expect(unsignSessionId(signedValue, [oldSecret])).toBeUndefined();
  });
});
