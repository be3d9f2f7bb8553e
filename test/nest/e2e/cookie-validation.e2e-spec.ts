import { jest } from '@jest/globals';
import { Controller, HttpCode, Logger, Post, Query } from '@nestjs/common';
import request from 'supertest';
import type { Server } from 'node:http';
import { createSessionMiddleware, Session, SessionOptionsError } from '../../../lib/index.js';
import type { SessionModuleOptions } from '../../../lib/index.js';
import { cookiePair, createSessionApp, sessionIdOf, SessionTestController, setCookies, TEST_SECRET } from '../../support/e2e-app.js';
import { createExpressSessionApp } from '../../support/express-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { EXPRESS, PLATFORMS } from '../../support/platforms.js';
import type { Platform } from '../../support/platforms.js';

/** Assigns `?value=` (a number when `?number` is given) to `session.cookie[?name]`, as a handler might. */
@Controller()
class CookieAttributeController {
  @Post('cookie-attribute')
  @HttpCode(200)
  assign(@Session() session: Session, @Query('name') name: string, @Query('value') value: string, @Query('number') number?: string) {
    (session as unknown as Record<string, unknown>).touched = true;
    (session.cookie as unknown as Record<string, unknown>)[name] = number === undefined ? value : Number(value);
    return { assigned: name };
  }
}

/** One app under test: SessionModule or plain Express on createSessionMiddleware. */
interface Target {
  http: () => ReturnType<typeof request>;
  store: InstrumentedStore;
  /** Messages of the errors the app logged (Nest) or handed to its error handler (Express). */
  reportedErrors: () => string[];
  /** Warnings logged (Nest's Logger) or emitted (`process.emitWarning`) since the test began. */
  reportedWarnings: () => string[];
  close: () => Promise<void>;
}

type Options = Partial<SessionModuleOptions>;

let loggedErrors: unknown[] = [];
let loggedWarnings: unknown[] = [];
beforeEach(() => {
  loggedErrors = [];
  loggedWarnings = [];
  jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void loggedErrors.push(message));
  jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void loggedWarnings.push(message));
  jest.spyOn(process, 'emitWarning').mockImplementation((message: unknown) => void loggedWarnings.push(message));
});
afterEach(() => {
  jest.restoreAllMocks();
});

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function nestTarget(platform: Platform) {
  return async (options: Options): Promise<Target> => {
    const store = new InstrumentedStore();
    const app = await createSessionApp(platform, { store, ...options }, { controllers: [SessionTestController, CookieAttributeController] });
    const server = app.getHttpServer() as Server;
    return {
      http: () => request(server),
      store,
      reportedErrors: () => loggedErrors.map(messageOf),
      reportedWarnings: () => loggedWarnings.map(messageOf),
      close: () => app.close(),
    };
  };
}

async function expressTarget(options: Options): Promise<Target> {
  const { app, store, errors } = createExpressSessionApp(options);
  // The store's warnings (a PostgresStore's about unreadable rows) are collected, as the Nest target's go through Logger.
  store.useDefaultLogger({ warn: (message) => void loggedWarnings.push(message) });
  return {
    http: () => request(app),
    store,
    reportedErrors: () => errors.map(messageOf),
    reportedWarnings: () => loggedWarnings.map(messageOf),
    close: async () => undefined,
  };
}

const targets: Array<[string, (options: Options) => Promise<Target>]> = [
  ...PLATFORMS.map((platform): [string, (options: Options) => Promise<Target>] => [`SessionModule on ${platform.name}`, nestTarget(platform)]),
  ['createSessionMiddleware', expressTarget],
];

/** No stack trace, no source path in an error body. */
function expectNoInternals(body: unknown): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/\bat .*\(|\/lib\/|\.ts:\d|node_modules/);
}

// First in the file: the warning is given once per process, as express-session's (depd).
it('a Date as cookie.maxAge is deprecated: one warning per process, however many apps use it', async () => {
  const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  const app = await createSessionApp(EXPRESS, { cookie: { maxAge: new Date(Date.now() + 60_000) } });
  createSessionMiddleware({ secret: TEST_SECRET, store: new InstrumentedStore(), cookie: { maxAge: new Date(Date.now() + 60_000) } });
  await app.close();
  const deprecations = emitWarning.mock.calls.filter(([message]) => String(message).includes('maxAge as a Date is deprecated'));
  expect(deprecations).toHaveLength(1);
});

