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
// The separators of `YYYY-MM-DDTHH:mm:ss.sssZ`, by character code.
const HYPHEN = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const LETTER_T = 0x54;
const LETTER_Z = 0x5a;

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
  const epochMilliseconds = text.length === CANONICAL_ISO_LENGTH ? canonicalIsoEpochAt(text, 0) : Number.NaN;
  return Number.isNaN(epochMilliseconds) ? Date.parse(text) : epochMilliseconds;
}

/**
 * The epoch ms of the 24 characters at `start` when they are `toISOString()`'s text of a date
 * (`YYYY-MM-DDTHH:mm:ss.sssZ`, every field a digit and in range); NaN otherwise.
 */
export function canonicalIsoEpochAt(text: string, start: number): number {
  if (!hasCanonicalSeparators(text, start)) return Number.NaN;
  const year = digitsAt(text, start, start + 4);
  const month = digitsAt(text, start + 5, start + 7);
  const day = digitsAt(text, start + 8, start + 10);
  const hours = digitsAt(text, start + 11, start + 13);
  const minutes = digitsAt(text, start + 14, start + 16);
  const seconds = digitsAt(text, start + 17, start + 19);
  const milliseconds = digitsAt(text, start + 20, start + 23);
  const isInRange =
    year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) &&
    hours >= 0 && hours <= 23 && minutes >= 0 && minutes <= 59 && seconds >= 0 && seconds <= 59 && milliseconds >= 0;
  if (!isInRange) return Number.NaN;
  return (((daysSinceEpoch(year, month, day) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000 + milliseconds;
}

const DAYS_PER_400_YEARS = 146_097;
/** Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar (ECMAScript's). */
const EPOCH_DAY_FROM_MARCH_0000 = 719_468;

/**
 * Days from 1970-01-01 to the given date, by arithmetic (Date.UTC is a call into V8's runtime):
 * years are counted from March, so the leap day ends each year, in cycles of 400 years.
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const yearFromMarch = month <= 2 ? year - 1 : year;
  const era = Math.floor(yearFromMarch / 400);
  const yearOfEra = yearFromMarch - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * DAYS_PER_400_YEARS + dayOfEra - EPOCH_DAY_FROM_MARCH_0000;
}

function hasCanonicalSeparators(text: string, start: number): boolean {
  return (
    text.charCodeAt(start + 4) === HYPHEN && text.charCodeAt(start + 7) === HYPHEN && text.charCodeAt(start + 10) === LETTER_T &&
    text.charCodeAt(start + 13) === COLON && text.charCodeAt(start + 16) === COLON && text.charCodeAt(start + 19) === DOT &&
    text.charCodeAt(start + 23) === LETTER_Z
  );
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
