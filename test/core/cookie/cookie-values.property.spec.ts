import { jest } from '@jest/globals';
import { Controller, HttpCode, Logger, Post, Query } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import request from 'supertest';
import type { Server } from 'node:http';
import { parseSetCookie } from 'cookie';
import { Session, SessionCookie, SessionCookieError } from '../../../lib/index.js';
import type { SessionCookieOptions, SessionRecord } from '../../../lib/index.js';
import { isUsableRecord } from '../../../lib/core/session/session-record.js';
import { cookiePair, createSessionApp, sessionIdOf, SessionTestController } from '../../support/e2e-app.js';
import { createExpressSessionApp } from '../../support/express-app.js';
import type { ExpressSessionApp } from '../../support/express-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { PLATFORMS } from '../../support/platforms.js';
import type { Platform } from '../../support/platforms.js';

/**
 * Property-based tests over values that reach the cookie: stored records (every cookie field,
 * wrong types and values), a `cookie` function's results and a handler's assignments.
 * Properties: nothing throws where it must not, every request gets a response, no 5xx
 * carries a stack or an internal path, a corrupted record never keeps its id. Seeded and
 * bounded, so a failure reproduces and `npm test` stays fast.
 */
const SEED = 20_261_124;

/** Values that break cookies: wrong types, out-of-range numbers, separators, near misses. */
const hostileValue = fc.oneof(
  fc.constantFrom(
    'abc', '3600000', '', 'bogus', 'a b', 'example.com:3000', '/a;b', '/a\nb', 'LAX', 'Strict', 'urgent', 'HIGH',
    '2030-01-01T00:00:00.000Z', 'not a date', '+275760-09-14T00:00:00.000Z', 'true', '.example.com', '/',
    1e300, -1e300, Number.NaN, Infinity, -Infinity, 0, -1, 60_000, 4.32e15, 8.64e15, 2 ** 53,
    true, false, null, undefined, {}, [], [1], { nested: { deep: 1 } },
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.double(),
  fc.integer(),
  fc.date({ noInvalidDate: false }),
  fc.boolean(),
);

const COOKIE_FIELDS = ['originalMaxAge', 'expires', 'secure', 'httpOnly', 'partitioned', 'domain', 'path', 'sameSite', 'priority', 'createdAt'] as const;

/** A stored cookie where any field may be missing, valid or hostile. */
const storedCookie = fc.record(
  Object.fromEntries(COOKIE_FIELDS.map((field) => [field, hostileValue])) as Record<(typeof COOKIE_FIELDS)[number], fc.Arbitrary<unknown>>,
  { requiredKeys: [] },
);

/** Cookie attributes a `cookie` function might return: any attribute, any value. */
const cookieOptions = fc.record(
  {
    domain: hostileValue,
    path: hostileValue,
    maxAge: hostileValue,
    expires: hostileValue,
    sameSite: hostileValue,
    priority: hostileValue,
    secure: hostileValue,
    httpOnly: hostileValue,
    partitioned: hostileValue,
  },
  { requiredKeys: [] },
);

/** No stack trace, no source path in an error body. */
function hasInternals(body: unknown): boolean {
  return /\bat .*\(|\/lib\/|\.ts:\d|node_modules/.test(JSON.stringify(body));
}

describe('stored cookies, through the unit API', () => {
  it('isUsableRecord never throws; a usable record always inflates, touches and serializes', () => {
    fc.assert(
      fc.property(storedCookie, (cookie) => {
        const record = { cookie, views: 1 };
        if (!isUsableRecord(record)) return;
        const sessionCookie = SessionCookie.fromStored(record.cookie);
        sessionCookie.maxAge = sessionCookie.originalMaxAge; // what touch() does
        parseSetCookie(sessionCookie.serialize('connect.sid', 's:id.sig'));
        sessionCookie.serializeExpired('connect.sid');
        expect(isUsableRecord(JSON.parse(JSON.stringify({ cookie: sessionCookie.toJSON() })))).toBe(true);
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });
});

describe('SessionCookie assignments', () => {
  it('either take the value or throw a SessionCookieError naming the attribute; the cookie always serializes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...COOKIE_FIELDS, 'maxAge'), hostileValue, (attribute, value) => {
        const cookie = new SessionCookie();
        try {
          (cookie as unknown as Record<string, unknown>)[attribute] = value;
        } catch (error) {
          expect(error).toBeInstanceOf(SessionCookieError);
          expect((error as SessionCookieError).attribute).toBe(attribute);
        }
        cookie.maxAge = cookie.originalMaxAge;
        parseSetCookie(cookie.serialize('connect.sid', 's:id.sig'));
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });
});

/** Assigns `?value=` (JSON) to `session.cookie[?name]`, as a handler might. */
@Controller()
class CookieAttributeController {
  @Post('cookie-attribute-json')
  @HttpCode(200)
  assign(@Session() session: Session, @Query('name') name: string, @Query('json') json: string) {
    (session as unknown as Record<string, unknown>).touched = true;
    (session.cookie as unknown as Record<string, unknown>)[name] = JSON.parse(json);
    return { assigned: name };
  }
}

/** SessionModule on each platform (undefined: plain Express on createSessionMiddleware). */
const TARGETS: Array<[string, Platform | undefined]> = [
  ...PLATFORMS.map((platform): [string, Platform] => [`SessionModule on ${platform.name}`, platform]),
  ['createSessionMiddleware', undefined],
];

describe.each(TARGETS)('through %s with a real MemoryStore', (_label, platform) => {
  const via = platform ? 'SessionModule' : 'createSessionMiddleware';
  let nestApp: INestApplication | undefined;
  let expressApp: ExpressSessionApp | undefined;
  let store: InstrumentedStore;
  let server: Server | ExpressSessionApp['app'];
  /** What the `cookie` function returns for the next request. */
  let nextCookieOptions: unknown = {};

  beforeAll(async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const options = { rolling: via === 'SessionModule', cookie: () => nextCookieOptions as SessionCookieOptions };
    if (platform) {
      store = new InstrumentedStore();
      nestApp = await createSessionApp(platform, { store, ...options }, { controllers: [SessionTestController, CookieAttributeController] });
      server = nestApp.getHttpServer() as Server;
    } else {
      expressApp = createExpressSessionApp(options);
      store = expressApp.store;
      server = expressApp.app;
    }
  });
  afterAll(async () => {
    await nestApp?.close();
    jest.restoreAllMocks();
  });
  beforeEach(() => {
    nextCookieOptions = { maxAge: 60_000 };
  });

  const http = () => request(server);

  it('a corrupted stored cookie: always a response, a new id unless the record is usable', async () => {
    await fc.assert(
      fc.asyncProperty(storedCookie, async (corruptedCookie) => {
        nextCookieOptions = { maxAge: 60_000 };
        const first = await http().get('/views').timeout(5_000).expect(200);
        const cookie = cookiePair(first.headers['set-cookie'])!;
        const oldId = sessionIdOf(cookie);
        const stored = (await store.inner.get(oldId)) as SessionRecord;
        const corrupted = { ...stored, cookie: corruptedCookie } as unknown as SessionRecord;
        await store.inner.set(oldId, corrupted);
        const whatTheStoreKept = await store.inner.get(oldId);

        const response = await http().get('/views').set('Cookie', cookie).timeout(5_000);
        expect(response.status).toBe(200);
        if (!isUsableRecord(whatTheStoreKept)) {
          expect(response.body.sessionId).not.toBe(oldId);
          expect(response.body.views).toBe(1);
        }
        for (const setCookie of [response.headers['set-cookie'] ?? []].flat()) parseSetCookie(setCookie);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("a cookie function's result, whatever its attributes: 200, with a cookie that parses and carries none of the invalid values", async () => {
    await fc.assert(
      // A valid path that does not cover /views leaves the route without a session: not this property.
      fc.asyncProperty(cookieOptions.map(({ path: _path, ...options }) => options), async (options) => {
        nextCookieOptions = options;
        const response = await http().get('/views').timeout(5_000);
        expect(response.status).toBe(200);
        for (const setCookie of [response.headers['set-cookie'] ?? []].flat()) {
          const parsed = parseSetCookie(setCookie);
          if (parsed.domain !== undefined) expect(parsed.domain).toBe(options.domain);
        }
      }),
      { seed: SEED, numRuns: 80 },
    );
    nextCookieOptions = {};
    await http().get('/views').expect(200);
  });

  it("a cookie function deriving attributes from hostile request headers: 200, and one warning per attribute", async () => {
    const headerValue = fc.oneof(hostileValue.map(String), fc.string({ unit: 'binary', maxLength: 30 }));
    const warned: unknown[] = [];
    const warnSpy = via === 'SessionModule' ? jest.spyOn(Logger.prototype, 'warn') : jest.spyOn(process, 'emitWarning');
    (warnSpy as ReturnType<typeof jest.spyOn>).mockImplementation((message: unknown) => void warned.push(message));
    try {
      await fc.assert(
        fc.asyncProperty(headerValue, headerValue, async (domain, maxAge) => {
          nextCookieOptions = { domain, maxAge: Number(maxAge) };
          const response = await http().get('/views').timeout(5_000);
          expect(response.status).toBe(200);
          for (const setCookie of [response.headers['set-cookie'] ?? []].flat()) parseSetCookie(setCookie);
        }),
        { seed: SEED, numRuns: 80 },
      );
    } finally {
      (warnSpy as ReturnType<typeof jest.spyOn>).mockImplementation(() => undefined);
    }
    const warnedAttributes = warned.map((message) => /the `cookie` function returned an invalid `(\w+)`/.exec(String(message))?.[1]).filter(Boolean);
    expect(new Set(warnedAttributes).size).toBe(warnedAttributes.length);
  });

  it("a handler's assignment to session.cookie: 200, or a 500 without internals; the app stays up", async () => {
    const route = via === 'SessionModule' ? '/cookie-attribute-json' : '/cookie-attribute';
    const jsonValue = fc.oneof(
      fc.constantFrom(1e300, 'a b', '/a;b', 'bogus', 'urgent', 'example.com:1', -1, 60_000, true, null, '3600000'),
      fc.string({ maxLength: 30 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('maxAge', 'domain', 'path', 'sameSite', 'priority', 'secure', 'expires', 'originalMaxAge'), jsonValue, async (name, value) => {
        const query =
          via === 'SessionModule'
            ? { name, json: JSON.stringify(value) }
            : { name, value: String(value), ...(typeof value === 'number' && { number: '1' }) };
        const response = await http().post(route).query(query).timeout(5_000);
        expect([200, 500]).toContain(response.status);
        if (response.status === 500) expect(hasInternals(response.body)).toBe(false);
        for (const setCookie of [response.headers['set-cookie'] ?? []].flat()) parseSetCookie(setCookie);
      }),
      { seed: SEED, numRuns: 60 },
    );
    await http().get('/views').expect(200);
  });
});
