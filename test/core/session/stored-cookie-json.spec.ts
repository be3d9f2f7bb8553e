import fc from 'fast-check';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import type { StoredCookie } from '../../../lib/core/cookie/session-cookie.js';
import { cookieJsonOfForm, formIdOf, readCookieOfForm, storedCookieJson } from '../../../lib/core/session/stored-cookie-json.js';
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

describe('cookie forms (formIdOf, cookieJsonOfForm, readCookieOfForm): a cookie kept as its form and its expiry', () => {
  const expiresAt = fc.integer({ min: Date.parse('-000100-01-01T00:00:00.000Z'), max: Date.parse('+020000-01-01T00:00:00.000Z') });

  it('gives back what storedCookieJson, JSON.parse and SessionCookie.fromStored give, for any attributes and expiry', () => {
    fc.assert(
      fc.property(attributes, expiresAt, (cookieAttributes, at) => {
        const cookie = SessionCookie.fromAttributes({ ...cookieAttributes, maxAge: null });
        cookie.expires = new Date(at);
        const stored = cookie.toJSON();
        const formId = formIdOf(stored)!;
        expect(formId).toEqual(expect.any(Number));
        expect(cookieJsonOfForm(formId, at)).toBe(storedCookieJson(stored));
        const parsed = JSON.parse(storedCookieJson(stored)) as StoredCookie;
        const read = readCookieOfForm(formId, at)!;
        expect(read.stored).toEqual({ ...parsed, expires: at });
        expect(Object.keys(read.stored)).toEqual(Object.keys(parsed));
        expect(read.cookie.toJSON()).toEqual(SessionCookie.fromStored(parsed).toJSON());
        expect(read.cookie.expiresAt).toBe(at);
      }),
    );
  });

  it('gives one id per attribute set, and each read a cookie of its own', () => {
    const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000, sameSite: 'lax' });
    const other = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: true, maxAge: 60_000, sameSite: 'lax' });
    const formId = formIdOf(cookie.toJSON())!;
    expect(formIdOf(SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000, sameSite: 'lax' }).toJSON())).toBe(formId);
    expect(formIdOf(other.toJSON())).not.toBe(formId);
    const first = readCookieOfForm(formId, Date.UTC(2031, 0, 1))!;
    first.stored.path = '/changed';
    first.cookie.path = '/changed';
    const second = readCookieOfForm(formId, Date.UTC(2031, 0, 1))!;
    expect(second.stored.path).toBe('/');
    expect(second.cookie.path).toBe('/');
  });

  it('gives no form to a cookie without a valid Date expiry, with a creation time, or one not as toJSON makes it', () => {
    const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: null });
    expect(formIdOf(cookie.toJSON())).toBeUndefined();
    cookie.maxAge = 60_000;
    cookie.createdAt = Date.now();
    expect(formIdOf(cookie.toJSON())).toBeUndefined();
    expect(formIdOf({ originalMaxAge: 1000, expires: '2030-01-01T00:00:00.000Z', path: '/' })).toBeUndefined();
    expect(formIdOf({ originalMaxAge: 1000, expires: new Date(Number.NaN), path: '/' })).toBeUndefined();
    expect(formIdOf({ originalMaxAge: 1000, expires: Object.assign(new Date(0), { toJSON: () => 'custom' }), path: '/' })).toBeUndefined();
  });
});
