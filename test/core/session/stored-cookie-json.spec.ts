import fc from 'fast-check';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import type { StoredCookie } from '../../../lib/core/cookie/session-cookie.js';
import { cookieOfWrittenForm, parseRecordOfWrittenCookie, storedCookieJson } from '../../../lib/core/session/stored-cookie-json.js';
import { cookieEndOf, recordJsonOf } from '../../../lib/core/session/record-json.js';
import { serializeRecordCookie, serializeSessionRecord, toSessionRecord } from '../../../lib/core/session/session-record.js';
import { Session } from '../../../lib/core/session/session.js';
import type { SessionOperations } from '../../../lib/core/session/session.js';

const attributes = fc.record({
  path: fc.constantFrom('/', '/app', '/a}b', '/"quoted"'),
  httpOnly: fc.boolean(),
  secure: fc.boolean(),
  maxAge: fc.option(fc.integer({ min: -86_400_000, max: 400 * 86_400_000 }), { nil: null }),
  domain: fc.option(fc.constantFrom('example.com', 'a.example.org'), { nil: undefined }),
  sameSite: fc.option(fc.constantFrom<boolean | 'lax' | 'strict' | 'none'>(true, false, 'lax', 'strict', 'none'), { nil: undefined }),
  partitioned: fc.option(fc.boolean(), { nil: undefined }),
  priority: fc.option(fc.constantFrom<'low' | 'medium' | 'high'>('low', 'medium', 'high'), { nil: undefined }),
});

describe('storedCookieJson', () => {
  it('is JSON.stringify of the cookie SessionCookie#toJSON makes, for any attribute set, expiry and creation time', () => {
    fc.assert(
      fc.property(attributes, fc.option(fc.integer({ min: 0, max: 4_000_000_000_000 }), { nil: undefined }), (cookieAttributes, createdAt) => {
        const cookie = SessionCookie.fromAttributes(cookieAttributes);
        if (createdAt !== undefined) cookie.createdAt = createdAt;
        const stored = cookie.toJSON();
        expect(storedCookieJson(stored)).toBe(JSON.stringify(stored));
        // A second time from the cache of its attribute set.
        expect(storedCookieJson(stored)).toBe(JSON.stringify(stored));
      }),
    );
  });

  it('stringifies anything else as it is: an invalid Date, a Date with its own toJSON, an expiry as text', () => {
    const invalid: StoredCookie = { originalMaxAge: null, expires: new Date(Number.NaN), path: '/' };
    const ownToJson = Object.assign(new Date(0), { toJSON: () => 'custom' });
    const withOwnToJson: StoredCookie = { originalMaxAge: 1000, expires: ownToJson, path: '/' };
    const asText: StoredCookie = { originalMaxAge: 1000, expires: '2030-01-01T00:00:00.000Z', path: '/' };
    for (const cookie of [invalid, withOwnToJson, asText]) expect(storedCookieJson(cookie)).toBe(JSON.stringify(cookie));
  });
});

describe('serializeSessionRecord and serializeRecordCookie', () => {
  const session = () => {
    const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000, sameSite: 'lax' });
    return new Session({} as SessionOperations, 'sid', cookie, { counter: 3, user: { name: 'ada' } } as never);
  };

  it('give JSON.stringify of the record toSessionRecord made, and of a record whose cookie was replaced since', () => {
    const dataJson = JSON.stringify({ counter: 3, user: { name: 'ada' } });
    const record = toSessionRecord(session(), dataJson);
    expect(serializeSessionRecord(record)).toBe(JSON.stringify(record));
    expect(serializeRecordCookie(record)).toBe(JSON.stringify(record.cookie));
    record.cookie = { ...record.cookie, path: '/elsewhere' };
    expect(serializeSessionRecord(record)).toBe(JSON.stringify(record));
    expect(serializeRecordCookie(record)).toBe(JSON.stringify(record.cookie));
  });

  it('stringify a record no toSessionRecord made as it is', () => {
    const record = { cookie: { originalMaxAge: null, path: '/' }, counter: 1 };
    expect(serializeSessionRecord(record)).toBe(JSON.stringify(record));
    expect(serializeRecordCookie(record)).toBe(JSON.stringify(record.cookie));
  });
});

