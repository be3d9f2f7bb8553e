import { SessionStoreError, toStoreError } from '../errors.js';
import type { ResolvedSessionOptions } from '../options/resolve-options.js';
import { activityOf } from '../lifecycle/session-activity.js';
import { publishRevoked } from '../lifecycle/session-events.js';
import { handleOfSessionId, sessionHandle } from '../session/session-handle.js';
import { keyedStoreOf } from '../store/at-rest/hashed-id-store.js';
import { hasOwnerIndex, ownerIdOf, ownerOfSession } from '../store/session-owner-index.js';
import { isUsableRecord } from '../session/session-record.js';
import type { SessionRecord, SessionStore } from '../store/session-store.js';
import { sharedClass } from '../shared-across-builds.js';

/** One session of a user, as `UserSessions.list` shows it: never its id. */
export interface UserSessionInfo {
  /** Names the session for `revoke` and `handleOf`; stable for the session, reveals nothing of its id. */
  handle: string;
  /** When the session got its owner (the sign-in). */
  createdAt: Date;
  /** The session's last request, to the minute. */
  lastActiveAt: Date;
  /** When the session expires unless used again; `null` for a browser-session cookie. */
  expiresAt: Date | null;
  /** The User-Agent of the last recorded request; only with the `trackClient` option. */
  userAgent?: string;
  /** The client address of the last recorded request; only with the `trackClient` option. */
  ip?: string;
}

/** Options of `UserSessions.revokeAll`. */
export interface RevokeAllOptions {
  /** The handle of a session to keep ("log out my other devices": the current one). */
  except?: string;
}

/**
 * Listings `revokeAll` makes at most: each one after the first finds only sessions that moved
 * to a new id (or signed in) while the previous round ran; bounded so that a client rotating
 * without pause cannot keep the call from returning.
 */
const MAX_REVOKE_ROUNDS = 10;

/** The store cannot do what was asked (an express-session store has no index of sessions per owner). */
class LocalSessionStoreNotSupportedError extends SessionStoreError {
  override name = 'SessionStoreNotSupportedError';
}
/** Shared by the ESM and the CommonJS build (see shared-across-builds.ts), as the other error classes. */
export const SessionStoreNotSupportedError: typeof LocalSessionStoreNotSupportedError = sharedClass('SessionStoreNotSupportedError', LocalSessionStoreNotSupportedError);
export type SessionStoreNotSupportedError = LocalSessionStoreNotSupportedError;

/** A session of the owner, found through the index and checked against the stored data. */
interface OwnedSession {
  /** The key the store keeps it under: its id, or with `hashIds` the id's hash. */
  storageKey: string;
  record: SessionRecord;
}

/**
 * The sessions of a user (their owner, see the `sessionOwner` option): list them, and end one
 * or all of them ("log out everywhere", "log out my other devices"). Works on the store's
 * per-owner index, so each call costs O(sessions of that owner). A revoked session is
 * deleted from the store: its next request starts a new, signed-out session.
 */
export class UserSessions {
  /**
   * The store that holds sessions by storage key (with `hashIds`, the one under the hashing
   * layer): the owner index lists keys, so sessions are read and ended by key.
   */
  private readonly store: SessionStore;

  constructor(
    store: SessionStore,
    private readonly options: ResolvedSessionOptions,
  ) {
    this.store = keyedStoreOf(store).keyedStore;
  }

