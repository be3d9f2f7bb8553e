import fc from 'fast-check';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import type { StoredCookie } from '../../../lib/core/cookie/session-cookie.js';
import { storedCookieJson } from '../../../lib/core/session/stored-cookie-json.js';
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
