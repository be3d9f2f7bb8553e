import { aFunction, BOOLEAN, checkedOption } from '../option-checks.js';
import type { SessionWithData } from '../session/session-data.js';
import type { SessionStore } from './session-store.js';

/** Who owns a session (a user id), or undefined for a session of nobody (anonymous). */
export type SessionOwnerResolver = (session: SessionWithData) => string | undefined;

/** The owner options after validation. */
export interface ResolvedOwnerOptions {
  sessionOwner: SessionOwnerResolver;
  /** Keep the user agent and IP address of owned sessions, for `UserSessions.list`. */
  trackClient: boolean;
}

/** The default owner: `session.userId` when it is a string or a number. */
export function defaultSessionOwner(session: SessionWithData): string | undefined {
  const userId = (session as { userId?: unknown }).userId;
  if (typeof userId === 'string' && userId.length > 0) return userId;
  if (typeof userId === 'number' && Number.isFinite(userId)) return String(userId);
  return undefined;
}

/** Validates `sessionOwner` and `trackClient`. */
export function resolveOwnerOptions(options: { sessionOwner?: unknown; trackClient?: unknown }): ResolvedOwnerOptions {
  return {
    sessionOwner: checkedOption('sessionOwner', options.sessionOwner, aFunction<SessionOwnerResolver>('(session) => string | undefined')) ?? defaultSessionOwner,
    trackClient: checkedOption('trackClient', options.trackClient, BOOLEAN) ?? false,
  };
}

/**
 * The owner of a session (or of stored session data) as the index keys it: a non-empty string,
 * or undefined. A resolver that throws or answers something else means "no owner": an
 * application bug must not fail every request.
 */
export function ownerOfSession(data: object, resolve: SessionOwnerResolver): string | undefined {
  let owner: unknown;
  try {
    owner = resolve(data as SessionWithData);
  } catch {
    return undefined;
  }
  return ownerIdOf(owner);
}

/**
 * An owner id as the index keys it: a non-empty string as it is, a finite number as its
 * decimal text (`4242` and `'4242'` are one owner), anything else undefined.
 */
export function ownerIdOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Whether the store keeps an index of sessions per owner (MemoryStore and RedisStore do). */
export function hasOwnerIndex(store: SessionStore): store is SessionStore & Required<Pick<SessionStore, 'ownerSessionIds' | 'removeFromOwnerIndex'>> {
  return typeof store.ownerSessionIds === 'function' && typeof store.removeFromOwnerIndex === 'function';
}
