import fc from 'fast-check';
import { flatDataJsonOf, parseFlatDataJson } from '../../../lib/core/session/flat-data-json.js';

/** The same own members, in the same order, with the same values (`-0` told from `0`). */
function expectSameAsJsonParse(parsed: Record<string, unknown>, text: string): void {
  const expected = JSON.parse(text) as Record<string, unknown>;
  expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  expect(Object.keys(parsed)).toEqual(Object.keys(expected));
  for (const key of Object.keys(expected)) expect(Object.is(parsed[key], expected[key])).toBe(true);
}

const flatValue = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string(),
  fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(-0),
);

describe('parseFlatDataJson', () => {
  it('reads what JSON.stringify writes of flat data exactly as JSON.parse does', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), flatValue, { maxKeys: 11 }), fc.string({ maxLength: 12 }), (data, prefix) => {
        const json = JSON.stringify(data);
        const parsed = parseFlatDataJson(prefix + json, prefix.length);
        // Escaped text (quotes, backslashes, control characters, lone surrogates) and `__proto__` are left to JSON.parse.
        if (parsed === undefined) {
          expect(json.includes('\\') || Object.hasOwn(data, '__proto__')).toBe(true);
          return;
        }
        expectSameAsJsonParse(parsed, json);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a session counter, an empty object, words and integers at their limits', () => {
    for (const json of ['{"counter":1}', '{}', '{"a":true,"b":false,"c":null}', '{"n":-0}', '{"n":0}', '{"big":999999999999999,"small":-999999999999999}', '{"1":"x","b":"y","0":"z"}', '{"a":1,"a":2}', '{"é":"ü€"}']) {
      const parsed = parseFlatDataJson(json, 0);
      expect(parsed).toBeDefined();
      expectSameAsJsonParse(parsed!, json);
    }
  });

  it('reads data of the keys read last, of other keys, fewer or more of them, as JSON.parse does', () => {
    const texts = ['{"counter":1}', '{"counter":2}', '{"countex":3}', '{"counte":4}', '{"counter":5,"name":"ada"}', '{"counter":6}', '{"name":"x","counter":7}', '{"2":1,"a":2}', '{"2":1,"a":2}', '{}', '{"counter":8}'];
    for (const text of texts) expectSameAsJsonParse(parseFlatDataJson(text, 0)!, text);
  });

  it('leaves to JSON.parse what it does not read itself, never answering differently', () => {
    const others = [
      '{"a":{"b":1}}', '{"a":[1]}', '{"a":1.5}', '{"a":1e3}', '{"a":1E3}', '{"a":1234567890123456}', '{"a":"\\n"}', '{"a\\"b":1}',
      '{ "a":1}', '{"a": 1}', '{"a":1 }', '{"__proto__":1}', '{"a":01}', '{"a":-}', '{"a":-01}', '{"a":tru}', '{"a":nul}',
      '{"a":1,}', '{,"a":1}', '{"a"1}', '{"a":1}}', '{"a":1}x', '{"a":"b}', '{"a":"\t"}', '{"a":1', '"a"', '[]', '', '{', 'x{}',
    ];
    for (const text of others) expect(parseFlatDataJson(text, 0)).toBeUndefined();
  });

  it('never reads text JSON.parse rejects, nor differently from it (any text)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json().map((json) => json.replace(/\s/g, '')), fc.string({ unit: fc.constantFrom('{', '}', '"', ':', ',', '-', '0', '1', 'a', 't', 'r', 'u', 'e', 'n', 'l', '\\', ' ') })), (text) => {
        const parsed = parseFlatDataJson(text, 0);
        if (parsed !== undefined) expectSameAsJsonParse(parsed, text);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('flatDataJsonOf', () => {
  const withoutCookie = (object: Record<string, unknown>) => {
    const { cookie: _cookie, ...data } = object;
    return JSON.stringify(data);
  };

  it('writes flat data exactly as JSON.stringify does, without the skipped key', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.oneof(flatValue, fc.double(), fc.constant(undefined), fc.array(fc.integer()), fc.object()), { maxKeys: 12 }), fc.boolean(), (data, hasCookie) => {
        const object = hasCookie ? { cookie: { path: '/' }, ...data } : data;
        const json = flatDataJsonOf(object, Object.keys(object), 'cookie');
        if (json === undefined) return;
        expect(json).toBe(withoutCookie(object));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the flat values JSON.stringify writes as they are, and leaves the rest to it', () => {
    const written = [{ counter: 1 }, {}, { a: 'ü€', b: true, c: false, d: null, e: -0, f: Number.MAX_SAFE_INTEGER, g: -Number.MAX_SAFE_INTEGER }, { 2: 'x', a: 'y' }];
    for (const data of written) expect(flatDataJsonOf(data, Object.keys(data), 'cookie')).toBe(JSON.stringify(data));
    const left = [{ a: 1.5 }, { a: 2 ** 53 }, { a: Number.NaN }, { a: undefined }, { a: [1] }, { a: { b: 1 } }, { a: 'say "hi"' }, { a: 'a\\b' }, { a: '\n' }, { 'a"': 1 }, { a: '😀' }, { a: '\ud800' }, { a: () => 1 }, { a: 1n }, { a: new Date(0) }];
    for (const data of left) expect(flatDataJsonOf(data as Record<string, unknown>, Object.keys(data), 'cookie')).toBeUndefined();
  });

  it("reads an accessor's value once, as JSON.stringify does", () => {
    let reads = 0;
    const data = Object.defineProperty({ a: 1 }, 'b', { enumerable: true, get: () => ++reads });
    expect(flatDataJsonOf(data, Object.keys(data), 'cookie')).toBe('{"a":1,"b":1}');
    expect(reads).toBe(1);
  });

  it('reads back what it writes, as JSON.parse reads it', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), flatValue, { maxKeys: 11 }), (data) => {
        const json = flatDataJsonOf(data, Object.keys(data), 'cookie');
        if (json === undefined) return;
        const parsed = parseFlatDataJson(json, 0);
        if (parsed !== undefined) expectSameAsJsonParse(parsed, json);
      }),
    );
  });
});
