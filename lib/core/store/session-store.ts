import { EventEmitter } from 'node:events';
import type { SessionChanges } from '../session/session-changes.js';
import type { SessionRecord } from '../session/session-record.js';
import { sharedClass } from '../shared-across-builds.js';

/** Marks SessionStore instances across copies of the package (a registered, global symbol). */
const SESSION_STORE_BRAND = Symbol.for('nest-sessions.SessionStore');

// The record a store keeps is defined beside the functions that build and check it.
export type { SessionRecord };

/**
 * How a write may treat an existing entry. `'create'` writes only if the id is absent (a new
 * session), `'update'` only if it is present (a session loaded earlier: if logout destroyed it
 * meanwhile, the late write must not bring it back), `'upsert'` writes either way.
 */
export type StoreWriteMode = 'create' | 'update' | 'upsert';

/** Options of `SessionStore.set`. */
export interface StoreWriteOptions {
  mode?: StoreWriteMode;
  /**
   * Who owns the session, for stores with an owner index (`ownerSessionIds`): the session
   * joins that owner's index (leaving another's), `null` takes it out of any index, and
   * `undefined` (a writer that does not know) leaves the index as it is.
   */
  owner?: string | null;
}

/** What `SessionStore.compareAndSet` did: wrote, found another value stored, or found no session. */
export type CompareAndSetOutcome = 'written' | 'changed' | 'gone';

/**
 * Where sessions live. The abstract class is also the Nest injection token: inject
 * `SessionStore` by type to reach the configured store.
 *
 * Implementations emit `'disconnect'` when they lose their backend and `'connect'` when it is
 * back; in between the session middleware lets requests through without a session, as
 * express-session does. Methods reject with `SessionStoreUnavailableError` when the backend
 * cannot be reached and with `SessionStoreError` for other failures.
 */
abstract class LocalSessionStore extends EventEmitter {
  /**
   * `store instanceof SessionStore` also holds for stores built on another copy of this
   * package (two versions installed side by side), which would otherwise be mistaken for
   * callback stores and never answer. Subclasses keep the ordinary `instanceof`.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== SessionStore) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SESSION_STORE_BRAND] === true;
  }

  /**
   * Whether the backend is reachable now. Read once when the session middleware starts (a
   * store that is already down then cannot have emitted `disconnect` to it); afterwards the
   * middleware follows the `disconnect`/`connect` events. Stores with a connection override it.
   */
  get isConnected(): boolean {
    return true;
  }

  /** The stored session, or `null`/`undefined` when there is none (or it expired). */
  abstract get(sessionId: string): Promise<SessionRecord | null | undefined>;

  /**
   * Stores the session; `options.mode` guards against resurrecting destroyed sessions.
   * Resolves to `false` when the mode refused the write (a store may resolve to nothing when
   * it cannot tell): a refused `'create'` means the id is already taken, a refused `'update'`
   * that the session is gone (the response then sets no cookie for it).
   */
  abstract set(sessionId: string, record: SessionRecord, options?: StoreWriteOptions): Promise<boolean | void>;

  /**
   * Writes only what one request changed, atomically, so overlapping requests of one session
   * do not undo each other: `changes.setKeys` replace those keys, `changes.deletedKeys` go,
   * the cookie (and so the expiry) becomes `record.cookie` (the newest write's), and every
   * other stored key stays as it is. Like `set` with mode `'update'`: resolves to `false`,
   * writing nothing, when the session is not stored (destroyed meanwhile). `record` is the
   * whole session as the request sees it, for the TTL and for stores that must fall back to
   * whole-record writes. Optional: without it sessions are written whole (last save wins).
   */
  merge?(sessionId: string, record: SessionRecord, changes: SessionChanges, options?: Pick<StoreWriteOptions, 'owner'>): Promise<boolean>;

