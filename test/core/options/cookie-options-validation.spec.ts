import { jest } from '@jest/globals';
import { SessionCookieError, SessionOptionsError, SessionStateError } from '../../../lib/core/errors.js';
import type { SessionRequest } from '../../../lib/core/http/http-types.js';
import { resolveSessionOptions } from '../../../lib/core/options/resolve-options.js';
import type { CheckedCookieOptions } from '../../../lib/core/options/cookie-options.js';
import { SessionLifecycle } from '../../../lib/core/lifecycle/session-lifecycle.js';
import { CookieTransport } from '../../../lib/core/transport/cookie-transport.js';
import type { SessionCookieOptions, SessionOptions } from '../../../lib/core/options/session-options.js';
import { MemoryStore } from '../../../lib/stores/memory/memory-store.js';
import { fakeRequest } from '../../support/fake-http.js';
import { TEST_SECRET } from '../../support/test-secret.js';

// 32 characters or more: a shorter secret is warned about, and these tests count the warnings.
const secret = TEST_SECRET;
const NOW = Date.UTC(2030, 0, 1);

beforeEach(() => {
  jest.useFakeTimers({ now: NOW });
});
afterEach(() => {
  jest.useRealTimers();
});

function startUpError(cookie: unknown): SessionOptionsError {
  try {
    resolveSessionOptions({ secret, cookie: cookie as SessionCookieOptions }, () => undefined);
  } catch (error) {
    expect(error).toBeInstanceOf(SessionOptionsError);
    return error as SessionOptionsError;
  }
  throw new Error('expected resolveSessionOptions to throw');
}

/** The warnings start-up gives for these options. */
function warningsFor(options: Partial<SessionOptions>): string[] {
  const warnings: string[] = [];
  resolveSessionOptions({ secret, ...options }, (message) => warnings.push(message));
  return warnings;
}

