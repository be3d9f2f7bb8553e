import fc from 'fast-check';
import { parseFlatDataJson } from '../../../lib/core/session/flat-data-json.js';

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
