import { jest } from '@jest/globals';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import { isUsableRecord } from '../../../lib/core/session/session-record.js';

const NOW = Date.UTC(2030, 0, 1);

beforeEach(() => {
  jest.useFakeTimers({ now: NOW });
});
afterEach(() => {
  jest.useRealTimers();
});

/** A stored cookie as express-session writes it, every attribute set. */
const validCookie = {
  originalMaxAge: 60_000,
  expires: new Date(NOW + 60_000).toISOString(),
  secure: true,
  httpOnly: true,
  partitioned: false,
  domain: 'example.com',
  path: '/app',
  sameSite: 'lax',
  priority: 'high',
  createdAt: NOW - 1_000,
};

function withCookieField(field: string, value: unknown): { cookie: Record<string, unknown>; views: number } {
  return { cookie: { ...validCookie, [field]: value }, views: 3 };
}

describe('isUsableRecord: every stored cookie field is checked', () => {
  it('accepts a complete valid record, and one with only express-session\'s minimum', () => {
    expect(isUsableRecord({ cookie: validCookie })).toBe(true);
    expect(isUsableRecord({ cookie: { originalMaxAge: null } })).toBe(true);
    expect(isUsableRecord({ cookie: {} })).toBe(true);
  });

  it.each([
    ['originalMaxAge', null],
    ['originalMaxAge', -5_000],
    ['expires', null],
    ['expires', new Date(NOW - 10_000)],
    ['expires', NOW + 60_000],
    ['domain', '.example.com'],
    ['domain', 'localhost'],
    ['domain', '127.0.0.1'],
    ['path', '/a b/c'],
    ['sameSite', true],
    ['sameSite', false],
    ['sameSite', 'Strict'],
    ['sameSite', 'none'],
    ['priority', 'LOW'],
    ['secure', null],
    ['createdAt', null],
    ['unknownExtraKey', { anything: 1 }],
  ])('accepts %s = %j (missing or null takes the default)', (field, value) => {
    expect(isUsableRecord(withCookieField(field, value))).toBe(true);
    expect(() => SessionCookie.fromStored(withCookieField(field, value).cookie as never)).not.toThrow();
  });

  it.each([
    ['originalMaxAge', 'abc'],
    ['originalMaxAge', '3600000'],
    ['originalMaxAge', {}],
    ['originalMaxAge', Number.NaN],
    ['originalMaxAge', Infinity],
    ['originalMaxAge', 1e300],
    ['originalMaxAge', true],
    ['expires', 'not a date'],
    ['expires', ''],
    ['expires', 8.64e15],
    ['expires', Number.NaN],
    ['expires', {}],
    ['expires', '+275760-09-14T00:00:00.000Z'],
    ['secure', 'true'],
    ['httpOnly', 1],
    ['partitioned', 'yes'],
    ['domain', 'a b'],
    ['domain', 'example.com:3000'],
    ['domain', 'example.com/path'],
    ['domain', 'exa;mple.com'],
    ['domain', 42],
    ['path', 'relative'],
    ['path', '/a;b'],
    ['path', '/a\nb'],
    ['path', '/é'],
    ['path', 7],
    ['sameSite', 'bogus'],
    ['sameSite', 1],
    ['priority', 'urgent'],
    ['priority', 2],
    ['createdAt', '2030-01-01'],
    ['createdAt', Number.NaN],
    ['createdAt', 1e300],
  ])('refuses %s = %j: the record is unusable (a new session starts)', (field, value) => {
    expect(isUsableRecord(withCookieField(field, value))).toBe(false);
  });

  it('refuses cookies that are not plain objects', () => {
    expect(isUsableRecord({ cookie: [] })).toBe(false);
    expect(isUsableRecord({ cookie: null })).toBe(false);
    expect(isUsableRecord({ cookie: 'x' })).toBe(false);
    expect(isUsableRecord([])).toBe(false);
  });
});

describe('SessionCookie.fromStored', () => {
  it('keeps every attribute of a valid stored cookie, names lower-cased', () => {
    const cookie = SessionCookie.fromStored({ ...validCookie, sameSite: 'Lax', priority: 'HIGH' } as never);
    expect(cookie.toJSON()).toEqual({ ...validCookie, expires: new Date(validCookie.expires) });
    expect(cookie.serialize('sid', 'v')).toBe(
      `sid=v; Domain=example.com; Path=/app; Expires=${new Date(NOW + 60_000).toUTCString()}; HttpOnly; Secure; Priority=High; SameSite=Lax`,
    );
  });

  it('takes the defaults for null fields, as for missing ones', () => {
    const cookie = SessionCookie.fromStored({ originalMaxAge: null, path: null, httpOnly: null, domain: null } as never);
    expect(cookie.path).toBe('/');
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.domain).toBeUndefined();
  });
});
