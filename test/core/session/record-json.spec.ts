import fc from 'fast-check';
import { cookieEndOf, cookieObjectEndIn, dataJsonAfterCookie, dataJsonAt, flatRecordJsonOf, hasDataJsonAt, recordJsonOf, recordJsonWithMembers, withCookieJson } from '../../../lib/core/session/record-json.js';
import { sealedRecordJson } from '../../../lib/core/store/at-rest/sealed-record.js';

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

  it('reads the data back out of a record written cookie first, and nothing out of one written otherwise', () => {
    fc.assert(
      fc.property(cookie, data, (first, values) => {
        const cookieJson = JSON.stringify(first);
        expect(dataJsonAfterCookie(JSON.stringify({ cookie: first, ...values }), cookieJson)).toBe(JSON.stringify(values));
        expect(dataJsonAt(recordJsonOf(cookieJson, JSON.stringify(values)), cookieEndOf(cookieJson))).toBe(JSON.stringify(values));
        expect(dataJsonAfterCookie(JSON.stringify({ ...values, last: 1, cookie: first }), cookieJson)).toBeUndefined();
        expect(dataJsonAfterCookie(JSON.stringify({ cookie: { ...first, extra: 1 }, ...values }), cookieJson)).toBeUndefined();
      }),
    );
  });

  it('tells in place whether a record holds given data JSON after its cookie, as comparing with dataJsonAt would', () => {
    fc.assert(
      fc.property(cookie, data, data, (first, values, other) => {
        const cookieJson = JSON.stringify(first);
        const recordJson = recordJsonOf(cookieJson, JSON.stringify(values));
        const cookieEnd = cookieEndOf(cookieJson);
        expect(hasDataJsonAt(recordJson, cookieEnd, JSON.stringify(values))).toBe(true);
        expect(hasDataJsonAt(recordJson, cookieEnd, JSON.stringify(other))).toBe(JSON.stringify(other) === JSON.stringify(values));
      }),
    );
    // Any text, any position, any candidate: the same answer as building the data's JSON first.
    fc.assert(
      fc.property(fc.string(), fc.nat(), fc.string(), (text, position, candidate) => {
        const cookieEnd = position % (text.length + 1);
        for (const dataJson of [candidate, `{${candidate}`, '{}', dataJsonAt(text, cookieEnd)]) {
          expect(hasDataJsonAt(text, cookieEnd, dataJson)).toBe(dataJsonAt(text, cookieEnd) === dataJson);
        }
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

  it("finds where the cookie's object ends in any JSON that begins with it, whatever the cookie holds, and nothing in JSON that does not", () => {
    // Any JSON object as the cookie: strings with braces, brackets, quotes and backslashes, nested values, spaces.
    const anyCookie = fc.dictionary(fc.string(), fc.jsonValue());
    fc.assert(
      fc.property(anyCookie, data, fc.constantFrom(0, 2), (first, values, indent) => {
        const cookieJson = JSON.stringify(first, null, indent);
        const text = recordJsonOf(cookieJson, JSON.stringify(values));
        expect(cookieObjectEndIn(text)).toBe(cookieEndOf(cookieJson));
        expect(text.slice(cookieObjectEndIn(text))).toBe(Object.keys(values).length === 0 ? '}' : `,${JSON.stringify(values).slice(1)}`);
        expect(cookieObjectEndIn(JSON.stringify({ ...values, last: 1, cookie: first }))).toBe(0);
        expect(cookieObjectEndIn(JSON.stringify({ cookie: Object.keys(first) }))).toBe(0);
      }),
    );
    // A backslash ending a string, and quotes and braces inside strings.
    for (const tricky of [{ path: '/}\\' }, { path: '"}', domain: '{[' }, { nested: { a: [1, { b: '}' }] } }]) {
      const cookieJson = JSON.stringify(tricky);
      expect(cookieObjectEndIn(JSON.stringify({ cookie: tricky, a: '{' }))).toBe(cookieEndOf(cookieJson));
    }
  });
});