  /**
   * Writes `record` whole, in one atomic step, only if the stored session is still the one
   * `expected` was read as: `expected` must be a record this store's `get` returned (the store
   * compares the value it read then with the value stored now). Resolves to `'written'`, to
   * `'changed'` when another write came between (nothing is written: read again and retry), or
   * to `'gone'` when the session is not stored any more. The primitive a wrapper whose records
   * the store cannot read (sealed data, `encryption`) merges with. Optional: without it such a
   * wrapper writes whole records (last save wins).
   */
  compareAndSet?(
    sessionId: string,
    expected: SessionRecord,
    record: SessionRecord,
    options?: Pick<StoreWriteOptions, 'owner'>,
  ): Promise<CompareAndSetOutcome>;

  /**
   * Removes flash messages (members of the stored session's `__flash` object, by id) in one
   * atomic step and resolves to the ids of those that were there, so that of overlapping
   * requests reading the same message only one gets it. A store with it also applies
   * `changes.flash` in `merge` (messages added and removed one by one) instead of replacing
   * `__flash` whole. Resolves to `[]` when the session is not stored, and to `undefined` when
   * the store cannot take messages of this session (they are then removed with the request's
   * save). Optional: without it, messages are removed with the save, and overlapping requests
   * may both show one.
   */
  takeFlashMessages?(sessionId: string, messageIds: readonly string[]): Promise<string[] | undefined>;

  /** Removes the session. Removing an unknown id is not an error. */
  abstract destroy(sessionId: string): Promise<void>;

  /**
   * Removes the session and resolves to what was stored, in one atomic step, or to `undefined`
   * when there was none (already destroyed, revoked, or taken by another request): `rotate()`
   * moves a session with it, so that of two requests ending or moving one session only one
   * succeeds, and writes confirmed before the move come along. Optional: without it `rotate()`
   * reads, then destroys (two overlapping rotations or a logout may then both succeed).
   */
  take?(sessionId: string): Promise<SessionRecord | null | undefined>;

  /**
   * Extends the life of an unchanged session without rewriting its data; never creates it.
   * Resolves to `false` when there was no such session (destroyed or expired meanwhile: the
   * response then sets no cookie for it), `true` or nothing otherwise. Optional: without it,
   * unchanged sessions are not written back (express-session's rule).
   */
  touch?(sessionId: string, record: SessionRecord): Promise<boolean | void>;

  /**
   * The ids of the sessions recorded under `ownerId` (see `StoreWriteOptions.owner`), read from
   * a per-owner index: O(sessions of that owner), never a scan. May include sessions gone or
   * moved to another owner since; callers check each one. Optional: without it (and
   * `removeFromOwnerIndex`) `UserSessions` is not available.
   */
  ownerSessionIds?(ownerId: string): Promise<string[]>;

  /** Takes sessions out of an owner's index (stale entries found by a caller). Optional. */
  removeFromOwnerIndex?(ownerId: string, sessionIds: readonly string[]): Promise<void>;

  /** Every live session, keyed by id. Optional. */
  all?(): Promise<Record<string, SessionRecord>>;

  /** The ids of every live session. Optional. */
  ids?(): Promise<string[]>;

  /** How many live sessions there are. Optional. */
  length?(): Promise<number>;

  /** Removes every session. Optional. */
  clear?(): Promise<void>;

  /**
   * Resolves once the store can serve requests (its SQL table found or created, its Redis
   * connection ready), rejects when it cannot yet. `SessionModule` waits for it, within a
   * bound, before the app takes requests, so the first ones do not pay for it. Optional.
   */
  whenReady?(): Promise<void>;

  /** Releases timers and connections the store owns. Called on application shutdown. */
  close?(): Promise<void>;
}

Object.defineProperty(LocalSessionStore.prototype, SESSION_STORE_BRAND, { value: true });

/**
 * Where sessions live, and the Nest injection token of the configured store. One class for
 * the ESM and the CommonJS build of the package (see shared-across-builds.ts).
 */
export const SessionStore: typeof LocalSessionStore = sharedClass('SessionStore', LocalSessionStore);
export type SessionStore = LocalSessionStore;
