import type { Session } from './session.js';
import type { SessionRecord } from './session-store.js';

/** The session as the store receives it: its data and the cookie's stored form. */
export function toSessionRecord(session: Session): SessionRecord {
  return { ...session, cookie: session.cookie.toJSON() };
}

/**
 * Whether a value read from a store can become a session: an object with a cookie object,
 * not yet expired. Anything else (corrupted or foreign data) starts a new session instead of
 * failing the request.
 */
export function isUsableRecord(record: unknown): record is SessionRecord {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return false;
  const cookie = (record as { cookie?: unknown }).cookie;
  if (typeof cookie !== 'object' || cookie === null) return false;
  const expires = (cookie as { expires?: unknown }).expires;
  if (expires == null) return true;
  const expiresAt = new Date(expires as string).getTime();
  return !Number.isNaN(expiresAt) && expiresAt > Date.now();
}
