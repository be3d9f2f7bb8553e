// A record's JSON, cookie first (express-session's shape), written and read from its parts:
// the cookie's JSON and the data's, as JSON.stringify writes them.

import { hasTextAt } from '../text-at.js';

/** How a record's JSON begins: its cookie is its first member. */
export const RECORD_JSON_START = '{"cookie":';

/** A record's JSON, cookie first, from the cookie's JSON and the data's (`serializeSessionData`). */
export function recordJsonOf(cookieJson: string, dataJson: string): string {
  return dataJson === '{}' ? `${RECORD_JSON_START}${cookieJson}}` : `${RECORD_JSON_START}${cookieJson},${dataJson.slice(1)}`;
}

/**
 * `recordJsonOf`, as one flat string: for a text kept long, which would otherwise keep its
 * parts alive beside it (`join` copies them into one string of the exact size).
 */
export function flatRecordJsonOf(cookieJson: string, dataJson: string): string {
  return (dataJson === '{}' ? [RECORD_JSON_START, cookieJson, '}'] : [RECORD_JSON_START, cookieJson, ',', dataJson.slice(1)]).join('');
}

/** `recordJsonOf` of data whose members the caller has as JSON (`"key":value,…`, not empty, no braces). */
export function recordJsonWithMembers(cookieJson: string, membersJson: string): string {
  return `${RECORD_JSON_START}${cookieJson},${membersJson}}`;
}

/**
 * The data's JSON in `recordJson` when it begins with the cookie `cookieJson`
 * (`{"cookie":<cookieJson>,…`): what JSON.stringify made of the data when it wrote the record
 * cookie first. Undefined for a record written otherwise.
 */
export function dataJsonAfterCookie(recordJson: string, cookieJson: string): string | undefined {
  const cookieEnd = cookieEndIn(recordJson, cookieJson);
  return cookieEnd === 0 ? undefined : dataJsonAt(recordJson, cookieEnd);
}

/** Where the cookie `cookieJson` ends in `recordJson` when that is `{"cookie":<cookieJson>,…`; else 0. */
export function cookieEndIn(recordJson: string, cookieJson: string): number {
  if (!recordJson.startsWith(RECORD_JSON_START) || !hasTextAt(recordJson, cookieJson, RECORD_JSON_START.length)) return 0;
  const cookieEnd = cookieEndOf(cookieJson);
  const next = recordJson[cookieEnd];
  return next === '}' || next === ',' ? cookieEnd : 0;
}

// The character codes `cookieObjectEndIn` walks by.
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACE = 0x7d; // }
const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACKET = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Where the cookie's object ends in `recordJson` when that begins `{"cookie":{`: the index after
 * the object's closing brace, found by walking its JSON (strings, nested objects and arrays), so
 * without serializing the cookie again; 0 when the text begins otherwise. `recordJson` must be
 * JSON (a text that was parsed). Strings (most of a cookie's text: its keys and `expires`) are
 * crossed with `indexOf` rather than character by character.
 */
export function cookieObjectEndIn(recordJson: string): number {
  const start = RECORD_JSON_START.length;
  if (!recordJson.startsWith(RECORD_JSON_START) || recordJson.charCodeAt(start) !== OPEN_BRACE) return 0;
  let depth = 0;
  for (let index = start; index < recordJson.length; index++) {
    const code = recordJson.charCodeAt(index);
    if (code === QUOTE) {
      index = closingQuoteAfter(recordJson, index);
      if (index === -1) return 0;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
    else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && --depth === 0) return index + 1;
  }
  return 0;
}

/** The index of the quote that closes the string opened at `openingQuote`; -1 when there is none. */
function closingQuoteAfter(json: string, openingQuote: number): number {
  let quote = json.indexOf('"', openingQuote + 1);
  while (quote !== -1 && isEscaped(json, quote)) quote = json.indexOf('"', quote + 1);
  return quote;
}

/** Whether the quote at `index` is escaped: an odd number of backslashes before it (`\"` is, `\\"` is not). */
function isEscaped(json: string, index: number): boolean {
  let backslashes = 0;
  while (json.charCodeAt(index - 1 - backslashes) === BACKSLASH) backslashes++;
  return backslashes % 2 === 1;
}

/** The data's JSON in `recordJsonOf`'s text whose cookie ends at `cookieEnd`. */
export function dataJsonAt(recordJson: string, cookieEnd: number): string {
  return recordJson[cookieEnd] === '}' ? '{}' : `{${recordJson.slice(cookieEnd + 1)}`;
}

/** `dataJsonAt(recordJson, cookieEnd) === dataJson`, compared in place: a merged save asks it of data of any size. */
export function hasDataJsonAt(recordJson: string, cookieEnd: number, dataJson: string): boolean {
  if (recordJson[cookieEnd] === '}') return dataJson === '{}';
  // `{` and the text after the cookie's end (none when the text ends there).
  const length = Math.max(recordJson.length - cookieEnd, 1);
  return dataJson[0] === '{' && dataJson.length === length && hasTextAt(recordJson, dataJson.slice(1), cookieEnd + 1);
}

/** Where the cookie ends in `recordJsonOf(cookieJson, …)`: two records with that cookie agree up to there. */
export function cookieEndOf(cookieJson: string): number {
  return RECORD_JSON_START.length + cookieJson.length;
}

/** `recordJson` (`recordJsonOf`'s, its cookie ending at `cookieEnd`) with the cookie `cookieJson` instead, as one flat string. */
export function withCookieJson(recordJson: string, cookieEnd: number, cookieJson: string): string {
  return [RECORD_JSON_START, cookieJson, recordJson.slice(cookieEnd)].join('');
}
