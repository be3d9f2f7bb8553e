import { stringifySetCookie } from 'cookie';

/** The cookie as it is stored with the session (connect-redis / express-session JSON shape). */
export interface StoredCookie {
  originalMaxAge: number | null;
  expires?: string | Date | null;
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

/** The date browsers read as "delete this cookie now". */
const EXPIRED = new Date(0);

/**
 * The session's cookie, `req.session.cookie`: express-session's Cookie. `maxAge` is the time
 * left, computed from `expires`; setting it moves `expires` and `originalMaxAge`, which is what
 * `touch()` and `rolling` rely on.
 */
export class SessionCookie {
  path = '/';
  httpOnly = true;
  secure?: boolean;
  domain?: string;
  sameSite?: boolean | 'lax' | 'strict' | 'none';
  partitioned?: boolean;
  priority?: 'low' | 'medium' | 'high';
  /** The lifetime the cookie was given, in ms; `null` for a browser-session cookie. */
  originalMaxAge: number | null = null;
  /** When the session was created (epoch ms), for `absoluteTimeout`; unset without it. */
  createdAt?: number;
  #expires: Date | null = null;

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

  /** The cookie of a stored session; `expires` arrives as an ISO string from JSON stores. */
  static fromStored(stored: StoredCookie): SessionCookie {
    const cookie = new SessionCookie();
    if (stored.path !== undefined) cookie.path = stored.path;
    if (stored.httpOnly !== undefined) cookie.httpOnly = stored.httpOnly;
    cookie.secure = stored.secure;
    cookie.domain = stored.domain;
    cookie.sameSite = stored.sameSite;
    cookie.partitioned = stored.partitioned;
    cookie.priority = stored.priority;
    cookie.#expires = stored.expires ? new Date(stored.expires) : null;
    cookie.originalMaxAge = stored.originalMaxAge ?? null;
    if (typeof stored.createdAt === 'number') cookie.createdAt = stored.createdAt;
    return cookie;
  }

  get expires(): Date | null {
    return this.#expires;
  }

  /** Setting the expiry also records the lifetime from now as `originalMaxAge`. */
  set expires(date: Date | null) {
    this.#expires = date;
    this.originalMaxAge = date ? date.getTime() - Date.now() : null;
  }

  /** Milliseconds left before the cookie expires; `null` for a browser-session cookie. */
  get maxAge(): number | null {
    return this.#expires ? this.#expires.getTime() - Date.now() : null;
  }

  set maxAge(milliseconds: number | null) {
    if (milliseconds != null && (typeof milliseconds !== 'number' || !Number.isFinite(milliseconds))) {
      throw new TypeError('session cookie maxAge must be a finite number of milliseconds or null');
    }
    this.#expires = milliseconds == null ? null : new Date(Date.now() + milliseconds);
    this.originalMaxAge = milliseconds ?? null;
  }

  /** Expiry as epoch milliseconds, or `undefined` for a browser-session cookie. */
  get expiresAt(): number | undefined {
    return this.#expires ? this.#expires.getTime() : undefined;
  }

  /** The stored form; the same keys express-session writes, so stores can be shared. */
  toJSON(): StoredCookie {
    const stored: StoredCookie = {
      originalMaxAge: this.originalMaxAge,
      partitioned: this.partitioned,
      priority: this.priority,
      expires: this.#expires,
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

  /** A `Set-Cookie` header value carrying `value`, URL-encoded as express-session does. */
  serialize(name: string, value: string): string {
    return this.#stringify(name, value, this.#expires ?? undefined, this.priority);
  }

  /** A `Set-Cookie` header value that makes the browser drop the cookie. */
  serializeExpired(name: string): string {
    return this.#stringify(name, '', EXPIRED, undefined);
  }

  #stringify(name: string, value: string, expires: Date | undefined, priority: SessionCookie['priority']): string {
    return stringifySetCookie(
      {
        name,
        value,
        path: this.path,
        domain: this.domain,
        httpOnly: this.httpOnly,
        secure: this.secure,
        sameSite: this.sameSite,
        partitioned: this.partitioned,
        priority,
        expires,
      },
      { encode: encodeURIComponent },
    );
  }
}
