import { stringifySetCookie } from 'cookie';
import type { PriorityValue, SameSiteValue } from './cookie-attributes.js';
import { utcTextOf } from './date-text.js';

/** A Set-Cookie value's attributes other than its name, value and `Expires`. */
export interface SetCookieAttributes {
  readonly path: string;
  readonly domain: string | undefined;
  readonly httpOnly: boolean | undefined;
  readonly secure: boolean | undefined;
  readonly sameSite: SameSiteValue | undefined;
  readonly partitioned: boolean | undefined;
  readonly priority: PriorityValue | undefined;
}

/** What the `cookie` package writes around `Expires` for one name and attribute set. */
interface SetCookieParts extends SetCookieAttributes {
  readonly name: string;
  /** `; Domain=…; Path=…`: the attributes the package writes before `Expires`. */
  readonly beforeExpires: string;
  /** `; HttpOnly; Secure; …; SameSite=…`: those it writes after. */
  readonly afterExpires: string;
}

/** Applications use one attribute set, or a few (a `cookie` function, `secure: 'auto'`). */
const MAX_CACHED_PARTS = 16;
const cachedParts: SetCookieParts[] = [];

const EPOCH = new Date(0);
const EPOCH_EXPIRES = '; Expires=' + EPOCH.toUTCString();

/**
 * The `cookie` package's `stringifySetCookie` (URL-encoding the value, as express-session
 * does), with the attribute text it produces cached per name and attribute set, and the
 * `Expires` text per second. The cache is keyed by the attribute values
 * themselves, so a handler that changes any attribute of `req.session.cookie` gets the text
 * of the new set. Attribute values were validated where they were set (SessionCookie's
 * setters), so the package's output for them is the same whatever the value and expiry.
 */
export function setCookieText(
  name: string,
  value: string,
  attributes: SetCookieAttributes,
  expiresAt: number | undefined,
  /** `value` is URL-encoded already (a cookie written back as the request carried it). */
  isValueEncoded = false,
): string {
  if (expiresAt !== undefined && !Number.isFinite(expiresAt)) {
    // A Date made invalid in place: the package refuses it with its own error.
    return stringifyWithPackage(name, isValueEncoded ? decodeURIComponent(value) : value, attributes, new Date(expiresAt));
  }
  const parts = cachedPartsFor(name, attributes);
  const nameAndValue = name + '=' + (isValueEncoded ? value : encodeURIComponent(value)) + parts.beforeExpires;
  return expiresAt === undefined
    ? nameAndValue + parts.afterExpires
    : nameAndValue + '; Expires=' + utcTextOf(expiresAt) + parts.afterExpires;
}

function cachedPartsFor(name: string, attributes: SetCookieAttributes): SetCookieParts {
  const { path, domain, httpOnly, secure, sameSite, partitioned, priority } = attributes;
  for (const parts of cachedParts) {
    if (
      parts.name === name && parts.path === path && parts.domain === domain && parts.httpOnly === httpOnly &&
      parts.secure === secure && parts.sameSite === sameSite && parts.partitioned === partitioned &&
      parts.priority === priority
    ) {
      return parts;
    }
  }
  const attributeSet = { path, domain, httpOnly, secure, sameSite, partitioned, priority };
  // The package's own output for this set, split where it writes `Expires`; the text before
  // it cannot contain `; Expires=` (a path or domain with `;` is refused).
  const text = stringifyWithPackage(name, '', attributeSet, EPOCH);
  const expiresStart = text.indexOf(EPOCH_EXPIRES);
  const parts: SetCookieParts = {
    name,
    ...attributeSet,
    beforeExpires: text.slice(name.length + 1, expiresStart),
    afterExpires: text.slice(expiresStart + EPOCH_EXPIRES.length),
  };
  if (cachedParts.length >= MAX_CACHED_PARTS) cachedParts.shift();
  cachedParts.push(parts);
  return parts;
}

function stringifyWithPackage(name: string, value: string, attributes: SetCookieAttributes, expires: Date | undefined): string {
  const { path, domain, httpOnly, secure, sameSite, partitioned, priority } = attributes;
  return stringifySetCookie(
    { name, value, path, domain, httpOnly, secure, sameSite, partitioned, priority, expires },
    { encode: encodeURIComponent },
  );
}
