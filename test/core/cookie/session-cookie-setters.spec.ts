import { jest } from '@jest/globals';
import { SessionCookieError } from '../../../lib/core/errors.js';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';

const NOW = Date.UTC(2030, 0, 1);

beforeEach(() => {
  jest.useFakeTimers({ now: NOW });
});
afterEach(() => {
  jest.useRealTimers();
});

/** The SessionCookieError a handler's assignment throws. */
function assignmentError(assign: (cookie: SessionCookie) => void): SessionCookieError {
  const cookie = new SessionCookie();
  try {
    assign(cookie as SessionCookie);
  } catch (error) {
    expect(error).toBeInstanceOf(SessionCookieError);
    return error as SessionCookieError;
  }
  throw new Error('expected the assignment to throw');
}

describe('SessionCookie: a handler\'s assignments are checked where they are made', () => {
  it.each([
    ['maxAge', 1e300],
    ['maxAge', Number.NaN],
    ['maxAge', '3600000'],
    ['originalMaxAge', Infinity],
    ['domain', 'a b'],
    ['domain', 'example.com:8080'],
    ['path', '/a;b'],
    ['path', 'nope'],
    ['sameSite', 'bogus'],
    ['sameSite', 'auto'],
    ['priority', 'urgent'],
    ['secure', 'yes'],
    ['httpOnly', 0],
    ['partitioned', 'true'],
    ['expires', new Date(Number.NaN)],
    ['expires', '2030-01-01'],
    ['expires', new Date(8.64e15)],
    ['createdAt', 'yesterday'],
  ])('%s = %j throws a SessionCookieError naming it, and leaves the cookie as it was', (attribute, value) => {
    const error = assignmentError((cookie) => {
      (cookie as unknown as Record<string, unknown>)[attribute] = value;
    });
    expect(error.attribute).toBe(attribute);
    expect(error.message).toContain(`\`${attribute}\``);
    const cookie = new SessionCookie();
    const before = cookie.serialize('sid', 'v');
    try {
      (cookie as unknown as Record<string, unknown>)[attribute] = value;
    } catch {
      // checked above
    }
    expect(cookie.serialize('sid', 'v')).toBe(before);
  });

  it('a numeric string maxAge says it received a string', () => {
    expect(assignmentError((cookie) => (cookie.maxAge = '60000' as never)).message).toContain('received the string "60000"');
  });

  it('accepts what browsers take, names in any casing (stored lower-cased)', () => {
    const cookie = new SessionCookie();
    cookie.domain = '.Example.com';
    cookie.path = '/app/x-y_z';
    cookie.sameSite = 'Strict' as never;
    cookie.priority = 'Medium' as never;
    cookie.secure = true;
    cookie.partitioned = true;
    cookie.maxAge = 4.32e15;
    cookie.domain = undefined;
    expect(cookie.sameSite).toBe('strict');
    expect(cookie.priority).toBe('medium');
    expect(() => cookie.serialize('sid', 'v')).not.toThrow();
  });

  it('a Date as maxAge sets the expiry (express-session\'s deprecated form), warning once', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const cookie = new SessionCookie();
      cookie.maxAge = new Date(NOW + 90_000) as never;
      expect(cookie.expires).toEqual(new Date(NOW + 90_000));
      expect(cookie.originalMaxAge).toBe(90_000);
      cookie.maxAge = new Date(NOW + 10_000) as never;
      const dateWarnings = emitWarning.mock.calls.filter(([message]) => String(message).includes('maxAge as a Date'));
      expect(dateWarnings).toHaveLength(1);
    } finally {
      emitWarning.mockRestore();
    }
  });
});

describe('SessionCookie inspection', () => {
  it('console.log / util.inspect show the attributes, as express-session\'s Cookie does', async () => {
    const { inspect } = await import('node:util');
    const cookie = new SessionCookie();
    cookie.domain = 'example.com';
    cookie.maxAge = 1_000;
    expect(inspect(cookie)).toContain("domain: 'example.com'");
    expect(inspect(cookie)).toContain('originalMaxAge: 1000');
  });
});
