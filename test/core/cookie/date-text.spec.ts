import fc from 'fast-check';
import { canonicalIsoEpochAt, isoTextOf, parseDateText, utcTextOf } from '../../../lib/core/cookie/date-text.js';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import { serializeSessionRecord, toSessionRecord } from '../../../lib/core/session/session-record.js';
import { Session, serializeSessionData } from '../../../lib/core/session/session.js';
import type { SessionOperations } from '../../../lib/core/session/session.js';

const operations = {} as SessionOperations;

/** Instants on both sides of second boundaries, in an order that makes the caches switch back and forth. */
const SECOND = Date.UTC(2026, 10, 24, 15, 22, 38);
const aroundSecondBoundaries = [
  SECOND - 1, SECOND, SECOND + 1, SECOND + 999, SECOND + 1000, SECOND - 1, SECOND + 998,
  SECOND + 1001, SECOND + 10, SECOND + 100, SECOND + 59_999, SECOND + 60_000,
  Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1),
  0, -1, -999, -1000, -1001, Date.UTC(1969, 11, 31, 23, 59, 59, 500),
  Date.UTC(2028, 1, 29, 12), Date.UTC(10_000, 0, 1, 0, 0, 0, 5), 8.64e15, -8.64e15,
];

/** Deterministic spread of instants over 1970-2100 (no Math.random: failures must repeat). */
function* spreadInstants(count: number): Generator<number> {
  let state = 12345;
  for (let index = 0; index < count; index++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    yield Math.floor((state / 2 ** 31) * 4.1e12);
  }
}

describe('isoTextOf', () => {
  it.each(aroundSecondBoundaries)('is toISOString() at %d', (epochMilliseconds) => {
    expect(isoTextOf(epochMilliseconds)).toBe(new Date(epochMilliseconds).toISOString());
  });

  it('is toISOString() for instants spread over 130 years, and twice in a row for each', () => {
    for (const epochMilliseconds of spreadInstants(2_000)) {
      const expected = new Date(epochMilliseconds).toISOString();
      expect(isoTextOf(epochMilliseconds)).toBe(expected);
      expect(isoTextOf(epochMilliseconds + 1)).toBe(new Date(epochMilliseconds + 1).toISOString());
    }
  });
});

describe('utcTextOf (Set-Cookie Expires)', () => {
  it.each(aroundSecondBoundaries)('is toUTCString() at %d', (epochMilliseconds) => {
    expect(utcTextOf(epochMilliseconds)).toBe(new Date(epochMilliseconds).toUTCString());
  });

  it('changes exactly at the second boundary', () => {
    expect(utcTextOf(SECOND + 999)).toBe('Tue, 24 Nov 2026 15:22:38 GMT');
    expect(utcTextOf(SECOND + 1000)).toBe('Tue, 24 Nov 2026 15:22:39 GMT');
    expect(utcTextOf(SECOND - 1)).toBe('Tue, 24 Nov 2026 15:22:37 GMT');
    expect(utcTextOf(SECOND)).toBe('Tue, 24 Nov 2026 15:22:38 GMT');
  });
});

