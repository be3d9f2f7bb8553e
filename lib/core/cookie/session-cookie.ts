// Over our ~250-line aim: express-session's Cookie, ten attributes each with a getter and a checked setter.
import {
  domainProblem,
  isEpochMilliseconds,
  expiresProblem,
  lifetimeProblem,
  pathProblem,
  PRIORITY,
  SAME_SITE,
  toPriority,
  toSameSite,
  warnDateMaxAgeOnce,
} from './cookie-attributes.js';
import type { PriorityValue, SameSiteValue } from './cookie-attributes.js';
import { jsonTextOfDate, parseDateText } from './date-text.js';
import { SessionCookieError } from '../errors.js';
import { BOOLEAN, describeValue, problemOf } from '../option-checks.js';
import { setCookieText } from './set-cookie-text.js';

/** The cookie as it is stored with the session (connect-redis / express-session JSON shape). */
export interface StoredCookie {
  originalMaxAge: number | null;
  expires?: string | number | Date | null;
  partitioned?: boolean;
  priority?: 'low' | 'medium' | 'high';
  secure?: boolean;
  httpOnly?: boolean;
  domain?: string;
  path?: string;
  sameSite?: boolean | 'lax' | 'strict' | 'none';
  /** When the session was created (epoch ms); kept only with the `absoluteTimeout` option. */
  createdAt?: number;
}

/** Cookie attributes with every `'auto'` already resolved for the request at hand. */
export interface ResolvedCookieAttributes {
  path: string;
  httpOnly: boolean;
  secure: boolean;
  maxAge: number | null;
  expires?: Date | null;
  domain?: string;
  partitioned?: boolean;
  priority?: 'low' | 'medium' | 'high';
  sameSite?: boolean | 'lax' | 'strict' | 'none';
}

/** The date browsers read as "delete this cookie now" (epoch ms). */
const EXPIRED_AT = 0;

/**
 * The session's cookie, `req.session.cookie`: express-session's Cookie. `maxAge` is the time
 * left, computed from `expires`; setting it moves `expires` and `originalMaxAge`, which is what
 * `touch()` and `rolling` rely on. Every attribute is checked when it is set: a value no
 * browser could take (a handler's `cookie.maxAge = 1e300`, a domain with a port) throws a
 * `SessionCookieError` naming the attribute there, instead of breaking the response later.
 */
export class SessionCookie {
  #path = '/';
  #httpOnly: boolean | undefined = true;
  #secure: boolean | undefined;
  #domain: string | undefined;
  #sameSite: SameSiteValue | undefined;
  #partitioned: boolean | undefined;
  #priority: PriorityValue | undefined;
  #originalMaxAge: number | null = null;
  #createdAt: number | undefined;
  #expires: Date | null = null;
  /**
   * A stored expiry (epoch ms) not made into `#expires` yet: the touch at the end of the
   * request usually replaces it unread, so the Date is only built if something reads it.
   */
  #storedExpiresAt: number | undefined;

  /** A cookie for a new session, from attributes resolved for this request. */
  static fromAttributes(attributes: ResolvedCookieAttributes): SessionCookie {
    const cookie = new SessionCookie();
    cookie.path = attributes.path;
    cookie.httpOnly = attributes.httpOnly;
    cookie.secure = attributes.secure;
    cookie.domain = attributes.domain;
    cookie.sameSite = attributes.sameSite;
    cookie.partitioned = attributes.partitioned;
    cookie.priority = attributes.priority;
    if (attributes.maxAge != null) cookie.maxAge = attributes.maxAge;
    else if (attributes.expires) cookie.expires = attributes.expires;
    return cookie;
  }

  /**
   * The cookie of a stored session; `expires` arrives as an ISO string from JSON stores (a
   * Date or epoch ms from others). Throws
   * `SessionCookieError` for a value `isUsableRecord` would have refused.
   */
  static fromStored(stored: StoredCookie): SessionCookie {
    const cookie = new SessionCookie();
    if (stored.path != null) cookie.path = stored.path;
    if (stored.httpOnly != null) cookie.httpOnly = stored.httpOnly;
    cookie.secure = stored.secure ?? undefined;
    cookie.domain = stored.domain ?? undefined;
    cookie.sameSite = stored.sameSite ?? undefined;
    cookie.partitioned = stored.partitioned ?? undefined;
    cookie.priority = stored.priority ?? undefined;
    if (typeof stored.expires === 'string') {
      const epochMilliseconds = parseDateText(stored.expires);
      // The text itself in the message when it is not a date at all.
      throwIfProblem('expires', expiresProblem(Number.isFinite(epochMilliseconds) ? epochMilliseconds : stored.expires));
      cookie.#storedExpiresAt = epochMilliseconds;
    } else {
      cookie.expires = stored.expires != null ? new Date(stored.expires) : null;
    }
    cookie.originalMaxAge = stored.originalMaxAge ?? null;
    if (stored.createdAt != null) cookie.createdAt = stored.createdAt;
    return cookie;
  }

