import { sign } from 'cookie-signature';
import { signSessionId } from '../../../lib/core/cookie/cookie-signing.js';
import { readSessionCookie } from '../../../lib/core/transport/session-cookie-header.js';
import { Session, serializeSessionData } from '../../../lib/core/session/session.js';
import type { SessionOperations } from '../../../lib/core/session/session.js';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import { serializeRecordData, serializeSessionRecord, isSessionMadeRecord, toSessionRecord, toSessionRecordByJson } from '../../../lib/core/session/session-record.js';

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

  it('trusts no record a session did not make: one of another making, one without a cookie, one whose cookie was replaced', () => {
    expect(isSessionMadeRecord({ views: 3 } as never)).toBe(false);
    expect(isSessionMadeRecord({ cookie: { originalMaxAge: null } })).toBe(false);
    const byJson = toSessionRecordByJson(sessionWith({ n: 1 }), '{"n":1}');
    byJson.cookie = { ...byJson.cookie };
    expect(isSessionMadeRecord(byJson)).toBe(false);
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
