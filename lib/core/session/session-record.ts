import { domainProblem, expiresProblem, isEpochMilliseconds, lifetimeProblem, pathProblem, toPriority, toSameSite } from '../cookie/cookie-attributes.js';
import type { Session } from './session.js';
import type { StoredCookie } from '../cookie/session-cookie.js';
import { objectSlot } from '../object-slot.js';
import { recordJsonOf } from './record-json.js';
import { storedCookieJson } from './stored-cookie-json.js';

/** A session as a store keeps it: the data plus the cookie, in express-session's JSON shape. */
export interface SessionRecord {
  cookie: StoredCookie;
  [key: string]: unknown;
}

/** What `toSessionRecord` knew of a record it made: the data's JSON, the cookie object it made. */
interface RecordTexts {
  readonly dataJson: string;
  readonly cookie: StoredCookie;
}

/** In a private field rather than a property: a record is the user's to compare and copy. */
const recordTexts = objectSlot<RecordTexts>();

/**
 * The session as the store receives it: its data and the cookie's stored form. `dataJson`,
 * the data already serialized (`serializeSessionData`), lets `serializeSessionRecord` skip
 * serializing the data a second time.
 */
export function toSessionRecord(session: Session, dataJson?: string): SessionRecord {
  const cookie = session.cookie.toJSON();
  const record: SessionRecord = { ...session, cookie };
  if (dataJson !== undefined) recordTexts.set(record, { dataJson, cookie });
  return record;
}

/**
 * `toSessionRecord` for a store's immediate calls (immediate-store.ts), which read a record's
 * cookie and its data's JSON only: the data stays in its JSON, not copied onto the record (a
 * session of many keys is a hash table, which V8 copies slowly).
 */
export function toSessionRecordByJson(session: Session, dataJson: string): SessionRecord {
  const cookie = session.cookie.toJSON();
  const record: SessionRecord = { cookie };
  recordTexts.set(record, { dataJson, cookie });
  return record;
}

/**
 * `JSON.stringify(record)`, reusing the data's JSON when the record comes straight from
 * `toSessionRecord` with it (only the cookie is serialized then). For stores that keep JSON.
 */
export function serializeSessionRecord(record: SessionRecord): string {
  const texts = recordTexts.get(record);
  if (texts === undefined) return JSON.stringify(record);
  // The cookie is the Session's first own property, so it leads the record as it would here.
  return recordJsonOf(cookieJsonOf(record, texts), texts.dataJson);
}

/** Where the cookie ends in `json`, the record's `serializeSessionRecord`; 0 when not known (a record not from `toSessionRecord`). */
export function cookieEndInSerialized(record: SessionRecord, json: string): number {
  const texts = recordTexts.get(record);
  if (texts === undefined) return 0;
  // recordJsonOf: the cookie, then the data's members (or the closing brace of empty data).
  return json.length - (texts.dataJson === '{}' ? 1 : texts.dataJson.length);
}

/** The record's data (every key but `cookie`) as JSON, reusing the text `toSessionRecord` was given. For stores that seal the data. */
export function serializeRecordData(record: SessionRecord): string {
  const texts = recordTexts.get(record);
  if (texts !== undefined) return texts.dataJson;
  const { cookie: _cookie, ...data } = record;
  return JSON.stringify(data);
}

/** Stands in for the cookie of a record not made from a session: no record's cookie is this one. */
const NOT_A_SESSION_COOKIE = Object.freeze({}) as StoredCookie;

/**
 * `record` (`source`'s cookie and data whose JSON is `dataJson`: the `{"__sealed":…}` of the
 * `encryption` option), marked to be serialized without stringifying its data again and trusted
 * as `source` is (`isSessionMadeRecord`: the same cookie, made from a session).
 */
export function withDataJsonOf(record: SessionRecord, source: SessionRecord, dataJson: string): SessionRecord {
  recordTexts.set(record, { dataJson, cookie: isSessionMadeRecord(source) && record.cookie === source.cookie ? source.cookie : NOT_A_SESSION_COOKIE });
  return record;
}

/**
 * Whether the record is one `toSessionRecord` made from a session (given the data's JSON) and
 * its cookie is still the one made there: `isUsableRecord` accepts it, whatever its data.
 */
export function isSessionMadeRecord(record: SessionRecord): boolean {
  const texts = recordTexts.get(record);
  return texts !== undefined && texts.cookie === record.cookie;
}

/** `JSON.stringify(record.cookie)`, without stringifying a cookie `toSessionRecord` made. */
export function serializeRecordCookie(record: SessionRecord): string {
  return cookieJsonOf(record, recordTexts.get(record));
}

function cookieJsonOf(record: SessionRecord, texts: RecordTexts | undefined): string {
  // A cookie replaced since is stringified as it is; the one toSessionRecord made has known keys.
  return texts !== undefined && record.cookie === texts.cookie ? storedCookieJson(record.cookie) : JSON.stringify(record.cookie);
}

/**
 * Whether a value read from a store can become a session: an object whose cookie is an object
 * with every attribute valid. Anything else (corrupted or foreign data) starts a new session
 * instead of failing the request or the response's Set-Cookie. The rule for each stored cookie
 * field is the same: missing or null takes the default; present with a wrong type or an
 * invalid value makes the whole record unusable (a record that is wrong in one place cannot
 * be trusted in the others). Unknown keys are ignored. Runs on every load: typeof checks, and
 * a regex only for the `domain` and `path` a record carries.
 * Expiry is the store's business, as in express-session: stores that touch by extending their
 * own TTL (Redis EXPIRE) keep an older `cookie.expires` in the value.
 */
export function isUsableRecord(record: unknown): record is SessionRecord {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return false;
  const cookie = (record as { cookie?: unknown }).cookie;
  return typeof cookie === 'object' && cookie !== null && !Array.isArray(cookie) && isUsableStoredCookie(cookie);
}

function isUsableStoredCookie(cookie: Partial<Record<keyof StoredCookie, unknown>>): boolean {
  const { originalMaxAge, expires, path, domain, sameSite, priority, createdAt } = cookie;
  return (
    isOptionalBoolean(cookie.httpOnly) &&
    isOptionalBoolean(cookie.secure) &&
    isOptionalBoolean(cookie.partitioned) &&
    (originalMaxAge == null || lifetimeProblem(originalMaxAge) === undefined) &&
    (expires == null || expiresProblem(expires) === undefined) &&
    (path == null || pathProblem(path) === undefined) &&
    (domain == null || domainProblem(domain) === undefined) &&
    (sameSite == null || toSameSite(sameSite) !== undefined) &&
    (priority == null || toPriority(priority) !== undefined) &&
    (createdAt == null || isEpochMilliseconds(createdAt))
  );
}

function isOptionalBoolean(value: unknown): boolean {
  return value == null || typeof value === 'boolean';
}
