/**
 * Date texts without V8's Date runtime on every request: each session request
 * writes its expiry as ISO text to the store and as an HTTP date to Set-Cookie, and reads the
 * stored ISO text back. Expiries of consecutive requests fall in the same second, so the text
 * up to the second is made once per second; the results are exactly `Date#toISOString`,
 * `Date#toUTCString` and `Date.parse`.
 */

let isoSecond = Number.NaN;
/** `toISOString()` of `isoSecond` without its `sss` + `Z`: `2026-11-24T15:22:38.`. */
let isoTextUpToSecond = '';

/** `date.toISOString()` for a valid date (`JSON.stringify` writes dates so). */
export function isoTextOf(epochMilliseconds: number): string {
  const milliseconds = ((epochMilliseconds % 1000) + 1000) % 1000;
  const second = epochMilliseconds - milliseconds;
  if (second !== isoSecond) {
    const text = new Date(epochMilliseconds).toISOString();
    isoSecond = second;
    isoTextUpToSecond = text.slice(0, -4);
  }
  return isoTextUpToSecond + (milliseconds < 10 ? '00' : milliseconds < 100 ? '0' : '') + milliseconds + 'Z';
}

/** What `JSON.stringify` writes for `date`, as text; the date itself when that is not `toISOString()` (invalid, or its own `toJSON`). */
export function jsonTextOfDate(date: Date): string | Date {
  const epochMilliseconds = date.getTime();
  return Number.isFinite(epochMilliseconds) && date.toJSON === Date.prototype.toJSON ? isoTextOf(epochMilliseconds) : date;
}

let utcSecond = Number.NaN;
let utcText = '';

/** `date.toUTCString()` for a valid date; the HTTP date of Set-Cookie's `Expires` (whole seconds). */
export function utcTextOf(epochMilliseconds: number): string {
  const second = Math.floor(epochMilliseconds / 1000);
  if (second !== utcSecond) {
    utcText = new Date(epochMilliseconds).toUTCString();
    utcSecond = second;
  }
  return utcText;
}

const CANONICAL_ISO_LENGTH = 24;
const DIGIT_0 = 48;

/**
 * `Date.parse(text)`. The form `toISOString` writes (`YYYY-MM-DDTHH:mm:ss.sssZ`, what JSON
 * stores hold) is read digit by digit when every field is in range; anything else goes to
 * `Date.parse`.
 */
export function parseDateText(text: string): number {
  // A load reads its record's expiry twice (the record check, then the cookie): parsed once.
  if (text === lastParsedText) return lastParsedEpoch;
  const epochMilliseconds = parsedDateText(text);
  lastParsedText = text;
  lastParsedEpoch = epochMilliseconds;
  return epochMilliseconds;
}

let lastParsedText: string | undefined;
let lastParsedEpoch = Number.NaN;

function parsedDateText(text: string): number {
  if (text.length !== CANONICAL_ISO_LENGTH || !hasCanonicalSeparators(text)) return Date.parse(text);
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  const hours = digitsAt(text, 11, 13);
  const minutes = digitsAt(text, 14, 16);
  const seconds = digitsAt(text, 17, 19);
  const milliseconds = digitsAt(text, 20, 23);
  const isInRange =
    month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) &&
    hours <= 23 && minutes <= 59 && seconds <= 59 && milliseconds >= 0;
  // Date.UTC reads years 0-99 as 1900-1999: those go to Date.parse too.
  if (!isInRange || year < 100) return Date.parse(text);
  return Date.UTC(year, month - 1, day, hours, minutes, seconds, milliseconds);
}

function hasCanonicalSeparators(text: string): boolean {
  return text[4] === '-' && text[7] === '-' && text[10] === 'T' && text[13] === ':' && text[16] === ':' &&
    text[19] === '.' && text[23] === 'Z';
}

/** The number written with the digits at [from, to), or -1 if one of them is not a digit. */
function digitsAt(text: string, from: number, to: number): number {
  let value = 0;
  for (let index = from; index < to; index++) {
    const digit = text.charCodeAt(index) - DIGIT_0;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