describe('reading back a cookie storedCookieJson wrote (parseRecordOfWrittenCookie, cookieOfWrittenForm)', () => {
  // Expiries with a four-digit year: the ones written as `toISOString()`'s 24 characters.
  const expiresAt = fc.integer({ min: Date.parse('0000-01-01T00:00:00.000Z'), max: Date.parse('9999-12-31T23:59:59.999Z') });
  const data = fc.dictionary(fc.string().filter((key) => key !== 'cookie' && key !== '__proto__'), fc.jsonValue(), { maxKeys: 5 });

  /** A session's record JSON, its cookie written by storedCookieJson, and where that cookie ends. */
  function written(cookieAttributes: Parameters<typeof SessionCookie.fromAttributes>[0], at: number, sessionData: Record<string, unknown>) {
    const cookie = SessionCookie.fromAttributes({ ...cookieAttributes, maxAge: null });
    cookie.expires = new Date(at);
    const cookieJson = storedCookieJson(cookie.toJSON());
    return { json: recordJsonOf(cookieJson, JSON.stringify(sessionData)), cookieEnd: cookieEndOf(cookieJson) };
  }

  it('gives what JSON.parse and SessionCookie.fromStored give, keys in the same order, for any attributes, expiry and data', () => {
    fc.assert(
      fc.property(attributes, expiresAt, data, (cookieAttributes, at, sessionData) => {
        const { json, cookieEnd } = written(cookieAttributes, at, sessionData);
        const parsed = JSON.parse(json) as { cookie: StoredCookie };
        const record = parseRecordOfWrittenCookie(json, cookieEnd);
        expect(record).toEqual(parsed);
        expect(JSON.stringify(record)).toBe(JSON.stringify(parsed));
        const cookie = cookieOfWrittenForm(json, cookieEnd, at)!;
        expect(cookie.toJSON()).toEqual(SessionCookie.fromStored(parsed.cookie).toJSON());
        expect(cookie.expiresAt).toBe(at);
      }),
    );
  });

  it('gives each read a cookie and a record of its own', () => {
    const { json, cookieEnd } = written({ path: '/', httpOnly: true, secure: false, maxAge: null, sameSite: 'lax' }, Date.UTC(2031, 0, 1), { n: 1 });
    const first = parseRecordOfWrittenCookie(json, cookieEnd)!;
    first.cookie.path = '/changed';
    expect(parseRecordOfWrittenCookie(json, cookieEnd)!.cookie.path).toBe('/');
    const cookie = cookieOfWrittenForm(json, cookieEnd, Date.UTC(2031, 0, 1))!;
    cookie.path = '/changed';
    expect(cookieOfWrittenForm(json, cookieEnd, Date.UTC(2031, 0, 1))!.path).toBe('/');
  });

  it('reads no other text: a cookie in no written form, another end, an edited form or expiry', () => {
    const at = Date.UTC(2031, 5, 1, 12, 30);
    const { json, cookieEnd } = written({ path: '/', httpOnly: true, secure: false, maxAge: null }, at, { n: 1 });
    const others: [string, number][] = [
      [json, cookieEnd - 1],
      [json, cookieEnd + 1],
      [json.replace('"httpOnly":true', '"httpOnly":tru1'), cookieEnd],
      [json.replace('"path":"/"', '"path":"?"'), cookieEnd],
      // An expiry whose quotes moved: the same length, but not one string of 24 characters.
      [json.replace(/"expires":"(.)(.{22})(.)"/, '"expires":$1"$2"$3'), cookieEnd],
    ];
    const unwritten = JSON.stringify({ cookie: { originalMaxAge: null, expires: new Date(at).toISOString(), path: '/x', httpOnly: false }, n: 1 });
    others.push([unwritten, unwritten.indexOf(',"n"')]);
    for (const [text, end] of others) {
      expect(parseRecordOfWrittenCookie(text, end)).toBeUndefined();
      expect(cookieOfWrittenForm(text, end, at)).toBeUndefined();
    }
    expect(parseRecordOfWrittenCookie(json, cookieEnd)).toEqual(JSON.parse(json));
  });
});
