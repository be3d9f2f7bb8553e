import { parseDateText } from '../cookie/date-text.js';
import { SessionStoreError } from '../errors.js';
import { serializeSessionRecord } from '../session/session-record.js';
import type { SessionRecord } from '../session/session-record.js';

/**
 * What every store does the same way with a record it keeps: when it expires (with the cookie,
 * as express-session's stores do) and the text it is kept as.
 */

/** Turns a session into the text a store keeps and back. `JSON` fits. */
export interface RecordSerializer {
  parse(text: string): unknown;
  stringify(record: SessionRecord): string;
}

/**
 * When the store should drop the record, in epoch ms: its cookie's expiry, or, for a
 * browser-session cookie (or an expiry that is not a date), `defaultLifetimeMs` from `now`.
 */
export function recordExpiresAt(record: SessionRecord, now: number, defaultLifetimeMs: number): number {
  const expires = record.cookie?.expires;
  // A Date as the lifecycle's records hold it is read as it is (no copy); stored text is parsed.
  const expiresAt =
    expires == null ? Number.NaN : expires instanceof Date ? expires.getTime() : typeof expires === 'string' ? parseDateText(expires) : new Date(expires).getTime();
  return Number.isNaN(expiresAt) ? now + defaultLifetimeMs : expiresAt;
}

/** Whole seconds from `now` to `expiresAt`, rounded up (a TTL): 0 or less once it has passed. */
export function secondsUntil(expiresAt: number, now: number): number {
  return Math.ceil((expiresAt - now) / 1000);
}

/**
 * The record as text. With `JSON` the data's JSON the lifecycle already made is reused (the
 * same text as `JSON.stringify`). A serializer's failure is a `SessionStoreError` naming the store.
 */
export function recordText(record: SessionRecord, serializer: RecordSerializer, storeName: string): string {
  try {
    return serializer === JSON ? serializeSessionRecord(record) : serializer.stringify(record);
  } catch (error) {
    throw new SessionStoreError(`nest-sessions: ${storeName} cannot serialize the session: ${reasonOf(error)}`, { cause: error });
  }
}

/** The record a stored text holds, or why it holds none (for the store's log: the request starts a new session). */
export function parseRecordText(text: string, serializer: RecordSerializer): { record: SessionRecord } | { problem: string } {
  let value: unknown;
  try {
    value = serializer.parse(text);
  } catch (error) {
    return { problem: `it does not parse (${reasonOf(error)})` };
  }
  const cookie = (value as { cookie?: unknown } | null)?.cookie;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof cookie !== 'object' || cookie === null) {
    return { problem: 'it is not a session (no cookie object)' };
  }
  return { record: value as SessionRecord };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
