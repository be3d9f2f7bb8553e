import { createServer, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Request, Response } from 'express';
import request from 'supertest';
import { MemoryStore, attachOutcomeOf, createSessionMiddleware } from '../../../lib/index.js';
import type { SessionRequest, SessionResponse, SessionStore } from '../../../lib/index.js';
import { TEST_SECRET } from '../../support/e2e-app.js';

/**
 * Which properties the session middleware leaves on requests: `req.session` is the request's
 * own, as with express-session (so `delete req.session` ends it); `req.sessionID` and
 * `req.sessionStore` are read through accessors on the Express application's request
 * prototype (never Node's), and an assignment makes them the request's own.
 */
function sessionMiddleware(store: SessionStore, unset: 'keep' | 'destroy' = 'keep') {
  const middleware = createSessionMiddleware({ secret: TEST_SECRET, store, unset });
  return (req: Request, res: Response, next: (error?: unknown) => void) =>
    middleware(req as unknown as SessionRequest, res as unknown as SessionResponse, next);
}

function describeRequest(req: Request, store: SessionStore) {
  return {
    hasOwnSession: Object.hasOwn(req, 'session'),
    hasOwnSessionID: Object.hasOwn(req, 'sessionID'),
    isStoreShown: (req as unknown as SessionRequest).sessionStore instanceof MemoryStore,
    outcome: attachOutcomeOf(req as unknown as SessionRequest),
  };
}

describe('request properties of the session middleware', () => {
  let store: MemoryStore;
  beforeEach(() => {
    store = new MemoryStore({ checkPeriod: 0 });
  });
  afterEach(async () => {
    await store.close();
  });

  it('on Express: own session, sessionID and sessionStore through the app, nothing on Node or express prototypes', async () => {
    const app = express();
    app.use(sessionMiddleware(store));
    app.get('/', (req, res) => {
      res.json({ ...describeRequest(req, store), hasOwnSessionStore: Object.hasOwn(req, 'sessionStore') });
    });
    const response = await request(app).get('/').expect(200);
    expect(response.body).toEqual({
      hasOwnSession: true,
      hasOwnSessionID: false,
      isStoreShown: true,
      outcome: 'attached',
      hasOwnSessionStore: false,
    });
    expect('sessionStore' in IncomingMessage.prototype).toBe(false);
    expect(Object.hasOwn(express.request, 'sessionStore')).toBe(false);
  });

  it('callbacks through req.sessionStore still work, and an assignment makes it the request own', async () => {
    const app = express();
    app.use(sessionMiddleware(store));
    app.get('/', (req, res) => {
      const sessionRequest = req as unknown as SessionRequest & { sessionStore: { length(done: (error: unknown, count?: number) => void): void } };
      sessionRequest.sessionStore.length((error, count) => {
        const replacement = {} as SessionStore;
        (req as unknown as SessionRequest).sessionStore = replacement;
        res.json({
          error: error ?? null,
          count,
          isReplaced: (req as unknown as SessionRequest).sessionStore === replacement,
          isOwn: Object.hasOwn(req, 'sessionStore'),
        });
      });
    });
    const response = await request(app).get('/').expect(200);
    expect(response.body).toEqual({ error: null, count: 0, isReplaced: true, isOwn: true });
  });

  it("another app's requests (no session middleware) have no sessionStore", async () => {
    const withSessions = express();
    withSessions.use(sessionMiddleware(store));
    withSessions.get('/', (_req, res) => res.end());
    await request(withSessions).get('/').expect(200);
    const withoutSessions = express();
    withoutSessions.get('/', (req, res) => res.json({ hasStore: (req as unknown as SessionRequest).sessionStore !== undefined }));
    expect((await request(withoutSessions).get('/').expect(200)).body).toEqual({ hasStore: false });
  });

  it('a mounted app and the parent after it still see the store', async () => {
    const parent = express();
    const child = express();
    parent.use(sessionMiddleware(store));
    const seen: boolean[] = [];
    child.use((req, _res, next) => {
      seen.push((req as unknown as SessionRequest).sessionStore instanceof MemoryStore);
      next();
    });
    parent.use('/child', child);
    parent.use((req, res) => {
      seen.push((req as unknown as SessionRequest).sessionStore instanceof MemoryStore);
      res.end();
    });
    await request(parent).get('/child/x').expect(200);
    expect(seen).toEqual([true, true]);
  });

  it('a session middleware inside a mounted app shows the store in the parent afterwards too', async () => {
    const parent = express();
    const child = express();
    child.use(sessionMiddleware(store));
    parent.use('/child', child);
    parent.use((req, res) => res.json({ isStoreShown: (req as unknown as SessionRequest).sessionStore instanceof MemoryStore }));
    expect((await request(parent).get('/child/x').expect(200)).body).toEqual({ isStoreShown: true });
  });

  it('req.sessionID follows regenerate, and an assignment by the handler becomes the request own and decides the save', async () => {
    const app = express();
    app.use(sessionMiddleware(store));
    app.get('/regenerate', (req, res) => {
      const sessionRequest = req as unknown as SessionRequest;
      const before = sessionRequest.sessionID;
      sessionRequest.session!.regenerate(() => {
        res.json({ changed: sessionRequest.sessionID !== before, matches: sessionRequest.sessionID === sessionRequest.session!.id, isOwn: Object.hasOwn(req, 'sessionID') });
      });
    });
    app.get('/bogus', (req, res) => {
      (req as unknown as { sessionID: unknown }).sessionID = () => undefined;
      (req.session as unknown as Record<string, unknown>).user = 'ada';
      res.json({ isOwn: Object.hasOwn(req, 'sessionID'), type: typeof (req as unknown as { sessionID: unknown }).sessionID });
    });
    expect((await request(app).get('/regenerate').expect(200)).body).toEqual({ changed: true, matches: true, isOwn: false });
    const bogus = await request(app).get('/bogus').expect(200);
    expect(bogus.body).toEqual({ isOwn: true, type: 'function' });
    expect(bogus.headers['set-cookie']).toBeUndefined();
    expect(await store.length()).toBe(0);
  });

  it('delete req.session and req.session = null still destroy with unset: destroy', async () => {
    const app = express();
    app.use(sessionMiddleware(store, 'destroy'));
    app.get('/login', (req, res) => {
      (req.session as unknown as Record<string, unknown>).user = 'ada';
      res.end();
    });
    app.get('/delete', (req, res) => {
      delete (req as { session?: unknown }).session;
      res.end();
    });
    app.get('/null', (req, res) => {
      (req as { session?: unknown }).session = null;
      res.end();
    });
    for (const path of ['/delete', '/null']) {
      const agent = request.agent(app);
      await agent.get('/login').expect(200);
      expect(await store.length()).toBe(1);
      await agent.get(path).expect(200);
      expect(await store.length()).toBe(0);
    }
  });

  it('on plain http (Node request prototype): own sessionStore, nothing added to the prototype', async () => {
    const middleware = createSessionMiddleware({ secret: TEST_SECRET, store });
    const server = createServer((req, res) => {
      middleware(req as unknown as SessionRequest, res as unknown as SessionResponse, () => {
        res.end(JSON.stringify({ isOwn: Object.hasOwn(req, 'sessionStore'), isStoreShown: (req as unknown as SessionRequest).sessionStore instanceof MemoryStore }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/`);
      expect(await response.json()).toEqual({ isOwn: true, isStoreShown: true });
      expect('sessionStore' in IncomingMessage.prototype).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
