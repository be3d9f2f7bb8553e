import express from 'express';
import type { RequestHandler } from 'express';
import expressSession from 'express-session';
import request from 'supertest';
import { signSessionId } from '../../../lib/index.js';
import { cookiePair, createSessionApp, sessionIdOf, TEST_SECRET } from '../../support/e2e-app.js';
import { createExpressSessionApp } from '../../support/express-app.js';
import { PLATFORMS } from '../../support/platforms.js';

/**
 * A deliberate difference: express-session falls back to cookie-parser's `req.signedCookies` /
 * `req.cookies` when the Cookie header has no session cookie (deprecated, removed in
 * express-session 2). nest-sessions reads the Cookie header only.
 */
function plantCookieParserValues(sessionId: string): RequestHandler {
  return (req, _res, next) => {
    const withCookies = req as unknown as { cookies: Record<string, string>; signedCookies: Record<string, string> };
    withCookies.signedCookies = { 'connect.sid': sessionId };
    withCookies.cookies = { 'connect.sid': signSessionId(sessionId, TEST_SECRET) };
    next();
  };
}

describe("no fallback to cookie-parser's req.cookies / req.signedCookies", () => {
  it('express-session itself does fall back (what we differ from)', async () => {
    const store = new expressSession.MemoryStore();
    const app = express();
    app.use((req, _res, next) => {
      // Only for the second request: the id of the session the first one created.
      const known = (app.locals as { knownId?: string }).knownId;
      if (known) plantCookieParserValues(known)(req, _res, next);
      else next();
    });
    app.use(expressSession({ secret: TEST_SECRET, store, resave: false, saveUninitialized: false }));
    app.get('/views', (req, res) => {
      const session = req.session as unknown as { views?: number };
      session.views = (session.views ?? 0) + 1;
      res.json({ views: session.views, sessionId: req.sessionID });
    });
    const first = await request(app).get('/views').expect(200);
    (app.locals as { knownId?: string }).knownId = first.body.sessionId;
    const second = await request(app).get('/views').expect(200);
    expect(second.body).toEqual({ views: 2, sessionId: first.body.sessionId });
  });

  it.each(PLATFORMS)('SessionModule on $name: a session named only by req.signedCookies / req.cookies is not loaded', async (platform) => {
    let knownId: string | undefined;
    const plantOnceKnown = ((req, res, next) => (knownId ? plantCookieParserValues(knownId)(req, res, next) : next())) as RequestHandler;
    const app = await createSessionApp(platform, {}, {}, (nestApp) => nestApp.use(plantOnceKnown));
    try {
      const first = await request(app.getHttpServer()).get('/views').expect(200);
      knownId = sessionIdOf(cookiePair(first.headers['set-cookie'])!);
      const second = await request(app.getHttpServer()).get('/views').expect(200);
      expect(second.body.views).toBe(1);
      expect(second.body.sessionId).not.toBe(knownId);
    } finally {
      await app.close();
    }
  });

  it('createSessionMiddleware: the same', async () => {
    const { app } = createExpressSessionApp();
    const first = await request(app).get('/views').expect(200);
    const knownId = sessionIdOf(cookiePair(first.headers['set-cookie'])!);
    const withPlanted = express();
    withPlanted.use(plantCookieParserValues(knownId));
    withPlanted.use(app);
    const second = await request(withPlanted).get('/views').expect(200);
    expect(second.body.views).toBe(1);
    expect(second.body.sessionId).not.toBe(knownId);
  });
});
