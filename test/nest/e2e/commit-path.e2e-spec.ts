import { Readable } from 'node:stream';
import { jest } from '@jest/globals';
import request from 'supertest';
import { MemoryStore, SessionStore, SessionStoreUnavailableError } from '../../../lib/index.js';
import type { SessionRecord, StoreWriteOptions } from '../../../lib/index.js';
import { cookiePair, sessionIdOf, setCookies } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { leaksInternals, STACKS } from '../../support/two-stacks.js';
import type { RunningStack, Stack, TestRoutes } from '../../support/two-stacks.js';

/** Routes that use the session the ways the defects of issue 8 need. */
const sharedRoutes: TestRoutes['shared'] = {
  views: (req) => {
    const session = req.session as unknown as { views?: number };
    session.views = (session.views ?? 0) + 1;
    return { views: session.views, sessionId: req.sessionID };
  },
  peek: (req) => ({ views: (req.session as unknown as { views?: number }).views ?? null, sessionId: req.sessionID }),
  /** A "remember me" that asks for an expiry no Date can hold. */
  'huge-max-age': (req) => {
    req.session!.cookie.maxAge = 1e300;
    return { ok: true };
  },
  /** A domain no cookie can carry. */
  'bad-domain': (req) => {
    (req.session as unknown as { views?: number }).views = 1;
    req.session!.cookie.domain = 'a b';
    return { ok: true };
  },
  /** Breaks the cookie's serialization: every Set-Cookie for this session throws. */
  'broken-cookie': (req) => {
    Object.defineProperty(req.session!.cookie, 'serialize', {
      value: () => {
        throw new TypeError('cannot serialize this cookie');
      },
    });
    (req.session as unknown as { views?: number }).views = 1;
    return { ok: true };
  },
  /** The same, on a request that does not change the session (no store write with it). */
  'broken-cookie-read-only': (req) => {
    Object.defineProperty(req.session!.cookie, 'serialize', {
      value: () => {
        throw new TypeError('cannot serialize this cookie');
      },
    });
    return { ok: true };
  },
  /** Drops the session from the request: with `unset: 'destroy'` the commit destroys it. */
  unset: (req) => {
    (req as unknown as { session: null }).session = null;
    return { ok: true };
  },
  'non-string-id': (req) => {
    (req.session as unknown as { views?: number }).views = 1;
    (req as unknown as { sessionID: unknown }).sessionID = 42;
    return { ok: true };
  },
  logout: async (req) => {
    await req.session!.destroy();
    return { signedOut: true };
  },
  login: async (req) => {
    const fresh = await req.session!.regenerate();
    (fresh as unknown as { userId: string }).userId = 'ada';
    return { sessionId: fresh.id };
  },
};

/** The routes that answer through Express's response (both Express stacks). */
const expressRoutes: TestRoutes['express'] = {
  /** Ends the response, then writes another (longer) one while the save is pending. */
  'end-twice': (req, res) => {
    (req.session as unknown as { views?: number }).views = 1;
    res.type('text').send('first');
    res.status(500).type('json').send('{"second":"a much longer body than the first"}');
    res.end();
  },
  /** Ends the response, then fails: the web layer's error response must not replace it. */
  'end-then-throw': (req, res) => {
    (req.session as unknown as { views?: number }).views = 1;
    res.type('text').send('first');
    throw new Error('after the response was ended');
  },
  'write-head-object': (req, res) => {
    (req.session as unknown as { views?: number }).views = 1;
    res.setHeader('X-Before', 'kept');
    res.writeHead(200, { 'Set-Cookie': 'app=1', 'Content-Type': 'text/plain' });
    res.end('ok');
  },
  'write-head-array-value': (req, res) => {
    (req.session as unknown as { views?: number }).views = 1;
    res.writeHead(200, 'Fine', { 'Set-Cookie': ['app=1', 'app2=2'] });
    res.end('ok');
  },
  'write-head-flat-list': (req, res) => {
    (req.session as unknown as { views?: number }).views = 1;
    res.setHeader('X-Before', 'kept');
    res.writeHead(200, ['Set-Cookie', 'app=1', 'Set-Cookie', 'app2=2']);
    res.end('ok');
  },
  'raw-set-cookie': (req, res) => {
    (req.session as unknown as { views?: number }).views = 1;
    res.setHeader('X-Before', 'kept');
    res.setHeader('Set-Cookie', ['app=1', 'app2=2']);
    res.end('ok');
  },
  /** Streams: the head goes out with the first chunk, before the store is asked. */
  stream: (req, res) => {
    (req.session as unknown as { views?: number }).views = 1;
    res.write('part one, ');
    res.end('part two');
  },
  /** Streams, then ends again while the save is pending (express-session's suite: harmless). */
  'stream-end-twice': (req, res) => {
    (req.session as unknown as { views?: number }).views = 1;
    res.write('part one, ');
    res.end('part two');
    res.end();
  },
};

