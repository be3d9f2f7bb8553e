import type { SessionSecret } from '../cookie/cookie-signing.js';
import type { SessionRequest } from '../http/http-types.js';
import type { CallbackSessionStore } from '../store/callback-store-adapter.js';
import type { SessionOwnerResolver } from '../store/session-owner-index.js';
import type { HashIdsMode } from '../session/session-storage-key.js';
import type { SessionStore } from '../store/session-store.js';
import type { EncryptionOptions } from '../store/at-rest/encryption-keys.js';

/** `SameSite` attribute values; `'auto'` means `None` over HTTPS and `Lax` over HTTP. */
export type SameSiteOption = boolean | 'lax' | 'strict' | 'none' | 'auto';

/** Attributes of the session-id cookie. Defaults: `{ path: '/', httpOnly: true, secure: false, maxAge: null }`. */
export interface SessionCookieOptions {
  /** Path the cookie is sent for; requests outside it get no session. Default `'/'`. */
  path?: string;
  /** Domain the cookie is sent to. Default: none (the host that set it). */
  domain?: string;
  /** Hide the cookie from `document.cookie`. Default `true`. */
  httpOnly?: boolean;
  /**
   * Send the cookie over HTTPS only. `'auto'` follows the request's protocol (see `proxy`).
   * A secure cookie is never set on a plain-HTTP response, and a new session that would need
   * one there is not stored (a warning, once, names the fix: trust the proxy). Default `false`.
   */
  secure?: boolean | 'auto';
  /**
   * Lifetime in milliseconds; `null` makes a browser-session cookie. Default `null`. Finite,
   * at most 4.32e15 either way. A Date is accepted as express-session does (deprecated, warned
   * once): the cookie expires at that date.
   */
  maxAge?: number | Date | null;
  /** Fixed expiry date; prefer `maxAge`, which is reset on touch. */
  expires?: Date | null;
  /** The `Partitioned` attribute (CHIPS). */
  partitioned?: boolean;
  /** The `Priority` attribute. */
  priority?: 'low' | 'medium' | 'high';
  /** The `SameSite` attribute; `'auto'` resolves per request. Default: not set. */
  sameSite?: SameSiteOption;
}

/** What to do with the stored session when `req.session` is deleted or set to null. */
export type UnsetBehaviour = 'keep' | 'destroy';

/**
 * Options of the session middleware. Names and meanings are express-session's, except that
 * `resave` and `saveUninitialized` default to `false` (express-session's deprecated `true`).
 */
