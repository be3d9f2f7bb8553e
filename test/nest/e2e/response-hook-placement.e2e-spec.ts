import { ServerResponse } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { MemoryStore, createSessionMiddleware } from '../../../lib/index.js';
import type { SessionRecord, SessionRequest, SessionResponse, SessionStore } from '../../../lib/index.js';
import { TEST_SECRET } from '../../support/e2e-app.js';

/**
 * Where the session's response hooks live (issue 12): on an Express application's response
 * prototype, installed once, when nothing wrapped the response before the session; as the
 * response's own `writeHead`/`end`, outside such a wrapper, when something did, exactly where
 * express-session puts them. Either way the order of the commit relative to other wrappers
 * is express-session's.
 */
function sessionMiddleware(store: SessionStore) {
  const middleware = createSessionMiddleware({ secret: TEST_SECRET, store });
  return (req: Request, res: Response, next: NextFunction) =>
    middleware(req as unknown as SessionRequest, res as unknown as SessionResponse, next);
}

/** A MemoryStore whose writes of new sessions are logged in `events`, after a turn of the event loop. */
class LoggingStore extends MemoryStore {
  constructor(private readonly events: string[]) {
    super({ checkPeriod: 0 });
  }
  override async set(sessionId: string, record: SessionRecord, options?: Parameters<MemoryStore['set']>[2]): Promise<boolean> {
    await new Promise((resolve) => setImmediate(resolve));
    this.events.push('store write');
    return super.set(sessionId, record, options);
  }
}

/** Middleware wrapping `res.end` the way compression or on-headers users do, logging the call. */
function endWrapper(events: string[], label: string) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const originalEnd = res.end;
    res.end = function loggedEnd(this: Response, ...args: unknown[]) {
      events.push(`${label} end`);
      return (originalEnd as (...a: unknown[]) => Response).apply(this, args);
    } as Response['end'];
    next();
  };
}

const setCounter = (req: Request, res: Response) => {
  const session = req.session as unknown as Record<string, number>;
  session.count = (session.count ?? 0) + 1;
  res.json({ count: session.count });
};

describe('where the session hooks the response', () => {
  let store: MemoryStore;
  afterEach(async () => {
    await store.close();
  });

  /** An app counting in the session, with an `end` wrapper installed before or after the session middleware. */
  function appWithEndWrapper(events: string[], wrapperPosition: 'before' | 'after') {
    store = new LoggingStore(events);
    const app = express();
    if (wrapperPosition === 'before') app.use(endWrapper(events, 'earlier wrapper'));
    app.use(sessionMiddleware(store));
    if (wrapperPosition === 'after') app.use(endWrapper(events, 'later wrapper'));
    app.get('/', setCounter);
    return app;
  }

  it("on Express: no own writeHead/end on the response; the hooks sit on the app's prototype only", async () => {
    store = new MemoryStore({ checkPeriod: 0 });
    const app = express();
    const seen: Record<string, boolean>[] = [];
    app.use(sessionMiddleware(store));
    app.get('/', (req, res) => {
      seen.push({ ownEnd: Object.hasOwn(res, 'end'), ownWriteHead: Object.hasOwn(res, 'writeHead') });
      setCounter(req, res);
    });
    const agent = request.agent(app);
    const first = await agent.get('/').expect(200);
    expect(first.headers['set-cookie']).toHaveLength(1);
    await agent.get('/').expect(200, { count: 2 });
    expect(seen).toEqual([
      { ownEnd: false, ownWriteHead: false },
      { ownEnd: false, ownWriteHead: false },
    ]);
    expect(Object.hasOwn(app.response, 'end')).toBe(true);
    expect(Object.hasOwn(express.response, 'end')).toBe(false);
    expect(ServerResponse.prototype.end.name).not.toBe('endAfterSessionCommit');
  });

  it('a wrapper installed before the session: the session commits outside it (store write, then its end)', async () => {
    const events: string[] = [];
    const app = appWithEndWrapper(events, 'before');
    await request(app).get('/').expect(200, { count: 1 });
    expect(events).toEqual(['store write', 'earlier wrapper end']);
  });

  it('a wrapper installed after the session: its end runs first, then the store write (as with express-session)', async () => {
    const events: string[] = [];
    const app = appWithEndWrapper(events, 'after');
    const response = await request(app).get('/').expect(200, { count: 1 });
    expect(response.headers['set-cookie']).toHaveLength(1);
    expect(events).toEqual(['later wrapper end', 'store write']);
  });

  it('the first request of an app with an earlier wrapper is committed like every later one', async () => {
    const events: string[] = [];
    const app = appWithEndWrapper(events, 'before');
    // New sessions each time (no cookie sent back): every request writes through `set`.
    for (let index = 1; index <= 3; index++) await request(app).get('/').expect(200, { count: 1 });
    expect(events).toEqual(Array.from({ length: 3 }, () => ['store write', 'earlier wrapper end']).flat());
  });

  it('routes without the session middleware pass through the hooks untouched', async () => {
    store = new MemoryStore({ checkPeriod: 0 });
    const app = express();
    app.get('/plain', (_req, res) => {
      res.writeHead(201, { 'x-plain': 'yes' });
      res.end('plain');
    });
    app.use(sessionMiddleware(store));
    app.get('/', setCounter);
    await request(app).get('/').expect(200);
    const plain = await request(app).get('/plain').expect(201, 'plain');
    expect(plain.headers['x-plain']).toBe('yes');
    expect(plain.headers['set-cookie']).toBeUndefined();
  });

  it('a route in a mounted app behind the parent session middleware is committed', async () => {
    store = new MemoryStore({ checkPeriod: 0 });
    const parent = express();
    const child = express();
    parent.use(sessionMiddleware(store));
    child.get('/count', setCounter);
    parent.use('/child', child);
    const agent = request.agent(parent);
    await agent.get('/child/count').expect(200, { count: 1 });
    await agent.get('/child/count').expect(200, { count: 2 });
    expect(await store.length()).toBe(1);
  });

  it("an app whose response prototype already has its own end (another library's) keeps it, and sessions work", async () => {
    store = new MemoryStore({ checkPeriod: 0 });
    const app = express();
    const calls: string[] = [];
    const nodeEnd = ServerResponse.prototype.end;
    const libraryEnd = function libraryEnd(this: ServerResponse, ...args: unknown[]) {
      calls.push('library end');
      return (nodeEnd as (...a: unknown[]) => ServerResponse).apply(this, args);
    };
    Object.defineProperty(app.response, 'end', { value: libraryEnd, writable: true, configurable: true });
    app.use(sessionMiddleware(store));
    app.get('/', setCounter);
    const agent = request.agent(app);
    await agent.get('/').expect(200, { count: 1 });
    await agent.get('/').expect(200, { count: 2 });
    expect(app.response.end).toBe(libraryEnd);
    expect(calls).toEqual(['library end', 'library end']);
  });

  it('a repeated end after the response finished changes nothing and throws nothing', async () => {
    store = new MemoryStore({ checkPeriod: 0 });
    const app = express();
    const errors: unknown[] = [];
    app.use(sessionMiddleware(store));
    app.get('/', (req, res) => {
      (req.session as unknown as Record<string, number>).count = 1;
      res.end('first');
      res.on('finish', () => {
        try {
          res.end('second');
        } catch (error) {
          errors.push(error);
        }
      });
    });
    const response = await request(app).get('/').expect(200, 'first');
    expect(response.headers['set-cookie']).toHaveLength(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([]);
  });
});