describe('start-up validation of cookie attributes', () => {
  it.each([
    ['domain', 'example.com:3000', /no port/],
    ['domain', 'a b', /domain name/],
    ['domain', 'https://example.com', /domain name/],
    ['domain', 'example.com/app', /domain name/],
    ['domain', 'exa;mple.com', /domain name/],
    ['domain', 'x'.repeat(300), /domain name/],
    ['path', '/a;b', /without ";"/],
    ['path', '/a\u0000b', /control/],
    ['path', '/a\tb', /control/],
    ['maxAge', 1e300, /within the Date range/],
    ['maxAge', -1e300, /within the Date range/],
    ['maxAge', Number.NaN, /finite number/],
    ['maxAge', '3600000', /received the string "3600000"/],
    ['maxAge', new Date(Number.NaN), /valid Date/],
    ['expires', new Date(8.64e15), /within/],
  ])('cookie.%s = %j fails with SessionOptionsError naming cookie.%s', (attribute, value, message) => {
    const error = startUpError({ [attribute]: value });
    expect(error.option).toBe(`cookie.${attribute}`);
    expect(error.message).toMatch(message);
  });

  it.each(['example.com', '.example.com', 'sub.example.co.uk', 'localhost', '127.0.0.1', 'xn--bcher-kva.example'])(
    'accepts the domain %s',
    (domain) => {
      expect(resolveSessionOptions({ secret, cookie: { domain } }, () => undefined).cookieOptions).toMatchObject({ domain });
    },
  );

  it('warns (without failing) when the cookie would be dropped by browsers', () => {
    expect(warningsFor({ cookie: { maxAge: 0 } })).toEqual([expect.stringContaining('`cookie.maxAge` is 0 ms')]);
    expect(warningsFor({ cookie: { maxAge: -5 } })).toEqual([expect.stringContaining('browsers drop it')]);
    expect(warningsFor({ cookie: { expires: new Date(NOW - 1) } })).toEqual([expect.stringContaining('`cookie.expires` is in the past')]);
    expect(warningsFor({ cookie: { expires: new Date(NOW + 1_000) } })).toEqual([]);
    expect(warningsFor({ cookie: { sameSite: 'none' } })).toEqual([expect.stringContaining("SameSite=None")]);
    expect(warningsFor({ cookie: { sameSite: 'none', secure: 'auto' } })).toHaveLength(1);
    expect(warningsFor({ cookie: { sameSite: 'none', secure: true } })).toEqual([]);
    expect(warningsFor({ cookie: { sameSite: 'auto', maxAge: 1000 } })).toEqual([]);
  });

  it('warns about unknown keys inside cookie, naming them', () => {
    const warnings = warningsFor({ cookie: { maxage: 1000, sameSite: 'lax', signed: true } as never });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('maxage, signed');
    expect(warnings[0]).not.toContain('sameSite');
  });

  it('without a warn function, warnings go through process.emitWarning', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      resolveSessionOptions({ secret, cookie: { maxAge: 0 } });
      expect(emitWarning).toHaveBeenCalledWith(expect.stringContaining('`cookie.maxAge` is 0 ms'), { code: 'NEST_SESSIONS_OPTIONS' });
    } finally {
      emitWarning.mockRestore();
    }
  });

  it('a Date maxAge (express-session\'s deprecated form) is accepted with one deprecation warning: the cookie expires at that date', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const expiry = new Date(NOW + 3_600_000);
      const resolved = resolveSessionOptions({ secret, cookie: { maxAge: expiry } }, () => undefined);
      resolveSessionOptions({ secret, cookie: { maxAge: new Date(NOW + 5_000) } }, () => undefined);
      expect(resolved.cookieOptions).toMatchObject({ maxAge: null, expires: expiry });
      const deprecations = emitWarning.mock.calls.filter(([, options]) => (options as { code?: string })?.code === 'NEST_SESSIONS_MAXAGE_DATE');
      expect(deprecations).toHaveLength(1);
      expect(String(deprecations[0]![0])).toContain('pass a number of milliseconds');

      const request = fakeRequest();
      const lifecycle = new SessionLifecycle(request, resolved, new MemoryStore({ checkPeriod: 0 }), new CookieTransport(resolved), resolved.cookieOptions as CheckedCookieOptions, [secret], undefined);
      jest.setSystemTime(NOW + 600_000);
      lifecycle.generate();
      // Milliseconds from now (when the cookie is made) to that date.
      expect(request.session!.cookie.originalMaxAge).toBe(3_000_000);
      expect(request.session!.cookie.expires).toEqual(expiry);
    } finally {
      emitWarning.mockRestore();
    }
  });

  it("keeps express-session's wording for secrets", () => {
    expect(() => resolveSessionOptions({})).toThrow('secret option required for sessions');
    expect(() => resolveSessionOptions({ secret: [] })).toThrow('secret option array must contain one or more strings');
  });
});

