import request from 'supertest';
import express from 'express';
import expressSession from 'express-session';
import type { INestApplication } from '@nestjs/common';
import { createSessionApp, setCookies, TEST_SECRET } from '../support/e2e-app.js';

/** Things express-session clients rely on, checked against express-session itself. */
describe('express-session parity', () => {
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

    app = await createSessionApp({ genid: () => fixedId, cookie });
    const ours = setCookies((await request(app.getHttpServer()).get('/views')).headers['set-cookie'])[0]!;
    // Expires differs by the milliseconds between the two requests; everything else is identical.
    const withoutExpires = (header: string) => header.replace(/; Expires=[^;]+/, '');
    expect(withoutExpires(ours)).toBe(withoutExpires(theirs));
    expect(ours).toMatch(/; Expires=/);
  });

  it('leaves a req.session set by earlier middleware alone', async () => {
    app = await createSessionApp({}, {}, (nestApp) =>
      nestApp.use((req: { session?: unknown }, _res: unknown, next: () => void) => {
        req.session = { owner: 'someone else' };
        next();
      }),
    );
    const response = await request(app.getHttpServer()).get('/raw').expect(200);
    expect(response.body).toEqual({ hasSession: true, sessionID: null, isStoreInjected: false });
    expect(response.headers['set-cookie']).toBeUndefined();
  });
});
