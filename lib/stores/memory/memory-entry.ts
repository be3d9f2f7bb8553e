import { applySessionChanges } from '../../core/session/session-changes.js';
import type { SessionChanges } from '../../core/session/session-changes.js';
import { cookieEndIn, cookieEndOf, dataJsonAt, withCookieJson } from '../../core/session/record-json.js';
import { serializeRecordCookie } from '../../core/session/session-record.js';
import type { SessionRecord } from '../../core/store/session-store.js';

/**
 * The MemoryStore's entry of one session: its expiry as a fixed-width decimal prefix (13
 * digits of epoch ms), where its cookie's JSON ends in its JSON (4 digits, 0 when not known),
 * then its JSON. One string per session keeps the per-entry overhead minimal.
 */
const EXPIRY_DIGITS = 13;
const COOKIE_END_DIGITS = 4;
const JSON_START = EXPIRY_DIGITS + COOKIE_END_DIGITS;
/** Later expiries (a far-future cookie, `ttl: Infinity`) are capped to fit the prefix: year 2286. */
export const MAX_EXPIRES_AT = 10 ** EXPIRY_DIGITS - 1;
const MAX_COOKIE_END = 10 ** COOKIE_END_DIGITS - 1;

/**
 * The entry of `json` expiring at `expiresAt` (≤ MAX_EXPIRES_AT); `cookieEnd`: where the
 * cookie's JSON ends in `json` (`recordJsonOf`'s shape), 0 when not known.
 */
export function memoryEntry(expiresAt: number, json: string, cookieEnd: number): string {
  const cookieEndText = cookieEnd > 0 && cookieEnd <= MAX_COOKIE_END ? String(cookieEnd).padStart(COOKIE_END_DIGITS, '0') : '0000';
  // join() copies into one exactly-sized string: `prefix + json` would keep a cons string
  // and its two parts (about 50 bytes more per session), JSON.stringify's own output can
  // carry unused capacity.
  return [String(expiresAt).padStart(EXPIRY_DIGITS, '0'), cookieEndText, json].join('');
}

/** The session an entry holds, parsed anew (no references shared with requests). */
export function storedRecordOf(entry: string): SessionRecord {
  return JSON.parse(jsonOf(entry)) as SessionRecord;
}

/** The JSON an entry holds, unparsed (a slice: no copy). */
export function jsonOf(entry: string): string {
  return entry.slice(JSON_START);
}

/** Where the cookie ends in the entry's JSON; 0 when not known. */
export function cookieEndOfEntry(entry: string): number {
  let cookieEnd = 0;
  for (let index = EXPIRY_DIGITS; index < JSON_START; index++) cookieEnd = cookieEnd * 10 + entry.charCodeAt(index) - 48;
  return cookieEnd;
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

/** The entry's expiry prefix, read digit by digit: no substring per check (sweeps read them all). */
export function expiryOf(entry: string): number {
  let expiresAt = 0;
  for (let index = 0; index < EXPIRY_DIGITS; index++) expiresAt = expiresAt * 10 + entry.charCodeAt(index) - 48;
  return expiresAt;
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
