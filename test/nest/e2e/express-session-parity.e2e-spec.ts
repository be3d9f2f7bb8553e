import { jest } from '@jest/globals';
import request from 'supertest';
import express from 'express';
import expressSession from 'express-session';
import { Controller, HttpCode, Logger, Post, Req } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import type { RequestWithSession } from '../../../lib/index.js';
import { createExpressSessionApp } from '../../support/express-app.js';
import { cookiePair, createSessionApp, SessionTestController, sessionIdOf, setCookies, TEST_SECRET } from '../../support/e2e-app.js';
import { PLATFORMS } from '../../support/platforms.js';

type Callback = (error: unknown, value?: unknown) => void;
/** req.sessionStore as express-session clients type it: callback methods. */
interface CallbackStoreView {
  get(sessionId: string, callback: Callback): void;
  length(callback: Callback): void;
  destroy(sessionId: string, callback: Callback): void;
}

/** Uses req.sessionStore the way express-session clients do: with callbacks. */
@Controller('store-callbacks')
class StoreCallbacksController {
  @Post()
  @HttpCode(200)
  async useCallbacks(@Req() request: RequestWithSession) {
    const store = request.sessionStore as unknown as CallbackStoreView;
    const call = (invoke: (done: Callback) => void) =>
      new Promise((resolve, reject) => invoke((error, value) => (error ? reject(error) : resolve(value))));
    const stored = (await call((done) => store.get(request.sessionID!, done))) as { views: number };
    const countBefore = await call((done) => store.length(done));
    await call((done) => store.destroy(request.sessionID!, done));
    const missing = await call((done) => store.get(request.sessionID!, done));
    const viaPromise = await request.sessionStore!.get('no-such-id');
    return { views: stored.views, countBefore, missing: missing ?? null, viaPromise: viaPromise ?? null };
  }
}

/** Things express-session clients rely on, checked against express-session itself. */
describe.each(PLATFORMS)('express-session parity on $name', (platform) => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('sends byte-for-byte the Set-Cookie header express-session sends for the same id and options', async () => {
    const fixedId = 'fixed-session-id-for-comparison-1';
    const cookie = { maxAge: 3_600_000, sameSite: 'lax' as const, domain: 'example.test' };
    const expressApp = express();
    expressApp.use(expressSession({ secret: TEST_SECRET, genid: () => fixedId, cookie, resave: false, saveUninitialized: false }));
    expressApp.get('/views', (req, res) => {
      (req.session as unknown as { views: number }).views = 1;
      res.json({ ok: true });
    });
    const theirs = setCookies((await request(expressApp).get('/views')).headers['set-cookie'])[0]!;

    app = await createSessionApp(platform, { genid: () => fixedId, cookie });
    const ours = setCookies((await request(app.getHttpServer()).get('/views')).headers['set-cookie'])[0]!;
    // Expires differs by the milliseconds between the two requests; everything else is identical.
    const withoutExpires = (header: string) => header.replace(/; Expires=[^;]+/, '');
    expect(withoutExpires(ours)).toBe(withoutExpires(theirs));
    expect(ours).toMatch(/; Expires=/);
  });

  it("req.sessionStore takes express-session's callbacks, and still returns promises", async () => {
    app = await createSessionApp(platform, {}, { controllers: [SessionTestController, StoreCallbacksController] });
    const http = request(app.getHttpServer());
    const cookie = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
    const response = await http.post('/store-callbacks').set('Cookie', cookie).expect(200);
    expect(response.body).toEqual({ views: 1, countBefore: 1, missing: null, viaPromise: null });
    const after = await http.get('/peek').set('Cookie', cookie).expect(200);
    expect(after.body.sessionId).not.toBe(sessionIdOf(cookie));
  });

  it("names the cookie from express-session's legacy `key` option, so its users stay signed in, and warns to rename it", async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const sharedStore = new expressSession.MemoryStore();
    const expressApp = express();
    // `key` is missing from @types/express-session, but express-session 1.19 still reads it.
    expressApp.use(expressSession({ secret: TEST_SECRET, key: 'legacy.sid', store: sharedStore, resave: false, saveUninitialized: false } as expressSession.SessionOptions));
    expressApp.get('/views', (req, res) => {
      (req.session as unknown as { views: number }).views = 1;
      res.json({ ok: true });
    });
    const legacyCookie = cookiePair((await request(expressApp).get('/views')).headers['set-cookie'], 'legacy.sid')!;
    expect(legacyCookie).toBeDefined();
    try {
      app = await createSessionApp(platform, { key: 'legacy.sid', store: sharedStore });
      const http = request(app.getHttpServer());
      expect((await http.get('/views').set('Cookie', legacyCookie).expect(200)).body.views).toBe(2);
      const newVisitor = await http.get('/views').expect(200);
      expect(cookiePair(newVisitor.headers['set-cookie'], 'legacy.sid')).toBeDefined();
      const warnings = warn.mock.calls.map(([message]) => String(message));
      expect(warnings).toEqual(expect.arrayContaining([expect.stringContaining("`key` is express-session's old name for `name`")]));
      expect(warnings.join('\n')).not.toMatch(/unknown option/i);
    } finally {
      warn.mockRestore();
    }
  });

  it('leaves a req.session set by earlier middleware alone', async () => {
    app = await createSessionApp(platform, {}, {}, (nestApp) =>
      nestApp.use((req: { session?: unknown }, _res: unknown, next: () => void) => {
        req.session = { owner: 'someone else' };
        next();
      }),
    );
    const response = await request(app.getHttpServer()).get('/raw').expect(200);
    expect(response.body).toEqual({ hasSession: true, sessionID: null, hasSessionStore: false });
    expect(response.headers['set-cookie']).toBeUndefined();
  });
});

