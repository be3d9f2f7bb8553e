// A small session's flat data read and written as JSON without JSON.parse and JSON.stringify:
// for `{"counter":1}` each costs ~2,000–2,500 instructions, most of them entering and leaving
// V8's C++ (bench/PROFILE.md).

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const FIRST_UNESCAPED = 0x20;
const FIRST_SURROGATE = 0xd800;
const LAST_SURROGATE = 0xdfff;
/** Up to this many digits an integer is exact in a double (< 2^53): built digit by digit. */
const MAX_INTEGER_DIGITS = 15;

/**
 * `JSON.parse(text.slice(start))` for a flat object as `JSON.stringify` writes it: `{}` or
 * members whose values are strings without escapes, integers of up to 15 digits, `true`,
 * `false` or `null`, with no whitespace. Undefined for any other text (nested values, numbers
 * with a fraction or exponent, escapes, whitespace, a `__proto__` key, malformed JSON): the
 * caller then uses JSON.parse, so the two never answer differently.
 *
 * Members are added by key, after which V8 keeps an object of more than ~12 of them in
 * dictionary mode: for texts too short to hold that many (`SHORTEST_ADOPTED_DATA_JSON`).
 */
export function parseFlatDataJson(text: string, start: number): Record<string, unknown> | undefined {
  return text.charCodeAt(start) === OPEN_BRACE ? parseFlatMembersJson(text, start) : undefined;
}

/**
 * `parseFlatDataJson` of `{` followed by the text after `start`: the members that follow a
 * record's cookie (`start` at the comma after it), up to the record's closing brace.
 */
export function parseFlatMembersJson(text: string, start: number): Record<string, unknown> | undefined {
  const last = text.length - 1;
  if (text.charCodeAt(last) !== CLOSE_BRACE) return undefined;
  const data: Record<string, unknown> = {};
  let position = start + 1;
  // `{}`; a comma starts one member at least.
  if (position === last) return text.charCodeAt(start) === OPEN_BRACE ? data : undefined;
  let isLastKeys = true;
  for (let member = 0; ; member++) {
    const keyEnd = stringEnd(text, position);
    if (keyEnd < 0 || text.charCodeAt(keyEnd + 1) !== COLON) return undefined;
    const lastKey: string | undefined = isLastKeys ? lastKeys[member] : undefined;
    isLastKeys = lastKey !== undefined && isTextAt(text, position + 1, keyEnd, lastKey);
    const key = isLastKeys ? lastKey! : text.slice(position + 1, keyEnd);
    // JSON.parse makes it an own property; an assignment would set the prototype.
    if (key === '__proto__') return undefined;
    position = keyEnd + 2;
    const code = text.charCodeAt(position);
    if (code === QUOTE) {
      const valueEnd = stringEnd(text, position);
      if (valueEnd < 0) return undefined;
      data[key] = text.slice(position + 1, valueEnd);
      position = valueEnd + 1;
    } else if (code === MINUS || (code >= DIGIT_0 && code <= DIGIT_9)) {
      const integerEnd = endOfInteger(text, position);
      if (integerEnd < 0) return undefined;
      data[key] = integerAt(text, position, integerEnd);
      position = integerEnd;
    } else if (isTextAt(text, position, position + 4, 'true')) {
      data[key] = true;
      position += 4;
    } else if (isTextAt(text, position, position + 5, 'false')) {
      data[key] = false;
      position += 5;
    } else if (isTextAt(text, position, position + 4, 'null')) {
      data[key] = null;
      position += 4;
    } else {
      return undefined;
    }
    const next = text.charCodeAt(position);
    if (next === CLOSE_BRACE) {
      if (position !== last) return undefined;
      // The keys as property names (V8 interns them): the next session's data, most likely of the same keys, reuses them.
      if (!isLastKeys || member + 1 !== lastKeys.length) lastKeys = Object.keys(data);
      return data;
    }
    if (next !== COMMA) return undefined;
    position += 1;
  }
}

/**
 * The keys of the data read last, interned (property names from `Object.keys`): a key read
 * anew is a new string, whose assignment V8 first looks up in its string table (~800
 * instructions for `counter`); one of these is found by its characters, then assigned as it is.
 */
let lastKeys: string[] = [];

/** Whether `text` from `start` to `end` is `key`, compared code by code (`hasTextAt`'s slice and `===` would copy, then compare). */
function isTextAt(text: string, start: number, end: number, key: string): boolean {
  if (end - start !== key.length) return false;
  for (let index = 0; index < key.length; index++) {
    if (text.charCodeAt(start + index) !== key.charCodeAt(index)) return false;
  }
  return true;
}

/** Where the string opening at `position` closes; -1 when it does not open there or holds an escape or a control character. */
function stringEnd(text: string, position: number): number {
  if (text.charCodeAt(position) !== QUOTE) return -1;
  for (let index = position + 1; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) return index;
    if (code === BACKSLASH || code < FIRST_UNESCAPED) return -1;
  }
  return -1;
}

/** Where the JSON integer at `position` ends; -1 for anything else (a leading zero, a fraction or exponent, too many digits). */
function endOfInteger(text: string, position: number): number {
  const digitsStart = text.charCodeAt(position) === MINUS ? position + 1 : position;
  let index = digitsStart;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code < DIGIT_0 || code > DIGIT_9) break;
    index += 1;
  }
  const digits = index - digitsStart;
  if (digits === 0 || digits > MAX_INTEGER_DIGITS) return -1;
  if (digits > 1 && text.charCodeAt(digitsStart) === DIGIT_0) return -1;
  const next = text.charCodeAt(index);
  return next === COMMA || next === CLOSE_BRACE ? index : -1;
}

/** The integer written from `position` to `end` (checked by `endOfInteger`); `-0` as JSON.parse reads it. */
function integerAt(text: string, position: number, end: number): number {
  const isNegative = text.charCodeAt(position) === MINUS;
  let value = 0;
  for (let index = isNegative ? position + 1 : position; index < end; index++) value = value * 10 + (text.charCodeAt(index) - DIGIT_0);
  return isNegative ? -value : value;
}

/**
 * `JSON.stringify` of `object`'s members `keys` (its own enumerable keys, `Object.keys`) but
 * `skippedKey`, when each value is a string, a safe integer, a boolean or null and no key or
 * string needs an escape; undefined otherwise (a nested value, a fraction, `undefined`, a
 * quote, backslash, control character or surrogate), and the caller uses JSON.stringify.
 */
export function flatDataJsonOf(object: Record<string, unknown>, keys: readonly string[], skippedKey: string): string | undefined {
  let json = '{';
  for (const key of keys) {
    if (key === skippedKey) continue;
    // Each value read once, as JSON.stringify reads it (an accessor's getter runs once).
    const value = object[key];
    let valueJson: string;
    if (typeof value === 'string') {
      if (needsEscape(value)) return undefined;
      valueJson = `"${value}"`;
    } else if (typeof value === 'boolean' || value === null || (typeof value === 'number' && Number.isSafeInteger(value))) {
      // `-0` writes as `0`, as JSON.stringify writes it.
      valueJson = `${value}`;
    } else {
      return undefined;
    }
    if (needsEscape(key)) return undefined;
    json += json.length === 1 ? `"${key}":${valueJson}` : `,"${key}":${valueJson}`;
  }
  return `${json}}`;
}

/** Whether JSON.stringify would write `text` otherwise than between quotes as it is (surrogates, even paired, left to it). */
function needsEscape(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < FIRST_UNESCAPED || code === QUOTE || code === BACKSLASH || (code >= FIRST_SURROGATE && code <= LAST_SURROGATE)) return true;
  }
  return false;
}