export interface SessionOptions {
  /**
   * Secret(s) signing the session-id cookie. The first signs new cookies, all of them verify,
   * so a secret is rotated by putting the new one first. Required unless
   * `secretFromRequest` is set.
   */
  secret?: SessionSecret | SessionSecret[];
  /**
   * Use `req.secret` (set by cookie-parser) when `secret` is not given, as express-session
   * does. Off by default so that a forgotten secret is caught at start-up.
   */
  secretFromRequest?: boolean;
  /** Name of the session-id cookie. Default `'connect.sid'` (express-session's). */
  name?: string;
  /**
   * @deprecated express-session's old name for `name`, honoured as express-session does (when
   * `name` is not given), with a warning at start-up: rename it to `name`.
   */
  key?: string;
  /**
   * Cookie attributes, or a function of the request returning them. An invalid attribute from
   * the function (often derived from request headers) is left out of that response's cookie
   * and warned about once per attribute, rather than failing the request.
   */
  cookie?: SessionCookieOptions | ((request: SessionRequest) => SessionCookieOptions);
  /** Generates a new session id. Default: 24 random bytes, base64url. */
  genid?: (request: SessionRequest) => string;
  /**
   * Trust `X-Forwarded-Proto` when deciding whether a request is secure: `true` trusts it,
   * `false` only trusts a TLS socket, unset uses the framework's `req.secure` (Express's
   * `trust proxy`).
   */
  proxy?: boolean;
  /** Save the session on every request, even if unchanged. Default `false`. */
  resave?: boolean;
  /** Send the cookie (and so reset its expiry) on every response. Default `false`. */
  rolling?: boolean;
  /**
   * Lazy touch, in ms: an unchanged session is written back to the store (its expiry moved)
   * at most once per this interval, when its stored expiry is older than the interval, instead
   * of on every request. With `rolling`, the cookie carries the expiry the store holds. Needs a
   * cookie `maxAge` (sessions without an expiry are touched as without it); must be less than
   * `maxAge`. Default: none (every request touches).
   */
  touchAfter?: number;
  /** Save new sessions that were not modified. Default `false` (no store entry, no cookie for anonymous visitors). */
  saveUninitialized?: boolean;
  /**
   * The longest a session may live, in ms, however active it is (idle expiry is the cookie's
   * `maxAge`, renewed on activity). Past it the session is destroyed and the request starts a
   * new one: the user signs in again. `regenerate()` (at login) starts a new period. Default:
   * none. The creation time is kept in the stored cookie as `createdAt`.
   */
  absoluteTimeout?: number;
  /** Where sessions are kept: a `SessionStore` or any express-session-compatible store. */
  store?: SessionStore | CallbackSessionStore;
  /** What deleting `req.session` does to the stored session. Default `'keep'`. */
  unset?: UnsetBehaviour;
  /**
   * When the store cannot be reached: `'error'` answers 503 Service Unavailable, `'continue'`
   * lets the request through without a session. Default `'error'`.
   */
  storeUnavailable?: StoreUnavailableBehaviour;
  /**
   * Who owns a session, for `UserSessions` (list and revoke a user's sessions): recorded when
   * the session is saved. Default: `session.userId` when it is a string or a number.
   */
  sessionOwner?: SessionOwnerResolver;
  /**
   * Keep the User-Agent and IP address of owned sessions, listed by `UserSessions.list`.
   * Default `false` (personal data).
   */
  trackClient?: boolean;
  /**
   * Keep sessions in the store under the SHA-256 of their id (base64url) instead of the id
   * itself, so that whoever reads the store (a backup, a replica, `KEYS`) finds nothing to
   * replay as a cookie. The cookie is unchanged. `'migrate'` also finds sessions stored
   * under their plain id and moves them to their hashed key when they are next loaded: run
   * it for one cookie max-age, then `true`. Default `false`.
   */
  hashIds?: HashIdsMode;
  /**
   * Seal session data at rest (AES-256-CTR and Poly1305-AES, README "Protection at rest"): the
   * store keeps `{ cookie, __sealed }`, the data bound to its storage key. `keys`: `[{ id, key }]`, 32-byte keys (Buffer or base64);
   * the first seals, every one opens (rotation: put a new key first). A record that does not
   * open (unknown key id, tampered, copied under another id) is no session. Default: off.
   */
  encryption?: EncryptionOptions;

  /**
   * Also carry the session id in a request header, for clients without a cookie jar (mobile and
   * desktop apps, CLIs): `true` reads `Authorization: Bearer <token>`, an object chooses the
   * header, its scheme and the response header. A request that carries the header is served
   * through it (never a cookie); others use the cookie. Default: off (cookies only).
   */
  header?: boolean | SessionHeaderOptions;
  /**
   * Requests whose session is loaded without waiting for the store (the MemoryStore) continue
   * together at the end of the event loop's turn in which they arrived, one after another, so
   * that each stage of the app's request path runs for all of them in a row, its code warm in
   * the CPU's caches (README "Requests in cohorts"). Async context (AsyncLocalStorage) stays
   * each request's. `false` continues each request at once, as soon as its session is attached.
   * Default `true`.
   */
  requestCohorts?: boolean;
}

/** See `SessionOptions.header`. */
export interface SessionHeaderOptions {
  /** The request header carrying the token. Default `'Authorization'`. */
  name?: string;
  /**
   * The authentication scheme before the token (`<scheme> <token>`), also named in the
   * `WWW-Authenticate` of `SessionGuard`'s 401. Default `'Bearer'` for `Authorization`, none
   * (the whole value is the token) for another header; `''` for none.
   */
  scheme?: string;
  /** The response header a new or changed token is sent in. Default `'Session-Token'`. */
  responseHeader?: string;
}

/** See `SessionOptions.storeUnavailable`. */
export type StoreUnavailableBehaviour = 'error' | 'continue';
