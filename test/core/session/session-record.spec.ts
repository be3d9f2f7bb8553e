import { sign } from 'cookie-signature';
import { signSessionId } from '../../../lib/core/cookie/cookie-signing.js';
import { readSessionCookie } from '../../../lib/core/transport/session-cookie-header.js';
import { Session, serializeSessionData } from '../../../lib/core/session/session.js';
import type { SessionOperations } from '../../../lib/core/session/session.js';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import fc from 'fast-check';
import {
  cookieEndOf,
  flatRecordJsonOf,
  recordJsonOf,
  recordJsonWithMembers,
  serializeRecordData,
  serializeSessionRecord,
  isSessionMadeRecord,
  toSessionRecord,
  toSessionRecordByJson,
  withCookieJson,
} from '../../../lib/core/session/session-record.js';
import { sealedRecordJson } from '../../../lib/core/store/at-rest/sealed-record.js';

const operations = {} as SessionOperations;

function sessionWith(data?: Record<string, unknown>): Session {
  const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000 });
  return new Session(operations, 'session-id', cookie, data);
}

describe('serializeSessionRecord', () => {
  it.each([
    ['empty data', undefined],
    ['a counter', { counter: 3 }],
    ['nested values, dates and undefined', { user: { id: 7, roles: ['a'] }, at: new Date(0), gone: undefined }],
  ])('reusing the data JSON gives JSON.stringify of the record (%s)', (_name, data) => {
    const session = sessionWith(data);
    const record = toSessionRecord(session, serializeSessionData(session));
    expect(serializeSessionRecord(record)).toBe(JSON.stringify(record));
    expect(JSON.parse(serializeSessionRecord(record))).toEqual(JSON.parse(JSON.stringify(toSessionRecord(session))));
  });

  it('keeps the data JSON out of sight: the record looks as without it', () => {
    const session = sessionWith({ counter: 1 });
    const record = toSessionRecord(session, serializeSessionData(session));
    expect(Object.keys(record)).toEqual(['cookie', 'counter']);
    expect(record).toEqual(toSessionRecord(session));
    expect({ ...record }).toEqual(toSessionRecord(session));
  });

  it('serializes a record without the data JSON in full', () => {
    const record = toSessionRecord(sessionWith({ counter: 2 }));
    expect(serializeSessionRecord(record)).toBe(JSON.stringify(record));
  });

  it('serializeRecordData gives the data without the cookie: the text toSessionRecord was given, or JSON.stringify of the rest', () => {
    const session = sessionWith({ user: { id: 7 }, counter: 2 });
    const withText = toSessionRecord(session, serializeSessionData(session));
    expect(serializeRecordData(withText)).toBe('{"user":{"id":7},"counter":2}');
    expect(serializeRecordData(toSessionRecord(session))).toBe('{"user":{"id":7},"counter":2}');
    expect(serializeRecordData({ cookie: withText.cookie })).toBe('{}');
  });
});

describe('toSessionRecordByJson (the record for a store\'s immediate calls)', () => {
  it.each([
    ['empty data', undefined],
    ['a counter', { counter: 3 }],
    ['30 keys of nested values', Object.fromEntries(Array.from({ length: 30 }, (_, index) => [`key${index}`, { index, tags: ['a', 'b'] }]))],
  ])('serializes as the whole record does, trusted as a session\'s, without the data copied onto it (%s)', (_name, data) => {
    const session = sessionWith(data);
    const dataJson = serializeSessionData(session);
    const byJson = toSessionRecordByJson(session, dataJson);
    expect(Object.keys(byJson)).toEqual(['cookie']);
    expect(serializeSessionRecord(byJson)).toBe(JSON.stringify(toSessionRecord(session)));
    expect(serializeRecordData(byJson)).toBe(dataJson);
    expect(isSessionMadeRecord(byJson)).toBe(true);
  });
});

describe("a record's JSON written from its parts (recordJsonOf and the texts built on it)", () => {
  const cookie = fc.record({ originalMaxAge: fc.option(fc.nat()), expires: fc.option(fc.date({ noInvalidDate: true })), path: fc.string(), httpOnly: fc.boolean() });
  // Keys that keep their place in an object (integer-like keys go first, whatever the text says).
  const data = fc.dictionary(fc.string().filter((key) => key !== 'cookie' && key !== '__proto__' && !/^\d+$/.test(key)), fc.jsonValue());

  it('gives JSON.stringify of the record, flat or not; a cookie swapped in place gives the record with the other cookie', () => {
    fc.assert(
      fc.property(cookie, cookie, data, (first, second, values) => {
        const [firstJson, secondJson, dataJson] = [JSON.stringify(first), JSON.stringify(second), JSON.stringify(values)];
        const expected = JSON.stringify({ cookie: first, ...values });
        expect(recordJsonOf(firstJson, dataJson)).toBe(expected);
        expect(flatRecordJsonOf(firstJson, dataJson)).toBe(expected);
        expect(withCookieJson(expected, cookieEndOf(firstJson), secondJson)).toBe(JSON.stringify({ cookie: second, ...values }));
      }),
    );
  });

  it("writes a sealed record's JSON as JSON.stringify would, from data members given as JSON", () => {
    fc.assert(
      fc.property(cookie, fc.stringMatching(/^[A-Za-z0-9_.-]+$/), (first, sealed) => {
        const cookieJson = JSON.stringify(first);
        expect(sealedRecordJson(cookieJson, sealed)).toBe(JSON.stringify({ cookie: first, __sealed: sealed }));
        expect(recordJsonWithMembers(cookieJson, '"a":1,"b":[2]')).toBe(JSON.stringify({ cookie: first, a: 1, b: [2] }));
      }),
    );
  });
});

describe('readSessionCookie', () => {
  const secrets = ['current', 'previous'];

  it('gives back the value signed with the current secret, exactly what signing again gives', () => {
    const cookieValue = signSessionId('abc', 'current');
    const read = readSessionCookie(`connect.sid=${encodeURIComponent(cookieValue)}`, 'connect.sid', secrets);
    expect(read).toEqual({ sessionId: 'abc', currentSignedValue: cookieValue, currentEncodedValue: undefined });
    expect(read?.currentSignedValue).toBe(signSessionId('abc', secrets[0]!));
  });

  it('has no reusable value for a cookie signed with an older secret (it must be signed again)', () => {
    const header = `connect.sid=${encodeURIComponent('s:' + sign('abc', 'previous'))}`;
    expect(readSessionCookie(header, 'connect.sid', secrets)).toEqual({ sessionId: 'abc', currentSignedValue: undefined, currentEncodedValue: undefined });
  });

  it('decodes only the session cookie; others with malformed escapes do not matter', () => {
    const header = `a=%E0%A4%A; connect.sid=${encodeURIComponent(signSessionId('abc', 'current'))}; b=%`;
    expect(readSessionCookie(header, 'connect.sid', secrets)?.sessionId).toBe('abc');
  });
});
