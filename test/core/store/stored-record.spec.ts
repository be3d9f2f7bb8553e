import { SessionStoreError } from '../../../lib/core/errors.js';
import { parseRecordText, recordExpiresAt, recordText, secondsUntil } from '../../../lib/core/store/stored-record.js';
import type { RecordSerializer } from '../../../lib/core/store/stored-record.js';
import type { SessionRecord } from '../../../lib/core/store/session-store.js';

const NOW = Date.UTC(2030, 0, 1);
const HOUR_MS = 3_600_000;

function recordExpiring(expires: SessionRecord['cookie']['expires']): SessionRecord {
  return { cookie: { originalMaxAge: null, expires }, userId: 'ada' };
}

describe('recordExpiresAt: when a store drops a record', () => {
  it.each([
    ['a Date', new Date(NOW + HOUR_MS)],
    ['ISO text (JSON stores)', new Date(NOW + HOUR_MS).toISOString()],
    ['epoch ms', NOW + HOUR_MS],
  ])('with the cookie, whose expiry is %s', (_form, expires) => {
    expect(recordExpiresAt(recordExpiring(expires), NOW, 5_000)).toBe(NOW + HOUR_MS);
  });

  it.each([
    ['a browser-session cookie', null],
    ['no expiry at all', undefined],
    ['an expiry that is not a date', 'soon'],
  ])('the default lifetime from now for %s', (_case, expires) => {
    expect(recordExpiresAt(recordExpiring(expires), NOW, 5_000)).toBe(NOW + 5_000);
  });

  it('secondsUntil rounds up to whole seconds, 0 or less once passed', () => {
    expect(secondsUntil(NOW + 1_001, NOW)).toBe(2);
    expect(secondsUntil(NOW + 1_000, NOW)).toBe(1);
    expect(secondsUntil(NOW, NOW)).toBe(0);
    expect(secondsUntil(NOW - 5_000, NOW)).toBeLessThan(0);
  });
});

describe('a record as text', () => {
  it('JSON writes what JSON.stringify does, and parses back', () => {
    const record = recordExpiring(new Date(NOW));
    const text = recordText(record, JSON, 'DbStore');
    expect(text).toBe(JSON.stringify(record));
    expect(parseRecordText(text, JSON)).toEqual({ record: JSON.parse(text) });
  });

  it("a serializer's failure is a SessionStoreError naming the store", () => {
    const failing: RecordSerializer = { parse: JSON.parse, stringify: () => { throw new Error('cyclic'); } };
    expect(() => recordText(recordExpiring(null), failing, 'DbStore')).toThrow(SessionStoreError);
    expect(() => recordText(recordExpiring(null), failing, 'DbStore')).toThrow('nest-sessions: DbStore cannot serialize the session: cyclic');
  });

  it.each([
    ['text that does not parse', '{"cookie":', /^it does not parse \(/],
    ['a value that is not an object', '"text"', /no cookie object/],
    ['an array', '[{"cookie":{}}]', /no cookie object/],
    ['an object without a cookie object', '{"cookie":null,"userId":"ada"}', /no cookie object/],
  ])('%s holds no record, and says why', (_case, text, problem) => {
    const parsed = parseRecordText(text, JSON);
    expect('problem' in parsed && parsed.problem).toMatch(problem);
  });
});
