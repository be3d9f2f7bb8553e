import { applySessionChanges } from '../../session/session-changes.js';
import type { SessionChanges } from '../../session/session-changes.js';
import type { SessionRecord } from '../session-store.js';

// Records SealedDataStore builds from data it opened: the session a load returns, a merge's result.

/** A session from its cookie and its data, the cookie first (as express-session's records have it). */
export function withCookie(cookie: SessionRecord['cookie'], data: Record<string, unknown>): SessionRecord {
  const record: SessionRecord = { cookie, ...data };
  record.cookie = cookie;
  return record;
}

/** The stored data (opened: a copy of its own) with one request's changes, flash messages one by one. */
export function mergedData(stored: Record<string, unknown>, changes: SessionChanges): Record<string, unknown> {
  applySessionChanges(stored, changes);
  return stored;
}
