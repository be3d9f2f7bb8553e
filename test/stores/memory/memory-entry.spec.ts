import fc from 'fast-check';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import { Session, serializeSessionData } from '../../../lib/core/session/session.js';
import type { SessionOperations } from '../../../lib/core/session/session.js';
import { serializeSessionRecord, toSessionRecord, toSessionRecordByJson } from '../../../lib/core/session/session-record.js';
import { dataJsonAt } from '../../../lib/core/session/record-json.js';
import { compactMemoryEntry, dataJsonOfEntry, expiryOf, jsonOf, MAX_EXPIRES_AT, memoryEntry, sessionRecordOf, storedRecordOf, touchedEntry } from '../../../lib/stores/memory/memory-entry.js';

describe('the MemoryStore entry', () => {
  it('gives back the expiry (whole ms), the data after the cookie end and the JSON it was made of', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: MAX_EXPIRES_AT, noNaN: true }), fc.integer({ min: 0, max: 32_767 }), fc.string({ unit: 'binary' }), (expiresAt, cookieEnd, json) => {
        const entry = memoryEntry(expiresAt, json, cookieEnd);
        expect(expiryOf(entry)).toBe(Math.floor(expiresAt));
        expect(dataJsonOfEntry(entry)).toBe(cookieEnd === 0 ? undefined : dataJsonAt(json, cookieEnd));
        expect(jsonOf(entry)).toBe(json);
      }),
    );
  });

  it('records an unknown cookie end (out of range) as not known', () => {
    for (const cookieEnd of [-1, 32_768, 65_536, Number.NaN]) expect(dataJsonOfEntry(memoryEntry(Date.now(), '{"cookie":{},"n":1}', cookieEnd))).toBeUndefined();
  });

  it('keeps expiries in order of time, including the latest it can hold', () => {
    const now = Date.now();
    expect(expiryOf(memoryEntry(MAX_EXPIRES_AT, '{}', 0))).toBe(MAX_EXPIRES_AT);
    expect(expiryOf(memoryEntry(now + 1, '{}', 0))).toBeGreaterThan(expiryOf(memoryEntry(now, '{}', 0)));
  });
});

describe('the compact entry of a session (its data, its cookie as a form)', () => {
  function sessionRecord(data: Record<string, unknown>, maxAge: number | null = 60_000, path = '/') {
    const session = new Session({} as SessionOperations, 'id', SessionCookie.fromAttributes({ path, httpOnly: true, secure: false, maxAge, sameSite: 'lax' }), data);
    return toSessionRecordByJson(session, serializeSessionData(session));
  }
  const dataOf = fc.dictionary(fc.string().filter((key) => key !== 'cookie' && key !== '__proto__'), fc.jsonValue(), { maxKeys: 5 });

  it('holds what the JSON entry would: the same record JSON, data and cookie end; loads the data with the cookie made from its form', () => {
    fc.assert(
      fc.property(dataOf, fc.integer({ min: 1, max: 400 * 86_400_000 }), (data, maxAge) => {
        const record = sessionRecord(data, maxAge);
        const expiresAt = (record.cookie.expires as Date).getTime();
        const dataJson = serializeSessionData(new Session({} as SessionOperations, 'id', SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: null }), data));
        const compact = compactMemoryEntry(expiresAt, record, dataJson)!;
        const json = serializeSessionRecord(record);
        expect(jsonOf(compact)).toBe(json);
        expect(storedRecordOf(compact)).toEqual(JSON.parse(json));
        expect(dataJsonOfEntry(compact)).toBe(dataJson);
        expect(expiryOf(compact)).toBe(expiresAt);
        expect(compact.length).toBeLessThan(memoryEntry(expiresAt, json, json.length - (dataJson === '{}' ? 1 : dataJson.length)).length);
        const { record: loaded, cookie } = sessionRecordOf(compact);
        const { cookie: storedCookie, ...storedData } = JSON.parse(json) as typeof record;
        expect(loaded).toEqual({ ...storedData, cookie: { ...storedCookie, expires: expiresAt } });
        expect(cookie!.toJSON()).toEqual(SessionCookie.fromStored(storedCookie).toJSON());
      }),
    );
  });

  it('is made only of a session record whose cookie has a form and expires with the entry', () => {
    const record = sessionRecord({ n: 1 });
    const expiresAt = (record.cookie.expires as Date).getTime();
    expect(compactMemoryEntry(expiresAt, record, '{"n":1}')).toBeDefined();
    expect(compactMemoryEntry(expiresAt - 1, record, '{"n":1}')).toBeUndefined();
    expect(compactMemoryEntry(expiresAt, { ...record }, '{"n":1}')).toBeUndefined();
    expect(compactMemoryEntry(expiresAt, sessionRecord({ n: 1 }, null), '{"n":1}')).toBeUndefined();
    const copied = toSessionRecord(new Session({} as SessionOperations, 'id', SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 1000 })));
    expect(compactMemoryEntry(expiresAt, copied, '{}')).toBeUndefined();
  });

  it('a touch keeps the data and takes the new cookie, compact or as JSON', () => {
    const record = sessionRecord({ n: 1 });
    const expiresAt = (record.cookie.expires as Date).getTime();
    const entry = compactMemoryEntry(expiresAt, record, '{"n":1}')!;
    const later = sessionRecord({ ignored: true }, 120_000, '/app');
    const laterExpiry = (later.cookie.expires as Date).getTime();
    const touched = touchedEntry(entry, later, laterExpiry)!;
    expect(storedRecordOf(touched)).toEqual({ ...JSON.parse(JSON.stringify(later)), n: 1 });
    expect(expiryOf(touched)).toBe(laterExpiry);
    const foreign = { cookie: { originalMaxAge: null, path: '/x' } };
    expect(storedRecordOf(touchedEntry(entry, foreign, laterExpiry)!)).toEqual({ ...foreign, n: 1 });
    expect(touchedEntry(memoryEntry(expiresAt, '{"n":1,"cookie":{}}', 0), later, laterExpiry)).toBeUndefined();
  });

  it('loads data a session adopts as it is (many keys) with the cookie first, as express-session has it; fewer keys with the cookie last', () => {
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, index) => [`key${index}`, index]));
    const ops = {} as SessionOperations;
    for (const data of [many, { n: 1 }, Object.fromEntries(Array.from({ length: 11 }, (_, index) => [String.fromCharCode(97 + index), 0]))]) {
      const record = sessionRecord(data);
      const dataJson = serializeSessionData(new Session(ops, 'id', SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: null }), data));
      const { record: loaded, cookie } = sessionRecordOf(compactMemoryEntry((record.cookie.expires as Date).getTime(), record, dataJson)!);
      const session = Session.overRecord(ops, 'id', cookie!, loaded) ?? new Session(ops, 'id', cookie!, loaded);
      expect(Object.keys(loaded)[0]).toBe(data === many ? 'cookie' : Object.keys(data)[0]);
      expect(Object.keys(session)).toEqual(['cookie', ...Object.keys(data)]);
      expect(serializeSessionData(session)).toBe(dataJson);
    }
  });
});
