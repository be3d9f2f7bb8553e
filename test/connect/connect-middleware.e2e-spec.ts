import { AsyncLocalStorage } from 'node:async_hooks';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { createSessionMiddleware, MemoryStore, SessionOptionsError } from '../../lib/index.js';
import { cookiePair, TEST_SECRET } from '../support/e2e-app.js';
import { recordStoreWrites } from '../support/store-write-counter.js';
import { pipelinedGets } from '../support/pipelined-requests.js';

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

  it('serves clients of the header option: the token in the response header, never a Set-Cookie', async () => {
    const app = express();
    app.use(createUntyped({ secret: TEST_SECRET, header: true }) as unknown as express.RequestHandler);
    app.get('/views', (req, res) => {
      const session = req.session as unknown as { views?: number; token(): string };
      session.views = (session.views ?? 0) + 1;
      res.json({ views: session.views, token: session.token() });
    });
    const http = request(app);

    const first = await http.get('/views').set('Authorization', 'Bearer').expect(200);
    expect(first.headers['set-cookie']).toBeUndefined();
    const token = first.headers['session-token'] as string;
    expect(token).toBe(first.body.token);
    const second = await http.get('/views').set('Authorization', `Bearer ${token}`).expect(200);
    expect(second.body).toEqual({ views: 2, token });
    expect(second.headers['set-cookie']).toBeUndefined();
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
    expect(stored).toContain('"__sealed":"v2.k1.');
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
    ['a touchAfter that is negative', { secret: TEST_SECRET, touchAfter: -1, cookie: { maxAge: 60_000 } }, 'touchAfter'],
    ['a touchAfter as long as maxAge', { secret: TEST_SECRET, touchAfter: 60_000, cookie: { maxAge: 60_000 } }, 'touchAfter'],
    ['a header that is a header name', { secret: TEST_SECRET, header: 'Authorization' }, 'header'],
    ['a header.scheme that is not a string', { secret: TEST_SECRET, header: { scheme: 1 } }, 'header.scheme'],
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

  it('touchAfter: reads of an unchanged session within the interval write nothing to the store', async () => {
    const store = new MemoryStore({ checkPeriod: 0 });
    const writes = recordStoreWrites(store);
    const app = express();
    app.use(createUntyped({ secret: TEST_SECRET, store, rolling: true, touchAfter: 60_000, cookie: { maxAge: 3_600_000 } }) as unknown as express.RequestHandler);
    app.get('/start', (req, res) => {
      (req.session as unknown as { started: boolean }).started = true;
      res.json({ ok: true });
    });
    app.get('/read', (req, res) => {
      res.json({ started: (req.session as unknown as { started?: boolean }).started ?? false });
    });
    const http = request(app);
    const cookie = cookiePair((await http.get('/start').expect(200)).headers['set-cookie'])!;
    expect(writes).toEqual(['set']);
    for (let count = 0; count < 20; count++) await http.get('/read').set('Cookie', cookie).expect(200, { started: true });
    expect(writes).toEqual(['set']);
  });

  it.each([true, false])("keeps each request of one turn in its own async context (requestCohorts: %s)", async (requestCohorts) => {
    const requestContext = new AsyncLocalStorage<string>();
    const app = express();
    app.use((req, _res, next) => requestContext.run(req.headers['x-request-id'] as string, next));
    app.use(createUntyped({ secret: TEST_SECRET, requestCohorts }) as unknown as express.RequestHandler);
    app.get('/context', (_req, res) => {
      const before = requestContext.getStore();
      setImmediate(() => res.json({ before, after: requestContext.getStore() }));
    });
    const server = app.listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const ids = Array.from({ length: 12 }, (_, index) => `request-${index}`);
      const bodies = await pipelinedGets((server.address() as AddressInfo).port, '/context', ids, 'none=1');
      expect(bodies.map(({ before, after }) => [before, after])).toEqual(ids.map((id) => [id, id]));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('rejects a requestCohorts option that is not a boolean', () => {
    expect(() => createUntyped({ secret: TEST_SECRET, requestCohorts: 'yes' })).toThrow(SessionOptionsError);
  });
});
