import { maskedCsrfToken } from '../csrf/csrf-token.js';
import { flashMessage, setSessionRequestAccessor } from './flash.js';
import { markAuthenticated } from './sign-in-time.js';
import type { SessionCookie } from '../cookie/session-cookie.js';
import { dataJsonAfterCookie } from './record-json.js';
import { flatDataJsonOf } from './flat-data-json.js';
import { AdoptingBase } from '../object-slot.js';

/** A callback in Node's style, as Passport and other express-session clients pass them. */
export type SessionCallback = (error?: unknown) => void;

/**
 * The operations a Session delegates its methods to: those of the request it belongs to
 * (implemented by the request's lifecycle), which knows the store and what it holds.
 */
export interface SessionOperations {
  saveSession(session: Session): Promise<void>;
  reloadSession(session: Session): Promise<Session>;
  destroySession(session: Session): Promise<void>;
  regenerateSession(session: Session): Promise<Session>;
  rotateSession(session: Session): Promise<Session>;
  /**
   * Removes flash messages from the stored session atomically, resolving to the ids of those
   * this call removed; undefined when the store cannot (they are then removed with the save).
   */
  takeFlashMessages(session: Session, messageIds: readonly string[]): Promise<readonly string[] | undefined>;
  /** The signed token (`s:<id>.<signature>`) naming `session`, as the `header` option reads it. */
  sessionToken(session: Session): string;
}

/** Resolves when `promise` settles; errors are left to callers who await, never unhandled. */
function promiseOrCallback<T>(promise: Promise<T>, callback: SessionCallback | undefined): Promise<T> | undefined {
  if (callback) {
    promise.then(() => callback(), callback);
    return undefined;
  }
  // A caller that neither awaits nor passes a callback must not crash the process later
  // (express-session throws "fn is not a function" there): mark the rejection as handled.
  promise.catch(() => undefined);
  return promise;
}


/**
 * `req.session`: the session data as own enumerable properties plus `cookie`, with
 * express-session's methods, which are not enumerable and so never stored. Each method takes
 * an optional callback and returns a Promise when given none.
 */
export class Session extends AdoptingBase {
  /**
   * The id: read through a getter on the prototype, so, as in express-session (a
   * non-enumerable property there), it is never part of the data, and assigning it throws.
   * A getter rather than `Object.defineProperty` on each session, which is far slower.
   */
  readonly #id: string;
  /** The session's cookie; its `maxAge`/`expires` decide how long the session lives. */
  cookie: SessionCookie;
  readonly #operations: SessionOperations;

  /** With `adopted`, `data` itself becomes the session (see `overRecord`); else its keys are copied. */
  constructor(operations: SessionOperations, sessionId: string, cookie: SessionCookie, data?: Record<string, unknown>, adopted?: true) {
    super(adopted && data);
    this.#id = sessionId;
    this.#operations = operations;
    this.cookie = cookie;
    if (adopted) {
      // Last, with every property in place: V8 then shares one hidden class among such sessions.
      Object.setPrototypeOf(this, Session.prototype);
    } else if (data) {
      const target = this as unknown as Record<string, unknown>;
      for (const key of Object.keys(data)) {
        if (key === 'cookie') continue;
        // A stored key that shadows one of express-session's members (`save`, `id`) is dropped,
        // as express-session drops it (`key in this`); one named as a method added here stays data.
        if (!DROPPED_KEYS.has(key)) target[key] = data[key];
        else sessionsMissingStoredKeys.add(this);
      }
    }
  }

  /**
   * The session made of `record` itself rather than of a copy of its keys, or undefined when
   * it cannot be: for a record the store parsed for this load and holds no reference to (an
   * immediate store's `getUsable`). Worth it for a session of many keys: copied one by one, more
   * than ~20 of them put the session in V8's dictionary mode, where building it and each
   * `JSON.stringify` of it take V8's slow paths (bench/PROFILE.md, `data=large`); the parsed
   * record is in fast mode, and stays so. A record with a key the copy would drop (a stored
   * `save`) or another prototype is copied.
   */
  static overRecord(operations: SessionOperations, sessionId: string, cookie: SessionCookie, record: Record<string, unknown>): Session | undefined {
    if (Object.getPrototypeOf(record) !== Object.prototype) return undefined;
    const keys = Object.keys(record);
    if (keys.length <= COPIED_RECORD_KEYS_LIMIT) return undefined;
    for (const key of keys) if (DROPPED_KEYS.has(key)) return undefined;
    return new Session(operations, sessionId, cookie, record, true);
  }

