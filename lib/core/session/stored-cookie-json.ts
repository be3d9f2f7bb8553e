import { isoTextOf } from '../cookie/date-text.js';
import type { StoredCookie } from '../cookie/session-cookie.js';

/** `JSON.stringify` of a stored cookie, split where its `expires` text goes. */
interface CookieJsonParts {
  readonly attributes: StoredCookie;
  readonly beforeExpires: string;
  readonly afterExpires: string;
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
