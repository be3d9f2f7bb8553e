import { jest } from '@jest/globals';
import { createRequire } from 'node:module';
import { parseSetCookie } from 'cookie';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';

/** express-session's own Cookie class, to compare serialized output and JSON keys. */
const ExpressSessionCookie = createRequire(import.meta.url)('express-session/session/cookie.js') as new (
  options?: object,
) => { serialize(name: string, value: string): string; toJSON(): Record<string, unknown>; maxAge: number | null };

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);

beforeEach(() => {
  jest.useFakeTimers({ now: NOW });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('SessionCookie', () => {
  it("has express-session's defaults", () => {
    const cookie = new SessionCookie();
    expect(cookie.path).toBe('/');
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.originalMaxAge).toBeNull();
    expect(cookie.maxAge).toBeNull();
    expect(cookie.expires).toBeNull();
    expect(cookie.expiresAt).toBeUndefined();
  });

  it('setting maxAge moves expires and originalMaxAge', () => {
    const cookie = new SessionCookie();
    cookie.maxAge = 60_000;
    expect(cookie.expires).toEqual(new Date(NOW + 60_000));
    expect(cookie.expiresAt).toBe(NOW + 60_000);
    expect(cookie.originalMaxAge).toBe(60_000);
    cookie.maxAge = null;
    expect(cookie.expires).toBeNull();
    expect(cookie.originalMaxAge).toBeNull();
  });

  it('maxAge is the time left; originalMaxAge stays the full lifetime', () => {
    const cookie = new SessionCookie();
    cookie.maxAge = 60_000;
    jest.setSystemTime(NOW + 15_000);
    expect(cookie.maxAge).toBe(45_000);
    expect(cookie.originalMaxAge).toBe(60_000);
  });

  it('setting expires records the lifetime from now as originalMaxAge', () => {
    const cookie = new SessionCookie();
    cookie.expires = new Date(NOW + 5_000);
    expect(cookie.originalMaxAge).toBe(5_000);
    expect(cookie.maxAge).toBe(5_000);
    cookie.expires = null;
    expect(cookie.originalMaxAge).toBeNull();
  });

  it('rejects a maxAge that is not a finite number', () => {
    const cookie = new SessionCookie();
    expect(() => (cookie.maxAge = Number.NaN)).toThrow(TypeError);
    expect(() => (cookie.maxAge = Infinity)).toThrow(TypeError);
    expect(() => (cookie.maxAge = '1000' as unknown as number)).toThrow(TypeError);
  });

  it('fromAttributes prefers maxAge over expires, and copies the attributes', () => {
    const cookie = SessionCookie.fromAttributes({
      path: '/app',
      httpOnly: false,
      secure: true,
      maxAge: 1_000,
      expires: new Date(NOW + 999_999),
      domain: 'example.com',
      sameSite: 'strict',
      partitioned: true,
      priority: 'high',
    });
    expect(cookie).toMatchObject({
      path: '/app',
      httpOnly: false,
      secure: true,
      domain: 'example.com',
      sameSite: 'strict',
      partitioned: true,
      priority: 'high',
      originalMaxAge: 1_000,
    });
    expect(cookie.expiresAt).toBe(NOW + 1_000);
    const withExpiresOnly = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: null, expires: new Date(NOW + 7_000) });
    expect(withExpiresOnly.expiresAt).toBe(NOW + 7_000);
    expect(withExpiresOnly.originalMaxAge).toBe(7_000);
  });

  it('fromStored reads an ISO string expires and keeps originalMaxAge as stored', () => {
    const cookie = SessionCookie.fromStored({
      originalMaxAge: 3_600_000,
      expires: new Date(NOW + 1_800_000).toISOString(),
      httpOnly: true,
      path: '/',
      secure: false,
      sameSite: 'lax',
    });
    expect(cookie.expires).toEqual(new Date(NOW + 1_800_000));
    expect(cookie.maxAge).toBe(1_800_000);
    expect(cookie.originalMaxAge).toBe(3_600_000);
    expect(cookie.sameSite).toBe('lax');
  });

  it('fromStored of a browser-session cookie has no expiry, and keeps defaults for missing keys', () => {
    const cookie = SessionCookie.fromStored({ originalMaxAge: null, expires: null });
    expect(cookie.expires).toBeNull();
    expect(cookie.maxAge).toBeNull();
    expect(cookie.path).toBe('/');
    expect(cookie.httpOnly).toBe(true);
  });

  it("toJSON has express-session's Cookie JSON keys, in the same order", () => {
    const options = { path: '/p', httpOnly: true, secure: true, domain: 'example.com', sameSite: 'lax' as const, priority: 'low' as const, partitioned: true };
    const cookie = SessionCookie.fromAttributes({ ...options, maxAge: 10_000 });
    const expressCookie = new ExpressSessionCookie({ ...options, maxAge: 10_000 });
    expect(Object.keys(cookie.toJSON())).toEqual(Object.keys(expressCookie.toJSON()));
    expect(JSON.parse(JSON.stringify(cookie))).toEqual(JSON.parse(JSON.stringify(expressCookie)));
  });

  it('toJSON() gives expires as a Date, as express-session does; JSON.stringify writes the same text as express-session for any expiry', () => {
    const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 10_000 });
    expect(cookie.toJSON().expires).toBeInstanceOf(Date);
    for (const date of [new Date(NOW + 1), new Date(NOW + 999), new Date(NOW + 60_000), new Date(Date.UTC(2099, 11, 31, 23, 59, 59, 7))]) {
      cookie.expires = date;
      const expressCookie = new ExpressSessionCookie({ path: '/', httpOnly: true, secure: false });
      (expressCookie as unknown as { expires: Date }).expires = date;
      expect(JSON.stringify(cookie)).toBe(JSON.stringify(expressCookie));
      expect(JSON.stringify({ cookie, n: 1 })).toBe(JSON.stringify({ cookie: expressCookie, n: 1 }));
    }
    // A Date of the app's own making with its own toJSON is written by that toJSON.
    const ownDate = Object.assign(new Date(NOW + 5_000), { toJSON: () => 'the app’s text' });
    cookie.expires = ownDate;
    expect(JSON.parse(JSON.stringify(cookie)).expires).toBe('the app’s text');
  });

  it('JSON of a default cookie equals express-session’s', () => {
    const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: null });
    const expressCookie = new ExpressSessionCookie({ path: '/', httpOnly: true, secure: false, maxAge: null });
    expect(JSON.stringify(cookie)).toBe(JSON.stringify(expressCookie));
  });

  describe('serialize', () => {
    const signedValue = 's:abc.d/e+f=g';

    it('URL-encodes the value as express-session does', () => {
      const cookie = new SessionCookie();
      expect(cookie.serialize('connect.sid', signedValue)).toBe(new ExpressSessionCookie().serialize('connect.sid', signedValue));
      expect(cookie.serialize('connect.sid', signedValue)).toBe('connect.sid=s%3Aabc.d%2Fe%2Bf%3Dg; Path=/; HttpOnly');
    });

    it.each([
      ['every attribute', { path: '/p', httpOnly: true, secure: true, maxAge: 60_000, domain: 'example.com', sameSite: true, priority: 'high', partitioned: true }],
      ['sameSite none, not httpOnly', { path: '/', httpOnly: false, secure: true, maxAge: null, sameSite: 'none' }],
      ['sameSite lax, priority medium', { path: '/', httpOnly: true, secure: false, maxAge: 1_000, sameSite: 'lax', priority: 'medium' }],
      ['sameSite false', { path: '/', httpOnly: true, secure: false, maxAge: null, sameSite: false }],
    ] as const)('matches express-session Cookie#serialize attributes with %s', (_label, options) => {
      const ours = parseSetCookie(SessionCookie.fromAttributes(options as never).serialize('connect.sid', signedValue));
      const theirs = parseSetCookie(new ExpressSessionCookie({ ...options }).serialize('connect.sid', signedValue));
      expect(ours).toEqual(theirs);
    });

    it('writes no Max-Age attribute, only Expires (as express-session)', () => {
      const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000 });
      const header = cookie.serialize('connect.sid', 'v');
      expect(header).not.toMatch(/Max-Age/i);
      expect(header).toContain(`Expires=${new Date(NOW + 60_000).toUTCString()}`);
    });
  });

  it('serializeExpired empties the value and expires it in 1970, with the same path and domain', () => {
    const cookie = SessionCookie.fromAttributes({ path: '/app', httpOnly: true, secure: true, maxAge: 60_000, domain: 'example.com', sameSite: 'strict' });
    const parsed = parseSetCookie(cookie.serializeExpired('connect.sid'));
    expect(parsed).toMatchObject({ name: 'connect.sid', value: '', path: '/app', domain: 'example.com', secure: true, httpOnly: true, sameSite: 'strict' });
    expect(parsed.expires?.getTime()).toBe(0);
  });
});