  static {
    // flash.ts reaches the session's request through this accessor.
    setSessionRequestAccessor((session) => (#operations in session ? session.#operations : undefined));
  }

  get id(): string {
    return this.#id;
  }

  /** Resets the cookie's expiry to its full lifetime; the store is told at the end of the request. */
  touch(): this {
    return this.resetMaxAge();
  }

  /** Sets `cookie.maxAge` back to `cookie.originalMaxAge`. */
  resetMaxAge(): this {
    this.cookie.maxAge = this.cookie.originalMaxAge;
    return this;
  }

  /**
   * Records a message for a later request (post/redirect/get), read there once with
   * `@Flash(key)`. Kept in the session under the reserved key `__flash`.
   */
  flash(key: string, value: unknown): void {
    flashMessage(this, key, value);
  }

  /**
   * A CSRF token for this session, for a form's hidden `_csrf` field or a JSON reply: masked
   * afresh on each call, and every one valid until the id changes (`regenerate()`, `rotate()`).
   * The first call creates the session's secret (under the reserved key `__csrf`), which saves it.
   */
  csrfToken(): string {
    return maskedCsrfToken(this);
  }

  /**
   * Records that the user signed in now (call it after checking a password or a second
   * factor), under the reserved key `__authenticatedAt`: `@RequireFreshSession(maxAgeMs)`
   * routes accept the session for `maxAgeMs` after it. `regenerate()` does not record it
   * (a new id is no proof of a password); `rotate()` keeps it.
   */
  markAuthenticated(): void {
    markAuthenticated(this);
  }

  /**
   * The signed token naming this session (`s:<id>.<signature>`, signed with the current
   * secret): what a client of the `header` option sends (`Authorization: Bearer <token>`).
   * Hand it over in a sign-in's response body; it names a stored session once the session is
   * saved (at the end of a request that changed it, or `save()`). It changes with the id
   * (`regenerate()`, `rotate()`): ask for it after them.
   */
  token(): string {
    return this.#operations.sessionToken(this);
  }

  /** Writes the session to the store now (it is otherwise saved at the end of the request). */
  save(): Promise<void>;
  save(callback: SessionCallback): this;
  save(callback?: SessionCallback): Promise<void> | this {
    return promiseOrCallback(this.#operations.saveSession(this), callback) ?? this;
  }

  /** Replaces `req.session` with the stored copy; the promise resolves to that new object. */
  reload(): Promise<this>;
  reload(callback: SessionCallback): this;
  reload(callback?: SessionCallback): Promise<this> | this {
    return promiseOrCallback(this.#operations.reloadSession(this) as Promise<this>, callback) ?? this;
  }

  /** Deletes the session from the store, unsets `req.session` and expires the cookie. */
  destroy(): Promise<void>;
  destroy(callback: SessionCallback): this;
  destroy(callback?: SessionCallback): Promise<void> | this {
    return promiseOrCallback(this.#operations.destroySession(this), callback) ?? this;
  }

  /**
   * Destroys this session and puts a new, empty one with a new id on `req.session` (do it at
   * login). The promise resolves to the new session: this object is the old one, so write
   * to the result (`const fresh = await session.regenerate(); fresh.userId = id`).
   */
  regenerate(): Promise<this>;
  regenerate(callback: SessionCallback): this;
  regenerate(callback?: SessionCallback): Promise<this> | this {
    return promiseOrCallback(this.#operations.regenerateSession(this) as Promise<this>, callback) ?? this;
  }

  /**
   * Moves the session to a new id, keeping its data and cookie settings (do it when privileges
   * change and the state must stay: a cart, a return URL). The new session is stored and the
   * old id destroyed at once; the response carries the new cookie. The promise resolves to the
   * new session, which is also the new `req.session`: write to the result, not to this object.
   * Not in express-session (whose `regenerate()`, also here, starts an empty session).
   */
  rotate(): Promise<this>;
  rotate(callback: SessionCallback): this;
  rotate(callback?: SessionCallback): Promise<this> | this {
    return promiseOrCallback(this.#operations.rotateSession(this) as Promise<this>, callback) ?? this;
  }
}

/**
 * The methods a session has beyond express-session's: an app that stored data under one of
 * these names with express-session (`req.session.token = accessToken`) keeps it; on that
 * session the data hides the method (`@SessionToken()` still reads the token).
 */
const ADDED_METHOD_NAMES: ReadonlySet<string> = new Set(['flash', 'csrfToken', 'markAuthenticated', 'token', 'rotate']);

/**
 * The stored keys the session drops (express-session's `key in this`): the names on the
 * session's prototypes, Object.prototype's included, but for the methods added here. A Set:
 * `in` on the prototype cost ~200–300 instructions a key (a megamorphic lookup).
 */
const DROPPED_KEYS: ReadonlySet<string> = new Set(
  [Session.prototype, Object.prototype].flatMap((prototype) => Object.getOwnPropertyNames(prototype)).filter((name) => !ADDED_METHOD_NAMES.has(name)),
);

/** Up to this many keys (the cookie's included) a record is copied: cheaper for a few keys than a change of prototype. */
const COPIED_RECORD_KEYS_LIMIT = 12;

/**
 * Data whose JSON is shorter has too few keys for `overRecord` to adopt its record (the
 * shortest with enough: `{"":0,"a":0,…}`): its session is built in the session's own key
 * order, so a store may put the cookie last in such a record. A longer one's record is the
 * session's key order, and keeps the cookie first as express-session's does.
 */
export const SHORTEST_ADOPTED_DATA_JSON = '{"":0}'.length + (COPIED_RECORD_KEYS_LIMIT - 1) * ',"a":0'.length;

/** Sessions made from stored data whose keys they did not all keep (see the constructor): seldom any. */
const sessionsMissingStoredKeys = new WeakSet<Session>();

/** Whether the session kept every key of the data it was made from: then that data's JSON is its own. */
export function hasEveryStoredKey(session: Session): boolean {
  return !sessionsMissingStoredKeys.has(session);
}

/** The session's data without the cookie: what change detection compares. */
export function serializeSessionData(session: Session): string {
  const keys = Object.keys(session);
  if (keys.length > COPIED_KEYS_LIMIT) {
    const cutJson = dataJsonCutFromSession(session);
    if (cutJson !== undefined) return cutJson;
  } else {
    const flatJson = flatDataJsonOf(session as unknown as Record<string, unknown>, keys, 'cookie');
    if (flatJson !== undefined) return flatJson;
  }
  const { cookie: _cookie, ...data } = session;
  return JSON.stringify(data);
}

/**
 * Up to this many own keys the data is written in JavaScript when flat (`flatDataJsonOf`), or
 * else copied out (`{ cookie, ...data }`) and stringified. A
 * session with more (V8 keeps at most ~12 properties added by key in fast mode, then moves the
 * object to a hash table) is stringified whole and its cookie cut off the front: copying out of
 * a hash table costs more than stringifying (bench/PROFILE.md, `data=large`), while for a small
 * session the copy is cheaper (the whole session, a class instance with a cookie that has
 * `toJSON`, takes V8's slow stringify path).
 */
const COPIED_KEYS_LIMIT = 12;

/**
 * The data's JSON out of `JSON.stringify(session)`, when it begins with the cookie's text; else
 * undefined (an app that deleted and added the cookie again moved it last; a cookie whose text
 * depends on where it is stringified).
 */
function dataJsonCutFromSession(session: Session): string | undefined {
  const cookieJson = JSON.stringify(session.cookie) as string | undefined;
  return cookieJson === undefined ? undefined : dataJsonAfterCookie(JSON.stringify(session), cookieJson);
}