describe('a cookie function\'s result is checked per request', () => {
  function requestError(result: unknown): SessionCookieError {
    const resolved = resolveSessionOptions({ secret, cookie: () => result as SessionCookieOptions });
    try {
      (resolved.cookieOptions as (request: SessionRequest) => CheckedCookieOptions)(fakeRequest());
    } catch (error) {
      expect(error).toBeInstanceOf(SessionCookieError);
      return error as SessionCookieError;
    }
    throw new Error('expected the cookie function result to be refused');
  }

  it.each([
    [{ domain: 'a b' }, 'domain', { domain: undefined }],
    [{ domain: 'example.com:3000' }, 'domain', { domain: undefined }],
    [{ path: '/a;b' }, 'path', { path: '/' }],
    [{ maxAge: 1e300 }, 'maxAge', { maxAge: null }],
    [{ maxAge: '60000' }, 'maxAge', { maxAge: null }],
    [{ maxAge: new Date(Number.NaN) }, 'maxAge', { maxAge: null, expires: undefined }],
    [{ sameSite: 'bogus' }, 'sameSite', { sameSite: undefined }],
    [{ priority: 'urgent' }, 'priority', { priority: undefined }],
    [{ secure: 'yes' }, 'secure', { secure: 'auto' }],
    [{ httpOnly: 'no' }, 'httpOnly', { httpOnly: true }],
    [{ expires: 'tomorrow' }, 'expires', { expires: undefined }],
  ])('%j: the attribute takes its default for that request, and one warning names %s', (result, attribute, expected) => {
    const warnings: string[] = [];
    const resolved = resolveSessionOptions({ secret, cookie: () => result as SessionCookieOptions }, (message) => warnings.push(message));
    const cookieOptions = resolved.cookieOptions as (request: SessionRequest) => CheckedCookieOptions;
    for (let requestCount = 0; requestCount < 3; requestCount++) {
      const checked = cookieOptions(fakeRequest());
      expect(checked).toMatchObject({ httpOnly: true, expires: undefined, ...expected });
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`the \`cookie\` function returned an invalid \`${attribute}\``);
  });

  it('warns once per attribute, not once per request', () => {
    const warnings: string[] = [];
    const resolved = resolveSessionOptions(
      { secret, cookie: (request) => ({ domain: request.headers.host, maxAge: Number(request.headers['x-max-age']) }) },
      (message) => warnings.push(message),
    );
    const cookieOptions = resolved.cookieOptions as (request: SessionRequest) => CheckedCookieOptions;
    for (const host of ['a b', 'c d', 'example.com:1']) cookieOptions(fakeRequest(undefined, { headers: { host, 'x-max-age': '1e300' } }));
    expect(warnings.map((message) => /invalid `(\w+)`/.exec(message)![1])).toEqual(['domain', 'maxAge']);
  });

  it.each([
    [null, 'cookie'],
    [Promise.resolve({}), 'cookie'],
  ])('%j (not an object of attributes at all) fails that request with a SessionCookieError naming %s', (result, attribute) => {
    const error = requestError(result);
    expect(error.attribute).toBe(attribute);
    expect(error.message).toContain('returned by the `cookie` function');
    expect(error.statusCode).toBe(500);
  });

  it('passes valid results through, checked', () => {
    const resolved = resolveSessionOptions({ secret, cookie: (request) => ({ domain: String(request.headers.host), sameSite: 'Lax' as never }) });
    const checked = (resolved.cookieOptions as (request: SessionRequest) => CheckedCookieOptions)(fakeRequest(undefined, { headers: { host: 'example.com' } }));
    expect(checked).toMatchObject({ domain: 'example.com', sameSite: 'lax', path: '/' });
  });
});

describe('genid: ids a cookie cannot carry back are refused at generation; any other text is accepted', () => {
  function generateWith(genid: () => string) {
    const resolved = resolveSessionOptions({ secret, genid });
    const request = fakeRequest();
    const lifecycle = new SessionLifecycle(request, resolved, new MemoryStore({ checkPeriod: 0 }), new CookieTransport(resolved), resolved.cookieOptions as CheckedCookieOptions, [secret], undefined);
    lifecycle.generate();
    return request;
  }

  it.each([
    ['too long', 'a'.repeat(979), /979 characters; a cookie carries at most 978/],
    ['a lone surrogate', 'a\uD800', /lone UTF-16 surrogate/],
    ['a lone low surrogate', '\uDC00a', /lone UTF-16 surrogate/],
    ['too long once URI-encoded', '\u2028'.repeat(400), /3600 characters once URI-encoded/],
    ['empty', '', /non-empty string/],
  ])('%s → SessionStateError', (_label, id, message) => {
    expect(() => generateWith(() => id)).toThrow(SessionStateError);
    expect(() => generateWith(() => id)).toThrow(message);
  });

  it.each([
    ['the longest that fits', 'a'.repeat(978)],
    ['a uuid', '0f8fad5b-d9cb-469f-a165-70867728950e'],
    ['a prefixed id', 'user:42/abc.def_~!*'],
    ['separators and spaces', 'a;b=c d,e"f\\g'],
    ['non-ASCII and U+2028', 'sessión\u2028😀'],
  ])('accepts %s', (_label, id) => {
    expect(generateWith(() => id).sessionID).toBe(id);
  });
});
