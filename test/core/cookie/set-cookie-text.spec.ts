import { stringifySetCookie } from 'cookie';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import { setCookieText } from '../../../lib/core/cookie/set-cookie-text.js';
import type { SetCookieAttributes } from '../../../lib/core/cookie/set-cookie-text.js';

/** What the `cookie` package writes for the cookie as it is now, without any cache. */
function packageText(cookie: SessionCookie, name: string, value: string): string {
  return stringifySetCookie(
    {
      name,
      value,
      path: cookie.path,
      domain: cookie.domain,
      httpOnly: cookie.httpOnly,
      secure: cookie.secure,
      sameSite: cookie.sameSite,
      partitioned: cookie.partitioned,
      priority: cookie.priority,
      expires: cookie.expires ?? undefined,
    },
    { encode: encodeURIComponent },
  );
}

const signedValue = 's:abc.d/e+f=g';
const SECOND = Date.UTC(2026, 10, 24, 15, 22, 38);

function newCookie(): SessionCookie {
  return SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000 });
}

describe('Set-Cookie with cached attribute text', () => {
  it("is the cookie package's text, with and without Expires", () => {
    const cookie = newCookie();
    expect(cookie.serialize('connect.sid', signedValue)).toBe(packageText(cookie, 'connect.sid', signedValue));
    cookie.maxAge = null;
    expect(cookie.serialize('connect.sid', signedValue)).toBe('connect.sid=s%3Aabc.d%2Fe%2Bf%3Dg; Path=/; HttpOnly');
  });

  it('follows a handler that changes any attribute between two responses', () => {
    const cookie = newCookie();
    const changes: Array<[string, (target: SessionCookie) => void]> = [
      ['path', (target) => (target.path = '/app')],
      ['domain', (target) => (target.domain = 'example.com')],
      ['httpOnly', (target) => (target.httpOnly = false)],
      ['secure', (target) => (target.secure = true)],
      ['sameSite', (target) => (target.sameSite = 'strict')],
      ['sameSite lax', (target) => (target.sameSite = 'lax')],
      ['partitioned', (target) => (target.partitioned = true)],
      ['priority', (target) => (target.priority = 'high')],
      ['domain removed', (target) => (target.domain = undefined)],
      ['expires', (target) => (target.expires = new Date(SECOND + 86_400_000))],
      ['session cookie', (target) => (target.maxAge = null)],
      ['maxAge', (target) => (target.maxAge = 5_000)],
    ];
    const seen = new Set<string>();
    for (const [label, change] of changes) {
      change(cookie);
      const text = cookie.serialize('connect.sid', signedValue);
      expect({ label, text }).toEqual({ label, text: packageText(cookie, 'connect.sid', signedValue) });
      seen.add(text);
    }
    expect(seen.size).toBe(changes.length);
  });

  it('keeps the texts of two cookie names and of alternating attribute sets apart', () => {
    const plain = newCookie();
    const secure = newCookie();
    secure.secure = true;
    secure.sameSite = 'none';
    for (let round = 0; round < 3; round++) {
      for (const cookie of [plain, secure]) {
        for (const name of ['connect.sid', 'app.sid']) {
          expect(cookie.serialize(name, signedValue)).toBe(packageText(cookie, name, signedValue));
        }
      }
    }
  });

  it('writes Expires to the second, changing exactly at second boundaries', () => {
    const attributes: SetCookieAttributes = newCookie();
    for (const epochMilliseconds of [SECOND - 1, SECOND, SECOND + 1, SECOND + 999, SECOND + 1000, SECOND + 500, SECOND - 1000]) {
      expect(setCookieText('connect.sid', 'v', attributes, epochMilliseconds)).toBe(
        `connect.sid=v; Path=/; Expires=${new Date(epochMilliseconds).toUTCString()}; HttpOnly`,
      );
    }
  });

  it('still refuses what the package refuses: an invalid name, an expiry made invalid in place', () => {
    const cookie = newCookie();
    expect(() => cookie.serialize('bad name', signedValue)).toThrow(TypeError);
    cookie.expires!.setTime(Number.NaN);
    expect(() => cookie.serialize('connect.sid', signedValue)).toThrow(/expires is invalid/);
  });

  it('encodes values as express-session does, and refuses what encodeURIComponent refuses', () => {
    const cookie = newCookie();
    expect(cookie.serialize('connect.sid', 'a b;c')).toBe(packageText(cookie, 'connect.sid', 'a b;c'));
    expect(() => cookie.serialize('connect.sid', '\uD800')).toThrow(URIError);
  });

  it('serves more attribute sets than it caches', () => {
    const cookie = newCookie();
    for (let index = 0; index < 40; index++) {
      cookie.path = `/p${index % 20}`;
      expect(cookie.serialize('connect.sid', signedValue)).toBe(packageText(cookie, 'connect.sid', signedValue));
    }
  });
});