/** The same answers through Fastify's reply (`@Res()` there), as a Fastify handler writes them. */
const fastifyRoutes: TestRoutes['fastify'] = {
  /** Sends, then sends another (longer) answer with another status while the save is pending. */
  'end-twice': (req, reply) => {
    (req.session as unknown as { views?: number }).views = 1;
    void reply.type('text/plain').send('first');
    void reply.code(500).type('application/json').send('{"second":"a much longer body than the first"}');
  },
  /** Sends, then fails: the web layer's error response must not replace it. */
  'end-then-throw': (req, reply) => {
    (req.session as unknown as { views?: number }).views = 1;
    void reply.type('text/plain').send('first');
    throw new Error('after the response was ended');
  },
  'write-head-object': (req, reply) => {
    (req.session as unknown as { views?: number }).views = 1;
    void reply.header('X-Before', 'kept');
    void reply.headers({ 'Set-Cookie': 'app=1', 'Content-Type': 'text/plain' }).send('ok');
  },
  'write-head-array-value': (req, reply) => {
    (req.session as unknown as { views?: number }).views = 1;
    void reply.code(200).header('set-cookie', ['app=1', 'app2=2']).send('ok');
  },
  /** Fastify appends each Set-Cookie given with header(). */
  'write-head-flat-list': (req, reply) => {
    (req.session as unknown as { views?: number }).views = 1;
    void reply.header('X-Before', 'kept');
    void reply.header('set-cookie', 'app=1').header('set-cookie', 'app2=2').send('ok');
  },
  /** Set on the raw response, where Fastify's own headers do not see it. */
  'raw-set-cookie': (req, reply) => {
    (req.session as unknown as { views?: number }).views = 1;
    void reply.header('X-Before', 'kept');
    reply.raw.setHeader('Set-Cookie', ['app=1', 'app2=2']);
    void reply.send('ok');
  },
  /** A streamed payload: Fastify's onSend hook sees it before its first byte is written. */
  stream: (req, reply) => {
    (req.session as unknown as { views?: number }).views = 1;
    void reply.type('text/plain').send(Readable.from(['part one, ', 'part two']));
  },
  'stream-end-twice': (req, reply) => {
    (req.session as unknown as { views?: number }).views = 1;
    void reply.type('text/plain').send(Readable.from(['part one, ', 'part two']));
    void reply.send();
  },
};

const routes: TestRoutes = { shared: sharedRoutes, express: expressRoutes, fastify: fastifyRoutes };

/** A MemoryStore whose touch misbehaves in the way it is told. */
class OddTouchStore extends SessionStore {
  readonly inner = new MemoryStore({ checkPeriod: 0 });
  touchBehaviour: 'throws synchronously' | 'returns a non-promise' | 'rejects' = 'rejects';
  get(sessionId: string) {
    return this.inner.get(sessionId);
  }
  set(sessionId: string, record: SessionRecord, options?: StoreWriteOptions) {
    return this.inner.set(sessionId, record, options);
  }
  destroy(sessionId: string) {
    return this.inner.destroy(sessionId);
  }
  override touch(): Promise<boolean> {
    if (this.touchBehaviour === 'throws synchronously') throw new Error('touch exploded');
    if (this.touchBehaviour === 'returns a non-promise') return true as never;
    return Promise.reject(new Error('touch failed'));
  }
}

/** A store without touch: unchanged sessions are never written, so nothing is waited for. */
class TouchlessStore extends SessionStore {
  readonly inner = new MemoryStore({ checkPeriod: 0 });
  get(sessionId: string) {
    return this.inner.get(sessionId);
  }
  set(sessionId: string, record: SessionRecord, options?: StoreWriteOptions) {
    return this.inner.set(sessionId, record, options);
  }
  destroy(sessionId: string) {
    return this.inner.destroy(sessionId);
  }
}