  /**
   * A stored cookie with `attributes`' attributes (checked when they were set there) and
   * `expiresAt` as its expiry: `fromStored` without checking each attribute and parsing the
   * expiry again, for a cookie whose stored text this process wrote (stored-cookie-json.ts).
   */
  static withAttributesOf(attributes: SessionCookie, expiresAt: number): SessionCookie {
    const cookie = new SessionCookie();
    cookie.#path = attributes.#path;
    cookie.#httpOnly = attributes.#httpOnly;
    cookie.#secure = attributes.#secure;
    cookie.#domain = attributes.#domain;
    cookie.#sameSite = attributes.#sameSite;
    cookie.#partitioned = attributes.#partitioned;
    cookie.#priority = attributes.#priority;
    cookie.#originalMaxAge = attributes.#originalMaxAge;
    cookie.#createdAt = attributes.#createdAt;
    cookie.#storedExpiresAt = expiresAt;
    return cookie;
  }

  /** Path the cookie is sent for. Default `'/'`. */
  get path(): string {
    return this.#path;
  }

  set path(path: string) {
    throwIfProblem('path', pathProblem(path));
    this.#path = path;
  }

  /** Hide the cookie from `document.cookie`. Default `true`. */
  get httpOnly(): boolean | undefined {
    return this.#httpOnly;
  }

  set httpOnly(isHttpOnly: boolean | undefined) {
    this.#httpOnly = optionalBoolean('httpOnly', isHttpOnly);
  }

  get secure(): boolean | undefined {
    return this.#secure;
  }

  set secure(isSecure: boolean | undefined) {
    this.#secure = optionalBoolean('secure', isSecure);
  }

  get partitioned(): boolean | undefined {
    return this.#partitioned;
  }

  set partitioned(isPartitioned: boolean | undefined) {
    this.#partitioned = optionalBoolean('partitioned', isPartitioned);
  }

  get domain(): string | undefined {
    return this.#domain;
  }

  set domain(domain: string | undefined) {
    if (domain != null) throwIfProblem('domain', domainProblem(domain));
    this.#domain = domain ?? undefined;
  }

  /** The `SameSite` attribute; names in any casing are kept lower-cased. */
  get sameSite(): SameSiteValue | undefined {
    return this.#sameSite;
  }

  set sameSite(sameSite: SameSiteValue | undefined) {
    const value = sameSite == null ? undefined : toSameSite(sameSite);
    if (sameSite != null && value === undefined) throwIfProblem('sameSite', problemOf(sameSite, SAME_SITE));
    this.#sameSite = value;
  }

  get priority(): PriorityValue | undefined {
    return this.#priority;
  }

  set priority(priority: PriorityValue | undefined) {
    const value = priority == null ? undefined : toPriority(priority);
    if (priority != null && value === undefined) throwIfProblem('priority', problemOf(priority, PRIORITY));
    this.#priority = value;
  }

  /** The lifetime the cookie was given, in ms; `null` for a browser-session cookie. */
  get originalMaxAge(): number | null {
    return this.#originalMaxAge;
  }

  set originalMaxAge(milliseconds: number | null) {
    if (milliseconds != null) throwIfProblem('originalMaxAge', lifetimeProblem(milliseconds));
    this.#originalMaxAge = milliseconds ?? null;
  }

  /** When the session was created (epoch ms), for `absoluteTimeout`; unset without it. */
  get createdAt(): number | undefined {
    return this.#createdAt;
  }

  set createdAt(epochMilliseconds: number | undefined) {
    if (epochMilliseconds !== undefined && !isEpochMilliseconds(epochMilliseconds)) {
      throw new SessionCookieError('createdAt', `must be a time in epoch milliseconds, got ${describeValue(epochMilliseconds)}`);
    }
    this.#createdAt = epochMilliseconds;
  }