  /** The live sessions of `ownerId` (a string, or a number as `session.userId` may hold), oldest sign-in first. */
  async list(ownerId: string | number): Promise<UserSessionInfo[]> {
    const sessions = await this.#sessionsOf(indexedOwnerId(ownerId));
    return sessions.map((session) => this.#info(session)).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /** The handle of a session (`@Session() session`), to mark "this device" in a list. */
  handleOf(session: { readonly id: string }): string {
    if (typeof session?.id !== 'string') throw new TypeError('nest-sessions: UserSessions.handleOf() needs a session (req.session)');
    return handleOfSessionId(session.id, this.options.secrets, this.options.hashIds);
  }

  /** Ends the session with `handle` if it belongs to `ownerId`; false if it is not theirs or gone. */
  async revoke(ownerId: string | number, handle: string): Promise<boolean> {
    const owner = indexedOwnerId(ownerId);
    if (typeof handle !== 'string') return false;
    const sessions = await this.#sessionsOf(owner);
    const target = sessions.find((session) => this.#handleOf(session) === handle);
    if (!target) return false;
    await this.#end(owner, [target]);
    return true;
  }

  /** Ends every session of `ownerId` except the one with handle `except`; resolves to how many ended. */
  async revokeAll(ownerId: string | number, options: RevokeAllOptions = {}): Promise<number> {
    const owner = indexedOwnerId(ownerId);
    const except = options?.except;
    // A `null` or numeric handle would match no session and so revoke the caller's own too.
    if (except !== undefined && typeof except !== 'string') {
      throw new TypeError(`nest-sessions: UserSessions.revokeAll() needs \`except\` to be a handle (a string from handleOf()) or absent, got ${describeValue(except)}`);
    }
    let endedCount = 0;
    // `rotate()` stores the new id before it takes the old one, so a session that moved while a
    // round ended its old id shows up in the next round's listing: list again until none is left.
    for (let round = 0; round < MAX_REVOKE_ROUNDS; round++) {
      const sessions = await this.#sessionsOf(owner);
      const targets = sessions.filter((session) => except === undefined || this.#handleOf(session) !== except);
      if (targets.length === 0) break;
      await this.#end(owner, targets);
      endedCount += targets.length;
    }
    return endedCount;
  }

  async #end(ownerId: string, sessions: OwnedSession[]): Promise<void> {
    const store = this.#indexedStore();
    await this.#call('revoke the sessions', async () => {
      await Promise.all(sessions.map((session) => store.destroy(session.storageKey)));
      await store.removeFromOwnerIndex(ownerId, sessions.map((session) => session.storageKey));
    });
    for (const session of sessions) publishRevoked(session.storageKey, session.record, this.options);
  }

  /**
   * The owner's sessions: the index's entries whose stored data still exists and still names
   * this owner (a session may have ended or changed hands since it was indexed). Stale
   * entries are pruned on the way.
   */
  async #sessionsOf(ownerId: string): Promise<OwnedSession[]> {
    const store = this.#indexedStore();
    return this.#call('list the sessions of an owner', async () => {
      const storageKeys = await store.ownerSessionIds(ownerId);
      const records = await Promise.all(storageKeys.map((storageKey) => store.get(storageKey)));
      const owned: OwnedSession[] = [];
      const stale: string[] = [];
      storageKeys.forEach((storageKey, index) => {
        const record = records[index];
        if (this.#isLiveSessionOf(record, ownerId)) owned.push({ storageKey, record });
        else stale.push(storageKey);
      });
      if (stale.length > 0) await store.removeFromOwnerIndex(ownerId, stale);
      return owned;
    });
  }

  #isLiveSessionOf(record: unknown, ownerId: string): record is SessionRecord {
    if (!isUsableRecord(record) || ownerOfSession(record, this.options.sessionOwner) !== ownerId) return false;
    const { absoluteTimeout } = this.options;
    const createdAt = record.cookie.createdAt;
    return absoluteTimeout === undefined || typeof createdAt !== 'number' || createdAt + absoluteTimeout > Date.now();
  }

  #info({ storageKey, record }: OwnedSession): UserSessionInfo {
    const activity = activityOf(record);
    const expires = record.cookie.expires ? new Date(record.cookie.expires) : null;
    const info: UserSessionInfo = {
      handle: sessionHandle(storageKey, this.options.secrets),
      // A session indexed without activity (written outside the middleware) reports what is known.
      createdAt: new Date(activity?.createdAt ?? record.cookie.createdAt ?? 0),
      lastActiveAt: new Date(activity?.lastActiveAt ?? activity?.createdAt ?? record.cookie.createdAt ?? 0),
      expiresAt: expires && !Number.isNaN(expires.getTime()) ? expires : null,
    };
    if (this.options.trackClient) {
      if (typeof activity?.userAgent === 'string') info.userAgent = activity.userAgent;
      if (typeof activity?.ip === 'string') info.ip = activity.ip;
    }
    return info;
  }

  #handleOf(session: OwnedSession): string {
    return sessionHandle(session.storageKey, this.options.secrets);
  }

  #indexedStore(): SessionStore & Required<Pick<SessionStore, 'ownerSessionIds' | 'removeFromOwnerIndex'>> {
    if (hasOwnerIndex(this.store)) return this.store;
    throw new SessionStoreNotSupportedError(
      `nest-sessions: the session store (${this.store.constructor.name}) does not support listing or revoking a user's sessions: ` +
        'it keeps no index of sessions per owner (express-session stores do not). Use MemoryStore or RedisStore, ' +
        'or implement ownerSessionIds() and removeFromOwnerIndex() on your SessionStore',
    );
  }

  async #call<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStoreError(error, action);
    }
  }
}

/**
 * The owner id the index knows `ownerId` by (numbers as their decimal text, as sessions are
 * indexed); anything that cannot be an owner is a programming error, not a store failure.
 */
function indexedOwnerId(ownerId: unknown): string {
  const owner = ownerIdOf(ownerId);
  if (owner !== undefined) return owner;
  throw new TypeError(`nest-sessions: UserSessions needs an owner id (a non-empty string or a finite number), got ${describeValue(ownerId)}`);
}

/** A short, safe description of a bad argument: its type, and its value only when primitive. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : 'a string';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return `a value of type ${Array.isArray(value) ? 'array' : typeof value}`;
}