function sessionCookies(setCookie: string[] | string | undefined): string[] {
  return setCookies(setCookie).filter((value) => value.startsWith('connect.sid='));
}

describe.each(STACKS)('the commit path, through %s', (_name, stack: Stack) => {
  let running: RunningStack | undefined;

  async function start(options: Parameters<Stack['start']>[0]) {
    running = await stack.start(options, routes);
    return request(running.server);
  }

  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  describe('errors after the handler ran reach the error handling, and the process stays up', () => {
    it.each([
      ['a cookie function giving a domain from the Host header (Host: a b)', { cookie: (req: { hostname?: string }) => ({ domain: req.hostname }) }, { Host: 'a b' }],
      ['a cookie function giving the Host header with its port as domain', { cookie: (req: { headers: { host?: string } }) => ({ domain: req.headers.host }) }, {}],
    ])('%s: answered normally, the cookie without the invalid Domain', async (_label, options, headers) => {
      const http = await start({ store: new InstrumentedStore(), ...(options as object) });
      const response = await http.get('/views').set(headers).expect(200);
      expect(sessionCookies(response.headers['set-cookie'])).toEqual([expect.not.stringMatching(/Domain=/i)]);
      await http.get('/peek').set('Host', 'localhost').expect(200);
    });

    it.each([
      ['sets cookie.maxAge past the Date range', '/huge-max-age'],
      ['sets an invalid cookie.domain', '/bad-domain'],
    ])('a handler that %s: a 500, and the app keeps serving', async (_label, path) => {
      const http = await start({ store: new InstrumentedStore() });
      const response = await http.get(path).expect(500);
      // The assignment itself throws (SessionCookieError): the bad value never reaches a cookie.
      // What the handler wrote before it is saved, as with any handler error in express-session.
      for (const cookie of sessionCookies(response.headers['set-cookie'])) expect(cookie).toMatch(/^connect\.sid=s%3A[^;]+; Path=\/; HttpOnly$/);
      expect(leaksInternals(response.text)).toBe(false);
      await http.get('/views').expect(200);
    });

    it('a cookie that cannot be serialized after an asynchronous save: a 500 without a cookie', async () => {
      const store = new InstrumentedStore();
      store.delays.set = 10;
      const http = await start({ store });
      const response = await http.get('/broken-cookie').expect(500);
      expect(sessionCookies(response.headers['set-cookie'])).toEqual([]);
      expect(leaksInternals(response.text)).toBe(false);
    });

    it('a cookie that cannot be serialized with nothing to wait for (rolling, a store without touch): a 500, the socket is not left open', async () => {
      const store = new TouchlessStore();
      const http = await start({ store, rolling: true });
      const cookie = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
      const response = await http.get('/broken-cookie-read-only').set('Cookie', cookie).expect(500);
      expect(sessionCookies(response.headers['set-cookie'])).toEqual([]);
      expect((await http.get('/peek').set('Cookie', cookie).expect(200)).body.views).toBe(1);
    });

    it.each(['throws synchronously', 'returns a non-promise', 'rejects'] as const)('a store whose touch %s still gets a response', async (behaviour) => {
      const store = new OddTouchStore();
      const http = await start({ store, rolling: true });
      const cookie = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
      store.touchBehaviour = behaviour;
      const response = await http.get('/peek').set('Cookie', cookie);
      if (behaviour === 'returns a non-promise') {
        expect(response.status).toBe(200);
        expect(response.body.views).toBe(1);
      } else {
        expect(response.status).toBe(500);
        expect(sessionCookies(response.headers['set-cookie'])).toEqual([]);
        expect(leaksInternals(response.text)).toBe(false);
      }
    });

    it('a save that fails on a streamed response: the response still completes (Express: the error is logged) or is a 500 (Fastify)', async () => {
      const store = new InstrumentedStore();
      const http = await start({ store });
      store.failures.set = new Error('disk full');
      const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        if (stack.platform === 'fastify') {
          // Fastify's onSend hook gets the stream before its first byte: the save fails as for any reply.
          const response = await http.get('/stream').expect(500);
          expect(sessionCookies(response.headers['set-cookie'])).toEqual([]);
          expect(leaksInternals(response.text)).toBe(false);
        } else {
          // On Express the head goes out with the first chunk, before the store is asked.
          const response = await http.get('/stream').expect(200);
          expect(response.text).toBe('part one, part two');
        }
        // Nest logs through its Logger (silenced in these apps); the plain middleware to the console, once.
        const expectedLogs = stack.name === 'createSessionMiddleware' ? 1 : 0;
        expect(consoleError.mock.calls.filter(([message]) => String(message).includes('disk full'))).toHaveLength(expectedLogs);
      } finally {
        consoleError.mockRestore();
      }
      await http.get('/peek').expect(200);
    });

    it("a handler that replaces req.sessionID by a non-string: no save, no cookie, the handler's answer (as express-session)", async () => {
      const store = new InstrumentedStore();
      const http = await start({ store });
      const response = await http.get('/non-string-id').expect(200);
      expect(response.body).toEqual({ ok: true });
      expect(sessionCookies(response.headers['set-cookie'])).toEqual([]);
      expect(store.callsOf('set')).toEqual([]);
    });
  });

  describe('every store failure at commit ends the response, under either storeUnavailable policy', () => {
    const failures = [
      ['touch (an unchanged session, resave: false)', 'touch', '/peek', {}],
      ['set (a changed session)', 'set', '/views', {}],
      ["destroy (unset: 'destroy')", 'destroy', '/unset', { unset: 'destroy' }],
    ] as const;
    const cases = failures.flatMap(([label, method, path, options]) =>
      (['error', 'continue'] as const).flatMap((policy) =>
        [
          [label, 'fails', policy, method, path, options, new Error('the disk broke')],
          [label, 'is unavailable', policy, method, path, options, new SessionStoreUnavailableError('the network is down')],
        ] as const,
      ),
    );
    it.each(cases)('%s: the store %s (storeUnavailable: %s)', async (_label, _how, policy, method, path, options, error) => {
      const store = new InstrumentedStore();
      const http = await start({ store, resave: false, storeUnavailable: policy, ...options });
      const cookie = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
      store.failures[method] = error;
      const response = await http.get(path).set('Cookie', cookie).timeout(5_000);
      expect(response.status).toBe(error instanceof SessionStoreUnavailableError ? 503 : 500);
      expect(store.callsOf(method)).toContain(sessionIdOf(cookie));
      expect(sessionCookies(response.headers['set-cookie'])).toEqual([]);
      expect(leaksInternals(response.text)).toBe(false);
      expect(response.text).not.toContain(error.message);
    });
  });

  describe('a response ended twice while the save is pending', () => {
    it('sends the first response whole, as Node does', async () => {
      const store = new InstrumentedStore();
      store.delays.set = 20;
      const http = await start({ store });
      const response = await http.get('/end-twice').expect(200);
      expect(response.text).toBe('first');
      expect(response.headers['content-length']).toBe('5');
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      expect(sessionCookies(response.headers['set-cookie'])).toHaveLength(1);
    });

    it('a streamed response ended twice: the second end is harmless, the response and the session complete', async () => {
      const store = new InstrumentedStore();
      store.delays.set = 20;
      const http = await start({ store });
      const response = await http.get('/stream-end-twice').expect(200);
      expect(response.text).toBe('part one, part two');
      expect(store.callsOf('set')).toHaveLength(1);
    });

    it("an error after the end does not replace the response with the error handler's", async () => {
      const store = new InstrumentedStore();
      store.delays.set = 20;
      const http = await start({ store });
      const response = await http.get('/end-then-throw').expect(200);
      expect(response.text).toBe('first');
      expect(sessionCookies(response.headers['set-cookie'])).toHaveLength(1);
    });
  });

  describe('writeHead (Fastify: reply.header) with a Set-Cookie of its own keeps the session cookie', () => {
    it.each([
      ['an object, after setHeader', '/write-head-object', ['app=1']],
      ['an array value, with a status message', '/write-head-array-value', ['app=1', 'app2=2']],
      ["Node's flat [name, value, …] list, after setHeader", '/write-head-flat-list', ['app=1', 'app2=2']],
      ['set on the raw response (Fastify: reply.raw.setHeader)', '/raw-set-cookie', ['app=1', 'app2=2']],
    ])('%s', async (_label, path, appCookies) => {
      const http = await start({ store: new InstrumentedStore() });
      const response = await http.get(path).expect(200);
      const cookies = setCookies(response.headers['set-cookie']);
      expect(cookies.filter((value) => !value.startsWith('connect.sid='))).toEqual(appCookies);
      expect(sessionCookies(cookies)).toHaveLength(1);
      if (path !== '/write-head-array-value') expect(response.headers['x-before']).toBe('kept');
      // The cookie names a session that was saved.
      expect((await http.get('/peek').set('Cookie', cookiePair(cookies)!).expect(200)).body.views).toBe(1);
    });
  });

  describe('a cookie is never sent for a session the store no longer has', () => {
    it('a read-only request with rolling, in flight across a login in another tab, sends no cookie', async () => {
      const store = new InstrumentedStore();
      const http = await start({ store, rolling: true });
      const oldCookie = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
      store.delays.touch = 150;
      const inFlight = http.get('/peek').set('Cookie', oldCookie).then((response) => response);
      await new Promise((resolve) => setTimeout(resolve, 30));
      const login = await http.get('/login').set('Cookie', oldCookie).expect(200);
      const newCookie = cookiePair(login.headers['set-cookie'])!;
      expect(sessionIdOf(newCookie)).toBe(login.body.sessionId);
      const late = await inFlight;
      expect(late.status).toBe(200);
      expect(sessionCookies(late.headers['set-cookie'])).toEqual([]);
    });

    it('a request that changed the session, in flight across a logout, sends no cookie (its update was refused)', async () => {
      const store = new InstrumentedStore();
      const http = await start({ store, cookie: { maxAge: 60_000 } });
      const cookie = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
      store.delays.set = 150;
      const inFlight = http.get('/views').set('Cookie', cookie).then((response) => response);
      await new Promise((resolve) => setTimeout(resolve, 30));
      store.delays.set = 0;
      await http.get('/logout').set('Cookie', cookie).expect(200);
      const late = await inFlight;
      expect(late.status).toBe(200);
      expect(sessionCookies(late.headers['set-cookie'])).toEqual([]);
      expect(await store.inner.get(sessionIdOf(cookie))).toBeUndefined();
    });
  });

  describe('the store unavailable', () => {
    it('a logout answers 503 with Retry-After, and neither the cookie nor the stored session is dropped', async () => {
      const store = new InstrumentedStore();
      const http = await start({ store });
      const cookie = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
      store.failures.destroy = new SessionStoreUnavailableError('redis is down');
      const response = await http.get('/logout').set('Cookie', cookie).expect(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(sessionCookies(response.headers['set-cookie'])).toEqual([]);
      expect(leaksInternals(response.text)).toBe(false);
      expect(response.text).not.toContain('redis is down');
      expect((await http.get('/peek').set('Cookie', cookie).expect(200)).body.views).toBe(1);
    });

    it('a login (regenerate) answers 503 with Retry-After, and the old cookie is not expired', async () => {
      const store = new InstrumentedStore();
      const http = await start({ store });
      const cookie = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
      store.failures.destroy = new SessionStoreUnavailableError('redis is down');
      const response = await http.get('/login').set('Cookie', cookie).expect(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(sessionCookies(response.headers['set-cookie'])).toEqual([]);
      expect((await http.get('/peek').set('Cookie', cookie).expect(200)).body.views).toBe(1);
    });

    it('a failed load answers 503 with Retry-After', async () => {
      const store = new InstrumentedStore();
      const http = await start({ store });
      const cookie = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
      store.failures.get = new SessionStoreUnavailableError('redis is down');
      const response = await http.get('/peek').set('Cookie', cookie).expect(503);
      expect(response.headers['retry-after']).toBe('5');
    });

    it('a failed save answers 503 with Retry-After, without the session cookie', async () => {
      const store = new InstrumentedStore();
      const http = await start({ store });
      store.failures.set = new SessionStoreUnavailableError('redis is down');
      const response = await http.get('/views').expect(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(sessionCookies(response.headers['set-cookie'])).toEqual([]);
    });
  });
});