describe.each(targets)('through %s', (_label, createTarget) => {
  let target: Target | undefined;
  async function start(options: Options = {}): Promise<Target> {
    target = await createTarget(options);
    return target;
  }
  afterEach(async () => {
    await target?.close();
    target = undefined;
  });

  describe('a stored cookie with a corrupted field starts a new session (never a 500, never the old id)', () => {
    it.each([
      ['originalMaxAge', 'abc'],
      ['originalMaxAge', '3600000'],
      ['originalMaxAge', {}],
      ['originalMaxAge', 1e300],
      ['expires', 'not a date'],
      ['sameSite', 'bogus'],
      ['domain', 'a b'],
      ['domain', 'example.com:3000'],
      ['path', '/a;b'],
      ['priority', 'urgent'],
      ['secure', 'true'],
      ['httpOnly', 1],
      ['partitioned', 'no'],
      ['createdAt', 'yesterday'],
    ])('%s = %j', async (field, value) => {
      const { http, store } = await start({ cookie: { maxAge: 60_000 } });
      const cookie = cookiePair((await http().get('/views').expect(200)).headers['set-cookie'])!;
      const oldId = sessionIdOf(cookie);
      const record = (await store.inner.get(oldId))!;
      await store.inner.set(oldId, { ...record, cookie: { ...record.cookie, [field]: value } } as never);

      const response = await http().get('/views').set('Cookie', cookie).expect(200);
      expect(response.body.views).toBe(1);
      expect(response.body.sessionId).not.toBe(oldId);
      expect(sessionIdOf(cookiePair(response.headers['set-cookie'])!)).toBe(response.body.sessionId);
    });
  });

  describe("a cookie function's attribute made invalid by the request is left out of that response's cookie", () => {
    it.each([
      ['a host with a port', '127.0.0.1:3000'],
      ['a host with a space', 'a b'],
    ])('domain from %s: 200, a cookie without Domain that works, one warning', async (_label, host) => {
      const { http, reportedWarnings } = await start({ cookie: (req) => ({ domain: req.headers.host }) });
      const answered = await http().get('/views').set('Host', host).expect(200);
      const setCookie = setCookies(answered.headers['set-cookie'])[0]!;
      expect(setCookie).not.toMatch(/Domain=/i);
      await http().get('/views').set('Host', host).expect(200);
      expect(reportedWarnings().filter((message) => message.includes('invalid `domain`'))).toHaveLength(1);
      // The session it names was stored, and a usable domain still goes out.
      const next = await http().get('/views').set('Host', 'example.com').set('Cookie', cookiePair([setCookie])!).expect(200);
      expect(next.body.views).toBe(2);
      const fresh = await http().get('/views').set('Host', 'example.com').expect(200);
      expect(fresh.headers['set-cookie']?.[0]).toContain('Domain=example.com');
    });

    it("the issue's reproduction: domain from req.hostname, Host: a b", async () => {
      const { http } = await start({ cookie: (req) => ({ domain: (req as { hostname?: string }).hostname }) });
      const answered = await http().get('/views').set('Host', 'a b').expect(200);
      expect(setCookies(answered.headers['set-cookie'])[0]).not.toMatch(/Domain=/i);
    });

    it('a maxAge from a header (X-Max-Age: 1e300): a browser-session cookie, one warning', async () => {
      const { http, reportedWarnings } = await start({ cookie: (req) => ({ maxAge: Number(req.headers['x-max-age'] ?? 60_000) }) });
      const answered = await http().get('/views').set('X-Max-Age', '1e300').expect(200);
      expect(setCookies(answered.headers['set-cookie'])[0]).not.toMatch(/Expires=/);
      expect(reportedWarnings().join('\n')).toContain('within the Date range');
      expect(setCookies((await http().get('/views').expect(200)).headers['set-cookie'])[0]).toMatch(/Expires=/);
    });
  });

  describe("a handler's bad assignment to session.cookie fails that request (500), the app stays up", () => {
    it.each([
      ['maxAge', '1e300', true],
      ['domain', 'a b', false],
      ['domain', 'example.com:8080', false],
      ['path', '/a;b', false],
      ['sameSite', 'bogus', false],
      ['priority', 'urgent', false],
      ['expires', 'tomorrow', false],
    ])('session.cookie.%s = %j', async (name, value, isNumber) => {
      const { http, reportedErrors } = await start();
      const query = { name, value, ...(isNumber && { number: '1' }) };
      const failed = await http().post('/cookie-attribute').query(query).expect(500);
      expectNoInternals(failed.body);
      // The session was changed before the throw, so it is saved as usual, with the attribute as it was.
      expect(setCookies(failed.headers['set-cookie'])).toEqual([expect.stringMatching(/^connect\.sid=.*; Path=\/; HttpOnly$/)]);
      expect(reportedErrors().join('\n')).toContain(`SessionCookieError: nest-sessions: invalid session cookie \`${name}\``);
      await http().get('/views').expect(200);
    });
  });

  // Ids with spaces or separators round-trip URI-encoded (test/core/session/genid-ids.property.spec.ts).
  describe('genid ids a cookie cannot carry back are refused at generation', () => {
    it.each([
      ['too long', 'x'.repeat(2000), 'a cookie carries at most 978'],
      ['with a lone surrogate', 'id\uD800', 'lone UTF-16 surrogate'],
    ])('%s → 500 with SessionStateError', async (_label, id, message) => {
      const { http, reportedErrors } = await start({ genid: () => id });
      const failed = await http().get('/views').expect(500);
      expectNoInternals(failed.body);
      expect(failed.headers['set-cookie']).toBeUndefined();
      expect(reportedErrors().join('\n')).toContain(`SessionStateError: nest-sessions: genid() `);
      expect(reportedErrors().join('\n')).toContain(message);
    });
  });

  it("a Date as cookie.maxAge (express-session's deprecated form): the cookie expires at that date", async () => {
    jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const expiry = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    const { http } = await start({ cookie: { maxAge: expiry } });
    const response = await http().get('/views').expect(200);
    expect(setCookies(response.headers['set-cookie'])[0]).toContain(`Expires=${expiry.toUTCString()}`);
  });

  it("secretFromRequest without req.secret: express-session's 'secret option required for sessions'", async () => {
    const { http, reportedErrors } = await start({ secret: undefined, secretFromRequest: true });
    const failed = await http().get('/views').expect(500);
    expectNoInternals(failed.body);
    expect(reportedErrors().join('\n')).toContain('secret option required for sessions');
  });
});

