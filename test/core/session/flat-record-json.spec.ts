import fc from 'fast-check';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import type { StoredCookie } from '../../../lib/core/cookie/session-cookie.js';
import { readFlatRecordJson } from '../../../lib/core/session/flat-record-json.js';
import { SHORTEST_ADOPTED_DATA_JSON } from '../../../lib/core/session/session.js';
import { storedCookieJson } from '../../../lib/core/session/stored-cookie-json.js';

const HOUR_MS = 60 * 60 * 1000;

/** A session's cookie as the app makes it, and its stored form (`toJSON()`: `expires` a Date). */
function sessionCookie(secure = false, maxAge = HOUR_MS): StoredCookie {
  const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure, domain: undefined, sameSite: 'lax', partitioned: undefined, priority: undefined, maxAge });
  return cookie.toJSON();
}

/** The record's JSON as a store holds it: `JSON.stringify` of the cookie first, then the data (`storedCookieJson` makes the cookie's form known). */
function recordJson(cookie: StoredCookie, data: Record<string, unknown>): string {
  const json = JSON.stringify({ cookie, ...data });
  expect(json.startsWith(`{"cookie":${storedCookieJson(cookie)}`)).toBe(true);
  return json;
}

const flatValue = fc.oneof(fc.string(), fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 }), fc.boolean(), fc.constant(null));
const flatData = fc.dictionary(fc.string().filter((key) => key !== 'cookie' && key !== '__proto__' && !/^\d+$/.test(key)), flatValue, { maxKeys: 8 });

describe('readFlatRecordJson', () => {
  it("reads a record of a known cookie form and flat data as JSON.parse does, with the cookie made as fromStored makes it", () => {
    fc.assert(
      fc.property(flatData, fc.integer({ min: 1_000, max: 400 * 24 * HOUR_MS }), fc.boolean(), (data, maxAge, secure) => {
        const json = recordJson(sessionCookie(secure, maxAge), data);
        const read = readFlatRecordJson(json);
        if (read === undefined) {
          // Escaped text, and data too long for a copied session, are left to JSON.parse.
          expect(json.includes('\\') || json.length - json.indexOf('}') - 1 >= SHORTEST_ADOPTED_DATA_JSON).toBe(true);
          return;
        }
        const parsed = JSON.parse(json) as { cookie: StoredCookie } & Record<string, unknown>;
        const { cookie: storedCookie, ...parsedData } = parsed;
        const { cookie: readCookie, ...readData } = read.record as unknown as { cookie: StoredCookie } & Record<string, unknown>;
        expect(Object.keys(readData)).toEqual(Object.keys(parsedData));
        expect(readData).toEqual(parsedData);
        expect(readCookie).toEqual({ ...storedCookie, expires: Date.parse(storedCookie.expires as string) });
        expect(read.cookie.toJSON('')).toEqual(SessionCookie.fromStored(storedCookie).toJSON(''));
        expect(read.dataJson).toBe(JSON.stringify(data));
        expect(json.slice(0, read.cookieEnd)).toBe(`{"cookie":${JSON.stringify(storedCookie)}`);
      }),
      { numRuns: 500 },
    );
  });

  it('reads a session without data, and one whose only key is a word', () => {
    const cookie = sessionCookie();
    expect(readFlatRecordJson(recordJson(cookie, {}))?.dataJson).toBe('{}');
    expect(readFlatRecordJson(recordJson(cookie, { counter: 1 }))?.record).toMatchObject({ counter: 1 });
  });

  it('leaves to JSON.parse any text it cannot read exactly so', () => {
    const cookie = sessionCookie();
    const cookieJson = storedCookieJson(cookie);
    const expiresText = (cookie.expires as Date).toISOString();
    const unknownForm = JSON.stringify({ ...cookie, path: '/elsewhere' });
    for (const json of [
      `{"cookie":${unknownForm},"n":1}`, // a cookie of no form this process wrote
      `{"cookie":${cookieJson},"n":{"nested":1}}`,
      `{"cookie":${cookieJson},"n":1.5}`,
      `{"cookie":${cookieJson},"n":"a\\"b"}`,
      `{"cookie":${cookieJson}, "n":1}`,
      `{"cookie":${cookieJson},}`,
      `{"cookie":${cookieJson},"n":1,}`,
      `{"cookie":${cookieJson},"cookie":1}`, // JSON.parse keeps the second
      `{"cookie":${cookieJson},"__proto__":1}`,
      `{"cookie":${cookieJson}`,
      `{"cookie":${cookieJson}}}`,
      `{"n":1,"cookie":${cookieJson}}`,
      `{"cookie":${cookieJson.replace(expiresText, expiresText.replace('.', ','))},"n":1}`,
      `{"cookie":${cookieJson.replace(expiresText, '2026-02-30T00:00:00.000Z')},"n":1}`,
      `{"cookie":${cookieJson.replace(`"${expiresText}"`, 'null')},"n":1}`,
      `{"cookie":${JSON.stringify({ ...cookie, createdAt: 1 })},"n":1}`,
      `{"cookie":${cookieJson},${Array.from({ length: 40 }, (_, index) => `"k${index}":${index}`).join(',')}}`,
    ]) {
      expect(readFlatRecordJson(json)).toBeUndefined();
    }
  });

  it('tells forms apart that share the text before the expiry', () => {
    const insecure = sessionCookie(false);
    const secure = sessionCookie(true);
    for (const cookie of [insecure, secure]) {
      const read = readFlatRecordJson(recordJson(cookie, { n: 1 }));
      expect(read?.cookie.secure).toBe(cookie.secure);
    }
  });
});