describe('parseDateText', () => {
  it('is Date.parse for the ISO text JSON stores hold', () => {
    for (const epochMilliseconds of [...aroundSecondBoundaries, ...spreadInstants(2_000)]) {
      const text = new Date(epochMilliseconds).toISOString();
      expect(parseDateText(text)).toBe(Date.parse(text));
    }
  });

  it('is Date.parse for the canonical ISO text of any day from year 0 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('0000-01-01T00:00:00.000Z'), max: Date.parse('9999-12-31T23:59:59.999Z') }), (epochMilliseconds) => {
        const text = new Date(epochMilliseconds).toISOString();
        expect(parseDateText(text)).toBe(Date.parse(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it.each([
    '2026-02-29T00:00:00.000Z', // not a leap year
    '2028-02-29T00:00:00.000Z',
    '2100-02-29T00:00:00.000Z',
    '2000-02-29T00:00:00.000Z',
    '2026-04-31T00:00:00.000Z',
    '2026-13-01T00:00:00.000Z',
    '2026-00-01T00:00:00.000Z',
    '2026-01-00T00:00:00.000Z',
    '2026-01-01T24:00:00.000Z',
    '2026-01-01T23:60:00.000Z',
    '2026-01-01T23:59:60.000Z',
    '0050-01-01T00:00:00.000Z', // Date.UTC would read year 50 as 1950
    '0000-01-01T00:00:00.000Z',
    '2026-01-01T00:00:00.000z',
    '2026-01-01 00:00:00.000Z',
    '2026-01-01T00:00:00,000Z',
    '20a6-01-01T00:00:00.000Z',
    '2026-01-01T00:00:00.0-0Z',
    '2026-01-01Tx1:00:00.000Z', // a field that is no number
    '2026-01-01T00:-1:00.000Z',
    '2026-01-01T00:00:+1.000Z',
    '+010000-01-01T00:00:00.000Z',
    '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00.000+01:00',
    'Tue, 24 Nov 2026 15:22:38 GMT',
    'not a date',
    '',
  ])('is Date.parse for %j', (text) => {
    expect(Object.is(parseDateText(text), Date.parse(text))).toBe(true);
  });
});

describe('canonicalIsoEpochAt', () => {
  it("reads toISOString()'s text of any date from year 0 to 9999 where it stands in a longer text", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('0000-01-01T00:00:00.000Z'), max: Date.parse('9999-12-31T23:59:59.999Z') }), fc.string(), (epochMilliseconds, before) => {
        const text = `${before}"${new Date(epochMilliseconds).toISOString()}"}`;
        expect(canonicalIsoEpochAt(text, before.length + 1)).toBe(epochMilliseconds);
      }),
      { numRuns: 1_000 },
    );
  });

  it('is NaN for any text but the canonical one, also one Date.parse reads', () => {
    for (const text of ['2026-02-29T00:00:00.000Z', '2026-01-01Tx1:00:00.000Z', '2026-01-01T00:00:00.000+01:00', '2026-01-01T00:00:00Z', '2026-01-01 00:00:00.000Z']) {
      expect(canonicalIsoEpochAt(`"${text}"`, 1)).toBeNaN();
    }
    // Cut short by the end of the text.
    expect(canonicalIsoEpochAt('"2026-01-01T00:00:00.000', 1)).toBeNaN();
    fc.assert(
      fc.property(fc.string({ minLength: 24, maxLength: 24 }), (text) => {
        const epochMilliseconds = canonicalIsoEpochAt(text, 0);
        if (!Number.isNaN(epochMilliseconds)) expect(new Date(epochMilliseconds).toISOString()).toBe(text);
      }),
    );
  });
});

describe('stored expiry read lazily', () => {
  const expiresText = new Date(SECOND + 3_600_000 + 7).toISOString();

  it('gives the same expires, maxAge and expiresAt as a parsed Date', () => {
    const cookie = SessionCookie.fromStored({ originalMaxAge: 3_600_000, expires: expiresText });
    expect(cookie.expiresAt).toBe(Date.parse(expiresText));
    expect(cookie.expires).toEqual(new Date(expiresText));
    expect(cookie.expires).toBe(cookie.expires); // the same Date each time
    expect(cookie.originalMaxAge).toBe(3_600_000);
    expect(cookie.toJSON().expires).toEqual(new Date(expiresText));
  });

  it('follows a Date read and changed in place, as a stored Date does', () => {
    const cookie = SessionCookie.fromStored({ originalMaxAge: 1000, expires: expiresText });
    cookie.expires!.setTime(SECOND + 5);
    expect(cookie.expiresAt).toBe(SECOND + 5);
  });

  it('is replaced by a touch without being read', () => {
    const cookie = SessionCookie.fromStored({ originalMaxAge: 60_000, expires: expiresText });
    cookie.maxAge = 60_000;
    expect(cookie.expiresAt).toBeGreaterThan(Date.now() + 59_000);
    cookie.expires = null;
    expect(cookie.expires).toBeNull();
    expect(cookie.expiresAt).toBeUndefined();
  });

  it('refuses a stored text that is no date, naming it', () => {
    expect(() => SessionCookie.fromStored({ originalMaxAge: null, expires: 'soon' })).toThrow(/expires.*soon/);
  });

  it("writes the record's JSON exactly as JSON.stringify does, milliseconds around second boundaries included", () => {
    for (const milliseconds of [0, 1, 9, 10, 99, 100, 999]) {
      const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: null });
      cookie.expires = new Date(SECOND + 3_600_000 + milliseconds);
      const session = new Session(operations, 'session-id', cookie, { counter: milliseconds });
      const record = toSessionRecord(session, serializeSessionData(session));
      expect(record.cookie.expires).toBeInstanceOf(Date);
      expect(serializeSessionRecord(record)).toBe(JSON.stringify(record));
      expect(serializeSessionRecord(record)).toContain(new Date(SECOND + 3_600_000 + milliseconds).toISOString());
    }
  });
});