  get expires(): Date | null {
    return this.#expiresDate();
  }

  /** Setting the expiry also records the lifetime from now as `originalMaxAge`. */
  set expires(date: Date | null) {
    if (date != null && !(date instanceof Date)) {
      throw new SessionCookieError('expires', `must be a valid Date or null, got ${describeValue(date)}`);
    }
    if (date != null) throwIfProblem('expires', expiresProblem(date));
    const originalMaxAge = date ? date.getTime() - Date.now() : null;
    this.#storedExpiresAt = undefined;
    this.#expires = date ?? null;
    this.#originalMaxAge = originalMaxAge;
  }

  /** Milliseconds left before the cookie expires; `null` for a browser-session cookie. */
  get maxAge(): number | null {
    const expiresAt = this.expiresAt;
    return expiresAt === undefined ? null : expiresAt - Date.now();
  }

  /** A number of ms from now, or `null`; a Date (deprecated, as in express-session) sets `expires`. */
  set maxAge(milliseconds: number | Date | null) {
    if (milliseconds instanceof Date) {
      throwIfProblem('maxAge', expiresProblem(milliseconds));
      this.expires = milliseconds;
      warnDateMaxAgeOnce();
      return;
    }
    if (milliseconds != null) throwIfProblem('maxAge', lifetimeProblem(milliseconds));
    this.#storedExpiresAt = undefined;
    this.#expires = milliseconds == null ? null : new Date(Date.now() + milliseconds);
    this.#originalMaxAge = milliseconds ?? null;
  }

  /** Expiry as epoch milliseconds, or `undefined` for a browser-session cookie. */
  get expiresAt(): number | undefined {
    if (this.#storedExpiresAt !== undefined) return this.#storedExpiresAt;
    return this.#expires ? this.#expires.getTime() : undefined;
  }

  #expiresDate(): Date | null {
    if (this.#storedExpiresAt !== undefined) {
      this.#expires = new Date(this.#storedExpiresAt);
      this.#storedExpiresAt = undefined;
    }
    return this.#expires;
  }

  /** `console.log(req.session)` shows the attributes (they live in private fields). */
  [Symbol.for('nodejs.util.inspect.custom')](): StoredCookie {
    return this.toJSON();
  }

  /**
   * The stored form; the same keys express-session writes, so stores can be shared. For
   * `JSON.stringify` (which passes a key) `expires` is already its text: V8 formats Dates slowly.
   */
  toJSON(key?: string): StoredCookie {
    const expires = this.#expiresDate();
    const stored: StoredCookie = {
      originalMaxAge: this.originalMaxAge,
      partitioned: this.partitioned,
      priority: this.priority,
      expires: key === undefined || expires === null ? expires : jsonTextOfDate(expires),
      secure: this.secure,
      httpOnly: this.httpOnly,
      domain: this.domain,
      path: this.path,
      sameSite: this.sameSite,
    };
    // Only with absoluteTimeout: otherwise the keys stay exactly express-session's.
    if (this.createdAt !== undefined) stored.createdAt = this.createdAt;
    return stored;
  }

  /** A `Set-Cookie` header value carrying `value`, URL-encoded as express-session does unless `isValueEncoded`. */
  serialize(name: string, value: string, isValueEncoded = false): string {
    return setCookieText(name, value, this, this.expiresAt, isValueEncoded);
  }

  /**
   * A `Set-Cookie` header value that makes the browser drop the cookie: empty, dated 1970,
   * without `Priority` (which only ranks the cookies a browser keeps).
   */
  serializeExpired(name: string): string {
    const { path, domain, httpOnly, secure, sameSite, partitioned } = this;
    return setCookieText(name, '', { path, domain, httpOnly, secure, sameSite, partitioned, priority: undefined }, EXPIRED_AT);
  }
}

function throwIfProblem(attribute: string, problem: string | undefined): void {
  if (problem !== undefined) throw new SessionCookieError(attribute, problem);
}

function optionalBoolean(attribute: string, value: unknown): boolean | undefined {
  if (value == null) return undefined;
  if (typeof value !== 'boolean') throwIfProblem(attribute, problemOf(value, BOOLEAN));
  return value as boolean;
}