describe('the legacy `key` option with createSessionMiddleware (Express)', () => {
  it('names the cookie when `name` is not given, and gives way to `name` otherwise; either way with a warning', async () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const cookieNameFrom = async (options: { key: string; name?: string }) => {
        const { app: expressApp } = createExpressSessionApp(options);
        const setCookie = setCookies((await request(expressApp).get('/views').expect(200)).headers['set-cookie'])[0]!;
        return setCookie.slice(0, setCookie.indexOf('='));
      };
      expect(await cookieNameFrom({ key: 'legacy.sid' })).toBe('legacy.sid');
      expect(await cookieNameFrom({ key: 'legacy.sid', name: 'app.sid' })).toBe('app.sid');
      const warnings = emitWarning.mock.calls.map(([message]) => String(message));
      expect(warnings).toEqual(
        expect.arrayContaining([expect.stringContaining('the cookie is named from it'), expect.stringContaining('option `key` ignored: `name` is given')]),
      );
      expect(warnings.join('\n')).not.toMatch(/unknown option/i);
    } finally {
      emitWarning.mockRestore();
    }
  });
});

describe('the head between res.end() and the store write, with createSessionMiddleware (Express)', () => {
  it('is not sent yet (headersSent false, setHeader does not throw); a second end() is ignored and undoes the change', async () => {
    const { app: expressApp } = createExpressSessionApp();
    const seenAfterEnd: { headersSent?: boolean; setHeaderError?: string } = {};
    expressApp.get('/end-then-change-head', (req, res) => {
      (req.session as unknown as { views: number }).views = 1;
      res.end('first');
      // Checked synchronously: the store write started by end() cannot have answered yet.
      seenAfterEnd.headersSent = res.headersSent;
      try {
        res.setHeader('X-After-End', '1');
      } catch (error) {
        seenAfterEnd.setHeaderError = (error as Error).message;
      }
      res.end('second');
    });
    const response = await request(expressApp).get('/end-then-change-head').expect(200);
    expect(seenAfterEnd).toEqual({ headersSent: false });
    expect(response.text).toBe('first');
    expect(response.headers['x-after-end']).toBeUndefined();
    expect(cookiePair(response.headers['set-cookie'])).toBeDefined();
  });
});
