import { applySessionChanges } from '../../core/session/session-changes.js';
import type { SessionChanges } from '../../core/session/session-changes.js';
import { cookieEndIn, cookieEndOf, dataJsonAt, withCookieJson } from '../../core/session/record-json.js';
import { serializeRecordCookie } from '../../core/session/session-record.js';
import { cookieOfWrittenForm, parseRecordOfWrittenCookie } from '../../core/session/stored-cookie-json.js';
import type { SessionCookie } from '../../core/cookie/session-cookie.js';
import type { SessionRecord } from '../../core/store/session-store.js';

/**
 * The MemoryStore's entry of one session: a fixed-width prefix of character codes 0-255 (so
 * the string stays one byte per character) holding its expiry (6 codes: epoch ms, 48 bits) and
 * where its cookie's JSON ends in its JSON (2 codes, 0 when not known), then its JSON. One
 * string per session keeps the per-entry overhead minimal; codes instead of decimal digits
 * spare a number-to-text conversion per write and read back in fewer steps.
 */
const EXPIRY_CODES = 6;
const COOKIE_END_CODES = 2;
const JSON_START = EXPIRY_CODES + COOKIE_END_CODES;
const TWO_24 = 2 ** 24;
/** Later expiries (a far-future cookie, `ttl: Infinity`) are capped to fit the prefix: year 10889. */
export const MAX_EXPIRES_AT = 2 ** (8 * EXPIRY_CODES) - 1;
const MAX_COOKIE_END = 2 ** (8 * COOKIE_END_CODES) - 1;

/**
 * The entry of `json` expiring at `expiresAt` (≤ MAX_EXPIRES_AT; a fraction of a millisecond is
 * dropped); `cookieEnd`: where the cookie's JSON ends in `json` (`recordJsonOf`'s shape), 0 when
 * not known.
 */
export function memoryEntry(expiresAt: number, json: string, cookieEnd: number): string {
  const wholeMs = Math.floor(expiresAt);
  const high = Math.floor(wholeMs / TWO_24);
  const low = wholeMs - high * TWO_24;
  const knownCookieEnd = cookieEnd > 0 && cookieEnd <= MAX_COOKIE_END ? cookieEnd : 0;
  const prefix = String.fromCharCode(
    high >>> 16, (high >>> 8) & 255, high & 255,
    low >>> 16, (low >>> 8) & 255, low & 255,
    knownCookieEnd >>> 8, knownCookieEnd & 255,
  );
  // join() copies into one exactly-sized string: `prefix + json` would keep a cons string
  // and its two parts (about 50 bytes more per session), JSON.stringify's own output can
  // carry unused capacity.
  return [prefix, json].join('');
}

/** The session an entry holds, parsed anew (no references shared with requests). */
export function storedRecordOf(entry: string): SessionRecord {
  return JSON.parse(jsonOf(entry)) as SessionRecord;
}

/** `storedRecordOf`, without parsing a cookie in a form this process wrote (stored-cookie-json.ts). */
export function sessionRecordOf(entry: string): SessionRecord {
  const cookieEnd = cookieEndOfEntry(entry);
  return (cookieEnd === 0 ? undefined : parseRecordOfWrittenCookie(jsonOf(entry), cookieEnd)) ?? storedRecordOf(entry);
}

/**
 * The session cookie of an entry written from a session's record, whose expiry is its
 * cookie's, when that cookie is in a form this process wrote: made from the form and the
 * entry's expiry, with nothing parsed or checked again.
 */
export function sessionCookieOfEntry(entry: string): SessionCookie | undefined {
  const cookieEnd = cookieEndOfEntry(entry);
  return cookieEnd === 0 ? undefined : cookieOfWrittenForm(jsonOf(entry), cookieEnd, expiryOf(entry));
}

/** The JSON an entry holds, unparsed (a slice: no copy). */
export function jsonOf(entry: string): string {
  return entry.slice(JSON_START);
}

/** Where the cookie ends in the entry's JSON; 0 when not known. */
export function cookieEndOfEntry(entry: string): number {
  return (entry.charCodeAt(EXPIRY_CODES) << 8) | entry.charCodeAt(EXPIRY_CODES + 1);
}

/** The data's JSON in an entry (as JSON.stringify wrote it, cookie first), when the entry knows where its cookie ends. */
export function dataJsonOfEntry(entry: string): string | undefined {
  const cookieEnd = cookieEndOfEntry(entry);
  return cookieEnd === 0 ? undefined : dataJsonAt(entry, JSON_START + cookieEnd);
}

/**
 * The entry's JSON with `record`'s cookie instead of its own (a touch), and where that cookie
 * ends; undefined when the entry does not know where its cookie ends.
 */
export function withCookieOf(entry: string, record: SessionRecord): { json: string; cookieEnd: number } | undefined {
  const cookieEnd = cookieEndOfEntry(entry);
  if (cookieEnd === 0) return undefined;
  const cookieJson = serializeRecordCookie(record);
  return { json: withCookieJson(jsonOf(entry), cookieEnd, cookieJson), cookieEnd: cookieEndOf(cookieJson) };
}

/** The entry's expiry (epoch ms), read from its prefix: no substring per check (sweeps read them all). */
export function expiryOf(entry: string): number {
  const high = (entry.charCodeAt(0) << 16) | (entry.charCodeAt(1) << 8) | entry.charCodeAt(2);
  const low = (entry.charCodeAt(3) << 16) | (entry.charCodeAt(4) << 8) | entry.charCodeAt(5);
  return high * TWO_24 + low;
}

/** The stored session with one request's changes applied, as JSON. */
export function mergedJson(entry: string, record: SessionRecord, changes: SessionChanges): string {
  const stored = storedRecordOf(entry) as Record<string, unknown>;
  // The cookie is the record's first key: replacing it in place keeps it first.
  stored.cookie = record.cookie;
  applySessionChanges(stored, changes);
  return JSON.stringify(stored);
}

/**
 * Where `record`'s cookie ends in `json`, JSON the store wrote of it by `JSON.stringify` (a
 * record not made by `toSessionRecord`, a merge, a touch that re-read the entry): 0 unless the
 * cookie came first. Known, the next loads slice the data's JSON and touches rewrite the cookie
 * alone, instead of a parse and a stringify each (a session that is only read never leaves
 * such an entry otherwise).
 */
export function cookieEndOfWritten(json: string, record: SessionRecord): number {
  return cookieEndIn(json, serializeRecordCookie(record));
}
