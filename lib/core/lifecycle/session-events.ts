import diagnosticsChannel from 'node:diagnostics_channel';
import type { SessionSecret } from '../cookie/cookie-signing.js';
import type { CsrfRefusedReason } from '../csrf/csrf-decision.js';
import { handleOfSessionId, sessionHandle } from '../session/session-handle.js';
import type { HashIdsMode } from '../session/session-storage-key.js';
import type { SessionOwnerResolver } from '../store/session-owner-index.js';
import { ownerOfSession } from '../store/session-owner-index.js';
import type { UnreadableReason } from '../store/at-rest/sealed-record.js';

/**
 * Names of the `node:diagnostics_channel` channels nest-sessions publishes on, one per
 * lifecycle event. APM agents and audit logs subscribe with
 * `diagnostics_channel.subscribe(SESSION_CHANNELS.revoked, (event) => …)`.
 */
export const SESSION_CHANNELS = {
  /** A new session was written to the store for the first time. */
  created: 'nest-sessions:session:created',
  /** A stored session was loaded for a request. */
  loaded: 'nest-sessions:session:loaded',
  /** An existing session was written again (changed, `resave`, or `lastActiveAt` renewed). */
  saved: 'nest-sessions:session:saved',
  /** An unchanged session's expiry was extended in the store (no rewrite). */
  touched: 'nest-sessions:session:touched',
  /**
   * `regenerate()`: a stored session was replaced by a new, empty one with a new id (not
   * published when the session replaced was new and never stored).
   */
  regenerated: 'nest-sessions:session:regenerated',
  /**
   * `rotate()`: the session moved to a new id with its data; the old id was destroyed. Published
   * instead of `created` (for the new id) and `destroyed` (for the old one).
   */
  rotated: 'nest-sessions:session:rotated',
  /** The session was deleted: `destroy()`, `unset: 'destroy'`, or past `absoluteTimeout`. */
  destroyed: 'nest-sessions:session:destroyed',
  /** `UserSessions.revoke()`/`revokeAll()` ended the session. */
  revoked: 'nest-sessions:session:revoked',
  /** The CSRF protection refused a request (never with the token it carried). */
  csrfRefused: 'nest-sessions:session:csrf-refused',
  /**
   * With `encryption`: a stored session did not open (a key id no longer configured, failed
   * authentication, an unknown format), so the request started a new one. Never carries the
   * session id, its storage key or a key.
   */
  unreadable: 'nest-sessions:session:unreadable',
} as const;

export type SessionEventName = keyof typeof SESSION_CHANNELS;

/** What every event carries. Never the session id: it is a bearer credential. */
export interface SessionEvent {
  /** The session's handle, as `UserSessions` lists it: an HMAC of the id, not reversible. */
  sessionHandle: string;
  /** The session's owner (the `sessionOwner` option) when it has one. */
  ownerId?: string;
}

/** Payload of `regenerated`. */
export interface SessionRegeneratedEvent extends SessionEvent {
  /** The handle of the session that was replaced (and destroyed). */
  previousSessionHandle: string;
}

/** Payload of `rotated`: the handle is the new id's, the owner the session's. */
export interface SessionRotatedEvent extends SessionEvent {
  /** The handle of the id the session had before (now destroyed). */
  previousSessionHandle: string;
}

/** Why a session was destroyed. */
export type SessionDestroyReason = 'destroy' | 'unset' | 'absolute-timeout';

/** Payload of `destroyed`. */
export interface SessionDestroyedEvent extends SessionEvent {
  reason: SessionDestroyReason;
}

/** Payload of `csrfRefused`: the session's handle when the request had one. */
export interface CsrfRefusedEvent {
  sessionHandle?: string;
  ownerId?: string;
  reason: CsrfRefusedReason;
  /** The request's method (`POST`), or `'WEBSOCKET'` for a gateway message. */
  method: string;
}

/** Payload of `unreadable`: why the stored session did not open, and the key id it named. */
export interface SessionUnreadableEvent {
  reason: UnreadableReason;
  /** The key id written in the record (a label, not a key), when it named one. */
  keyId?: string;
}