describe('invalid cookie options fail at start-up, naming the option', () => {
  const cases: Array<[object, RegExp]> = [
    [{ domain: 'example.com:3000' }, /`cookie.domain`: .*no port/],
    [{ domain: 'a b' }, /`cookie.domain`/],
    [{ path: '/app;x' }, /`cookie.path`/],
    [{ path: '/app\r\n' }, /`cookie.path`/],
    [{ maxAge: 1e300 }, /`cookie.maxAge`: must be within the Date range/],
    [{ maxAge: Infinity }, /`cookie.maxAge`: must be a finite number/],
    [{ maxAge: '3600000' }, /`cookie.maxAge`: must be a number of milliseconds, but received the string "3600000"/],
  ];

  it.each(cases)('SessionModule: %j', async (cookie, message) => {
    const attempt = createSessionApp(EXPRESS, { cookie } as never);
    await expect(attempt).rejects.toThrow(SessionOptionsError);
    await expect(createSessionApp(EXPRESS, { cookie } as never)).rejects.toThrow(message);
  });

  it.each(cases)('createSessionMiddleware: %j', (cookie, message) => {
    const create = () => createSessionMiddleware({ secret: TEST_SECRET, store: new InstrumentedStore(), cookie } as never);
    expect(create).toThrow(SessionOptionsError);
    expect(create).toThrow(message);
  });
});

describe('doubtful cookie options are warned about at start-up', () => {
  it('SessionModule: through its logger', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const app = await createSessionApp(EXPRESS, { cookie: { maxAge: 0, sameSite: 'none', maxAgee: 5 } as never });
    try {
      const warnings = warn.mock.calls.map(([message]) => String(message));
      expect(warnings).toEqual(
        expect.arrayContaining([
          expect.stringContaining('`cookie.maxAge` is 0 ms'),
          expect.stringContaining('SameSite=None'),
          expect.stringContaining('unknown `cookie` attribute(s) ignored: maxAgee'),
        ]),
      );
    } finally {
      await app.close();
    }
  });

  it('createSessionMiddleware: through process.emitWarning, unknown top-level options included', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    createSessionMiddleware({ secret: TEST_SECRET, store: new InstrumentedStore(), rolling: true, saveUnitialized: true, cookie: { sameSite: 'none', secure: false } } as never);
    const warnings = emitWarning.mock.calls.map(([message]) => String(message));
    expect(warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('SameSite=None'), expect.stringContaining('unknown option(s) ignored: saveUnitialized')]),
    );
  });
});
