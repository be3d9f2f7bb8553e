import { isoTextOf } from '../cookie/date-text.js';
import { SessionCookie } from '../cookie/session-cookie.js';
import type { StoredCookie } from '../cookie/session-cookie.js';
import { hasTextAt } from '../text-at.js';
import { cookieEndOf, parseRecordWithoutCookie } from './record-json.js';

/** A record as JSON.parse gives it back (session-record.ts's `SessionRecord`). */
type ParsedRecord = { cookie: StoredCookie } & Record<string, unknown>;

/** `JSON.stringify` of a stored cookie, split where its `expires` text goes. */
interface CookieJsonParts {
  readonly attributes: StoredCookie;
  readonly beforeExpires: string;
  readonly afterExpires: string;
  /** The cookie as JSON.parse gives it back (its `expires` a placeholder), and as a SessionCookie, checked once; made on the first read. */
  read?: ReadCookieForm | null;
}

interface ReadCookieForm {
  readonly parsed: StoredCookie;
  readonly checked: SessionCookie;
}

/** Applications use one attribute set, or a few (a `cookie` function, `secure: 'auto'`). */
const MAX_CACHED_PARTS = 16;
const cachedParts: CookieJsonParts[] = [];
const EXPIRES_PLACEHOLDER = '\u0001expires';
const PLACEHOLDER_JSON = `"expires":${JSON.stringify(EXPIRES_PLACEHOLDER)}`;

/**
 * `JSON.stringify(cookie)` for a cookie as `SessionCookie#toJSON` makes it (its keys, in its
 * order, `expires` a Date or null): the text around the expiry is made once per attribute set,
 * the expiry's text comes from the per-second cache. Anything else is stringified as it is.
 */
export function storedCookieJson(cookie: StoredCookie): string {
  const { expires } = cookie;
  if (!(expires instanceof Date) || expires.toJSON !== Date.prototype.toJSON) return JSON.stringify(cookie);
  const epochMilliseconds = expires.getTime();
  if (!Number.isFinite(epochMilliseconds)) return JSON.stringify(cookie);
  // A creation time differs per session: not worth a cache entry (absoluteTimeout only).
  if (cookie.createdAt !== undefined) return JSON.stringify({ ...cookie, expires: isoTextOf(epochMilliseconds) });
  const parts = cachedPartsFor(cookie);
  return parts.beforeExpires + '"' + isoTextOf(epochMilliseconds) + '"' + parts.afterExpires;
}

function cachedPartsFor(cookie: StoredCookie): CookieJsonParts {
  for (const parts of cachedParts) if (isSameAttributeSet(parts.attributes, cookie)) return parts;
  const { originalMaxAge, partitioned, priority, secure, httpOnly, domain, path, sameSite } = cookie;
  const attributes: StoredCookie = { originalMaxAge, partitioned, priority, secure, httpOnly, domain, path, sameSite };
  // The key and a placeholder no validated attribute can contain mark where the expiry goes.
  const text = JSON.stringify({ ...cookie, expires: EXPIRES_PLACEHOLDER });
  const at = text.indexOf(PLACEHOLDER_JSON) + '"expires":'.length;
  const parts = { attributes, beforeExpires: text.slice(0, at), afterExpires: text.slice(at + PLACEHOLDER_JSON.length - '"expires":'.length) };
  if (cachedParts.length >= MAX_CACHED_PARTS) cachedParts.shift();
  cachedParts.push(parts);
  return parts;
}

function isSameAttributeSet(cached: StoredCookie, cookie: StoredCookie): boolean {
  return (
    cached.originalMaxAge === cookie.originalMaxAge && cached.path === cookie.path && cached.httpOnly === cookie.httpOnly &&
    cached.secure === cookie.secure && cached.sameSite === cookie.sameSite && cached.domain === cookie.domain &&
    cached.partitioned === cookie.partitioned && cached.priority === cookie.priority
  );
}

/** `toISOString()`'s length for years 0 to 9999, the expiries this form holds (others are written otherwise). */
const ISO_TEXT_LENGTH = 24;
const QUOTE = 0x22;

/**
 * `JSON.parse(recordJson)` for a record JSON (`recordJsonOf`'s shape, its cookie ending at
 * `cookieEnd`) whose cookie `storedCookieJson` wrote in a cached form: only the data is parsed,
 * the cookie is copied from the form. Undefined when the cookie is in no cached form.
 */
export function parseRecordOfWrittenCookie(recordJson: string, cookieEnd: number): ParsedRecord | undefined {
  const parts = writtenPartsAt(recordJson, cookieEnd);
  const read = parts === undefined ? null : readFormOf(parts);
  if (read === null) return undefined;
  const record = parseRecordWithoutCookie(recordJson, cookieEnd);
  const expiresStart = cookieEnd - parts!.afterExpires.length - 1 - ISO_TEXT_LENGTH;
  record.cookie = { ...read.parsed, expires: recordJson.slice(expiresStart, expiresStart + ISO_TEXT_LENGTH) };
  return record as ParsedRecord;
}

/**
 * `SessionCookie.fromStored` of the cookie in a record JSON as `parseRecordOfWrittenCookie`
 * takes it, expiring at `expiresAt` (kept beside the text by the caller: the expiry the text
 * holds): a copy of the form's cookie, checked once, instead of each attribute checked and the
 * expiry parsed again. Undefined when the cookie is in no cached form.
 */
export function cookieOfWrittenForm(recordJson: string, cookieEnd: number, expiresAt: number): SessionCookie | undefined {
  const parts = writtenPartsAt(recordJson, cookieEnd);
  const read = parts === undefined ? null : readFormOf(parts);
  return read === null ? undefined : SessionCookie.withAttributesOf(read.checked, expiresAt);
}

/** The cached form `storedCookieJson` wrote the cookie ending at `cookieEnd` in; undefined for any other text. */
function writtenPartsAt(recordJson: string, cookieEnd: number): CookieJsonParts | undefined {
  const cookieStart = cookieEndOf('');
  for (const parts of cachedParts) {
    const afterStart = cookieEnd - parts.afterExpires.length;
    if (afterStart - ISO_TEXT_LENGTH - 2 !== cookieStart + parts.beforeExpires.length) continue;
    if (
      hasTextAt(recordJson, parts.beforeExpires, cookieStart) &&
      hasTextAt(recordJson, parts.afterExpires, afterStart) &&
      recordJson.charCodeAt(afterStart - 1) === QUOTE &&
      recordJson.charCodeAt(afterStart - ISO_TEXT_LENGTH - 2) === QUOTE
    ) {
      return parts;
    }
  }
  return undefined;
}

function readFormOf(parts: CookieJsonParts): ReadCookieForm | null {
  if (parts.read === undefined) {
    const parsed = JSON.parse(`${parts.beforeExpires}""${parts.afterExpires}`) as StoredCookie;
    try {
      parts.read = { parsed, checked: SessionCookie.fromStored({ ...parsed, expires: null }) };
    } catch {
      // Written from a SessionCookie, so checked already; should a form still fail, its cookies are parsed as they are.
      parts.read = null;
    }
  }
  return parts.read;
}