/** What building a payload needs from the options. */
export interface SessionEventContext {
  secrets: readonly SessionSecret[] | undefined;
  sessionOwner: SessionOwnerResolver;
  /** Handles name the storage key: with `hashIds`, the hash of the id. */
  hashIds?: HashIdsMode;
}

const channels = Object.fromEntries(
  Object.entries(SESSION_CHANNELS).map(([event, name]) => [event, diagnosticsChannel.channel(name)]),
) as Record<SessionEventName, diagnosticsChannel.Channel>;

/**
 * Publishes `event` for a session. Nothing is computed (no hash, no owner lookup) unless the
 * channel has subscribers: without them an event costs one property check.
 */
export function publishSessionEvent(
  event: Exclude<SessionEventName, 'regenerated' | 'rotated' | 'destroyed' | 'csrfRefused' | 'revoked' | 'unreadable'>,
  sessionId: string,
  data: object | undefined,
  context: SessionEventContext,
): void {
  const channel = channels[event];
  if (!channel.hasSubscribers) return;
  channel.publish(basePayload(sessionId, data, context));
}

/** `regenerated` or `rotated`: the session now has another id, named only by the previous one's handle. */
export function publishIdChanged(
  event: 'regenerated' | 'rotated',
  previousSessionId: string,
  sessionId: string,
  data: object,
  context: SessionEventContext,
): void {
  const channel = channels[event];
  if (!channel.hasSubscribers) return;
  const payload: SessionRegeneratedEvent | SessionRotatedEvent = {
    ...basePayload(sessionId, data, context),
    previousSessionHandle: handleOfSessionId(previousSessionId, context.secrets, context.hashIds),
  };
  channel.publish(payload);
}

export function publishDestroyed(
  sessionId: string,
  data: object | undefined,
  reason: SessionDestroyReason,
  context: SessionEventContext,
): void {
  const channel = channels.destroyed;
  if (!channel.hasSubscribers) return;
  const payload: SessionDestroyedEvent = { ...basePayload(sessionId, data, context), reason };
  channel.publish(payload);
}

/** `csrfRefused`: `sessionId` is undefined for a request without a session. */
export function publishCsrfRefused(
  reason: CsrfRefusedReason,
  method: string,
  sessionId: string | undefined,
  data: object | undefined,
  context: SessionEventContext,
): void {
  const channel = channels.csrfRefused;
  if (!channel.hasSubscribers) return;
  const payload: CsrfRefusedEvent = sessionId === undefined ? { reason, method } : { ...basePayload(sessionId, data, context), reason, method };
  channel.publish(payload);
}

/**
 * `revoked`, by `UserSessions`, which knows the session by its storage key (with `hashIds`,
 * the hash of its id): the handle is the key's, as for every other event of that session.
 */
export function publishRevoked(storageKey: string, data: object, context: SessionEventContext): void {
  const channel = channels.revoked;
  if (!channel.hasSubscribers) return;
  channel.publish(payloadWithHandle(sessionHandle(storageKey, context.secrets), data, context));
}

/** `unreadable`: a stored session that did not open (no handle: the store's key may be a hash of the id). */
export function publishUnreadable(reason: UnreadableReason, keyId: string | undefined): void {
  const channel = channels.unreadable;
  if (!channel.hasSubscribers) return;
  const payload: SessionUnreadableEvent = keyId === undefined ? { reason } : { reason, keyId };
  channel.publish(payload);
}

function basePayload(sessionId: string, data: object | undefined, context: SessionEventContext): SessionEvent {
  return payloadWithHandle(handleOfSessionId(sessionId, context.secrets, context.hashIds), data, context);
}

function payloadWithHandle(handle: string, data: object | undefined, context: SessionEventContext): SessionEvent {
  const payload: SessionEvent = { sessionHandle: handle };
  const ownerId = data ? ownerOfSession(data, context.sessionOwner) : undefined;
  if (ownerId !== undefined) payload.ownerId = ownerId;
  return payload;
}
