import { applySessionChanges } from '../../core/session/session-changes.js';
import type { SessionChanges } from '../../core/session/session-changes.js';
import { dataJsonAfterCookie } from '../../core/session/record-json.js';
import type { SessionRecord } from '../../core/store/session-store.js';

/**
 * The MemoryStore's entry of one session: its expiry as a fixed-width decimal prefix (13
 * digits of epoch ms), then its JSON. One string per session keeps the per-entry overhead minimal.
 */
const EXPIRY_DIGITS = 13;
/** Later expiries (a far-future cookie, `ttl: Infinity`) are capped to fit the prefix: year 2286. */
export const MAX_EXPIRES_AT = 10 ** EXPIRY_DIGITS - 1;

/** The entry of `json` expiring at `expiresAt` (≤ MAX_EXPIRES_AT). */
export function memoryEntry(expiresAt: number, json: string): string {
  // join() copies into one exactly-sized string: `prefix + json` would keep a cons string
  // and its two parts (about 50 bytes more per session), JSON.stringify's own output can
  // carry unused capacity.
  return [String(expiresAt).padStart(EXPIRY_DIGITS, '0'), json].join('');
}

/** The session an entry holds, parsed anew (no references shared with requests). */
export function storedRecordOf(entry: string): SessionRecord {
  return JSON.parse(jsonOf(entry)) as SessionRecord;
}

/** The JSON an entry holds, unparsed (a slice: no copy). */
export function jsonOf(entry: string): string {
  return entry.slice(EXPIRY_DIGITS);
}

/** The data's JSON in an entry whose record has `cookie`, when its JSON begins with that cookie's (as the store writes it). */
export function dataJsonOfEntry(entry: string, cookie: SessionRecord['cookie']): string | undefined {
  return dataJsonAfterCookie(entry, JSON.stringify(cookie), EXPIRY_DIGITS);
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
