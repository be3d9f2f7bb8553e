import type { Session } from './session.js';
import type { SessionRecord } from './session-store.js';

/** The session as the store receives it: its data and the cookie's stored form. */
export function toSessionRecord(session: Session): SessionRecord {
  return { ...session, cookie: session.cookie.toJSON() };
}

/**
 * Whether a value read from a store can become a session: an object with a cookie object.
 * Anything else (corrupted or foreign data) starts a new session instead of failing the
 * request. Expiry is the store's business, as in express-session: stores that touch by
 * extending their own TTL (Redis EXPIRE) keep an older `cookie.expires` in the value.
 */
export function isUsableRecord(record: unknown): record is SessionRecord {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return false;
  const cookie = (record as { cookie?: unknown }).cookie;
  return typeof cookie === 'object' && cookie !== null;
}
