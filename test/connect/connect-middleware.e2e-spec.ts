import express from 'express';
import request from 'supertest';
import { createSessionMiddleware, MemoryStore, SessionOptionsError } from '../../lib/index.js';
import { cookiePair, TEST_SECRET } from '../support/e2e-app.js';

/** createSessionMiddleware as a plain-JavaScript app calls it: no types to catch a mistake. */
const createUntyped = createSessionMiddleware as (options: unknown) => ReturnType<typeof createSessionMiddleware>;

describe('createSessionMiddleware called from plain JavaScript', () => {
  it('without a store keeps sessions in a MemoryStore, as the options table says', async () => {
    const app = express();
    app.use(createUntyped({ secret: TEST_SECRET }) as unknown as express.RequestHandler);
    app.get('/views', (req, res) => {
      const session = req.session as unknown as { views?: number };
      session.views = (session.views ?? 0) + 1;
      res.json({ views: session.views });
    });
    app.get('/store', (req, res) => {
      res.json({ isMemoryStore: (req as unknown as { sessionStore?: unknown }).sessionStore instanceof MemoryStore });
    });
    const http = request(app);

    const first = await http.get('/views').expect(200);
    const cookie = cookiePair(first.headers['set-cookie'])!;
    const second = await http.get('/views').set('Cookie', cookie).expect(200);

    expect(second.body).toEqual({ views: 2 });
    const store = await http.get('/store').expect(200);
    expect(store.body).toEqual({ isMemoryStore: true });
  });

  it('with encryption keeps the data sealed in the store and reads it back', async () => {
    const store = new MemoryStore({ checkPeriod: 0 });
    const app = express();
    app.use(createUntyped({ secret: TEST_SECRET, store, encryption: { keys: [{ id: 'k1', key: Buffer.alloc(32, 7).toString('base64') }] } }) as unknown as express.RequestHandler);
    app.get('/remember', (req, res) => {
      (req.session as unknown as { note?: string }).note = 'marker-in-clear';
      res.json({ ok: true });
    });
    app.get('/note', (req, res) => res.json({ note: (req.session as unknown as { note?: string }).note ?? null }));
    const http = request(app);

    const cookie = cookiePair((await http.get('/remember').expect(200)).headers['set-cookie'])!;
    expect((await http.get('/note').set('Cookie', cookie).expect(200)).body).toEqual({ note: 'marker-in-clear' });
    const stored = JSON.stringify(await store.all());
    expect(stored).not.toContain('marker-in-clear');
    expect(stored).toContain('"__sealed":"v1.k1.');
  });

  it.each([
    ['no options', undefined, 'options'],
    ['a secret that is a number', { secret: 42 }, 'secret'],
    ['a store that is a string', { secret: TEST_SECRET, store: 'redis' }, 'store'],
    ['a store that is null', { secret: TEST_SECRET, store: null }, 'store'],
    ['a store class instead of an instance', { secret: TEST_SECRET, store: class Store {} }, 'store'],
    ['a genid that is not a function', { secret: TEST_SECRET, genid: 'uuid' }, 'genid'],
    ['a cookie that is a string', { secret: TEST_SECRET, cookie: 'secure' }, 'cookie'],
    ['a maxAge that is a string', { secret: TEST_SECRET, cookie: { maxAge: '3600000' } }, 'cookie.maxAge'],
    ['a boolean option that is a string', { secret: TEST_SECRET, resave: 'false' }, 'resave'],
    ['an absoluteTimeout that is a string', { secret: TEST_SECRET, absoluteTimeout: '1000' }, 'absoluteTimeout'],
    ['a sessionOwner that is a key name', { secret: TEST_SECRET, sessionOwner: 'userId' }, 'sessionOwner'],
    ['a trackClient that is a string', { secret: TEST_SECRET, trackClient: 'yes' }, 'trackClient'],
    ['encryption without keys', { secret: TEST_SECRET, encryption: { keys: [] } }, 'encryption.keys'],
    ['an encryption key of 16 bytes', { secret: TEST_SECRET, encryption: { keys: [{ id: 'k', key: Buffer.alloc(16).toString('base64') }] } }, 'encryption.keys[0].key'],
  ])('rejects %s with a SessionOptionsError naming the option', (_case, options, option) => {
    let thrown: unknown;
    try {
      createUntyped(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SessionOptionsError);
    expect((thrown as SessionOptionsError).option).toBe(option);
  });
});
