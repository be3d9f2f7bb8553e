import fc from 'fast-check';
import { signSessionId } from '../../../lib/index.js';
import { sessionIdOf, TEST_SECRET } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { listeningPort, rawGet } from './raw-http.js';
import { leaksInternals, STACKS } from '../../support/two-stacks.js';
import type { RunningStack, Stack, TestRoutes } from '../../support/two-stacks.js';

/** Fixed, so a failure reproduces: fast-check prints the seed and path of the failing case. */
const SEED = 8_2026;
const RUNS = 120;

/** Handlers that behave well and badly, as applications do. */
const sharedRoutes: TestRoutes['shared'] = {
  views: (req) => {
    const session = req.session as unknown as { views?: number };
    session.views = (session.views ?? 0) + 1;
    return { sessionId: req.sessionID };
  },
  peek: (req) => ({ sessionId: req.sessionID }),
  throws: () => {
    throw new Error('handler failed in /srv/app/lib/secret-module.ts:12');
  },
  rejects: async (req) => {
    (req.session as unknown as { views?: number }).views = 1;
    throw new Error('async handler failed');
  },
  logout: async (req) => {
    await req.session?.destroy();
    return { signedOut: true };
  },
  login: async (req) => {
    const fresh = await req.session!.regenerate();
    (fresh as unknown as { userId: string }).userId = 'ada';
    return { sessionId: fresh.id };
  },
  'non-string-id': (req) => {
    (req.session as unknown as { views?: number }).views = 1;
    (req as unknown as { sessionID: unknown }).sessionID = { id: 'object' };
    return { ok: true };
  },
};

/** The handlers that answer through the response, on Express (both Express stacks)… */
const expressRoutes: TestRoutes['express'] = {
  'end-twice': (req, res) => {
    (req.session as unknown as { views?: number }).views = 1;
    res.send('first');
    res.status(500).send('second, longer body');
  },
  'end-then-throw': (req, res) => {
    (req.session as unknown as { views?: number }).views = 1;
    res.send('first');
    throw new Error('after the end');
  },
  'write-head': (req, res) => {
    (req.session as unknown as { views?: number }).views = 1;
    res.writeHead(200, { 'Set-Cookie': 'app=1' });
    res.end('ok');
  },
};

/** …and through Fastify's reply. */
const fastifyRoutes: TestRoutes['fastify'] = {
  'end-twice': (req, reply) => {
    (req.session as unknown as { views?: number }).views = 1;
    void reply.send('first');
    void reply.code(500).send('second, longer body');
  },
  'end-then-throw': (req, reply) => {
    (req.session as unknown as { views?: number }).views = 1;
    void reply.send('first');
    throw new Error('after the end');
  },
  'write-head': (req, reply) => {
    (req.session as unknown as { views?: number }).views = 1;
    void reply.header('set-cookie', 'app=1').send('ok');
  },
};

const routes: TestRoutes = { shared: sharedRoutes, express: expressRoutes, fastify: fastifyRoutes };

const ROUTE_NAMES = [...Object.keys(sharedRoutes), ...Object.keys(expressRoutes)];

/** Ids an attacker picks; signed with the real secret too, as if it had leaked. */
const attackerIdArbitrary = fc.stringMatching(/^[A-Za-z0-9_-]{1,48}$/).map((id) => `planted-${id}`);

/** The session cookie's value as an attacker may shape it around a real or planted id. */
function sessionCookieValue(knownCookieValue: string) {
  return fc.oneof(
    fc.constant(knownCookieValue),
    attackerIdArbitrary.map((id) => encodeURIComponent(signSessionId(id, TEST_SECRET))),
    attackerIdArbitrary.map((id) => encodeURIComponent(signSessionId(id, 'another secret'))),
    attackerIdArbitrary.map((id) => `s%3A${id}.${'A'.repeat(43)}`),
    fc.constant(knownCookieValue.slice(0, -3) + 'xyz'),
    fc.constantFrom('%', '%E0%A4%A', '%zz', 's%3A%', '%00', '""', '"s%3Aa.b"', ''),
    fc.integer({ min: 1_000, max: 12_000 }).map((length) => 'a'.repeat(length)),
    fc.string({ maxLength: 60 }),
  );
}

/** A whole Cookie header as bytes: cookies, duplicates, junk and control bytes, in any order. */
function cookieHeaderBytes(knownCookieValue: string) {
  const part = fc.oneof(
    sessionCookieValue(knownCookieValue).map((value) => `connect.sid=${value}`),
    fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 20 })).map(([name, value]) => `${name}=${value}`),
    fc.constantFrom(';', '=', ' ', 'connect.sid', 'connect.sid=;connect.sid='),
  );
  return fc
    .tuple(fc.array(part, { maxLength: 5 }), fc.constantFrom('; ', ';', ' ;'), fc.uint8Array({ maxLength: 8 }))
    .map(([parts, separator, rawBytes]) => {
      const text = Buffer.from(parts.join(separator), 'latin1');
      return rawBytes.length === 0 ? new Uint8Array(text) : new Uint8Array(Buffer.concat([text, Buffer.from(rawBytes)]));
    });
}

describe.each(STACKS)('untrusted requests through %s (property-based, seeded)', (_name, stack: Stack) => {
  let running: RunningStack;
  let store: InstrumentedStore;
  let port: number;

  beforeAll(async () => {
    store = new InstrumentedStore();
    running = await stack.start({ store }, routes);
    port = await listeningPort(running.server);
  });

  afterAll(async () => {
    await running.close();
  });

  it('every request gets a complete response, no 5xx shows internals, no attacker-chosen id is adopted', async () => {
    const first = await rawGet(port, '/views', new Uint8Array());
    const knownCookieValue = first.setCookies[0]!.split(';', 1)[0]!.slice('connect.sid='.length);
    const knownId = sessionIdOf(`connect.sid=${knownCookieValue}`);

    await fc.assert(
      fc.asyncProperty(cookieHeaderBytes(knownCookieValue), fc.constantFrom(...ROUTE_NAMES), async (cookieBytes, route) => {
        const response = await rawGet(port, `/${route}`, cookieBytes);
        if (response.status >= 500) expect(leaksInternals(response.body)).toBe(false);
        const cookieText = Buffer.from(cookieBytes).toString('latin1');
        for (const setCookie of response.setCookies.filter((value) => value.startsWith('connect.sid='))) {
          const issuedId = sessionIdOf(setCookie.split(';', 1)[0]!);
          if (issuedId === '') continue; // an expired (logout) cookie
          expect(issuedId.startsWith('planted-')).toBe(false);
          // Either the session the valid cookie named, or a new id the client never sent.
          if (issuedId !== knownId) expect(cookieText.includes(issuedId)).toBe(false);
        }
        expect(response.body).not.toMatch(/"sessionId":"planted-/);
        expect((await store.inner.ids()).some((id) => id.startsWith('planted-'))).toBe(false);
      }),
      { seed: SEED, numRuns: RUNS },
    );

    // Still serving ordinary requests afterwards.
    const after = await rawGet(port, '/views', new Uint8Array());
    expect(after.status).toBe(200);
  });
});
