import type { SessionRequest } from '../http/http-types.js';
import type { Session } from '../session/session.js';
import type { ResolvedOwnerOptions } from '../store/session-owner-index.js';
import { hasOwnerIndex, ownerOfSession } from '../store/session-owner-index.js';
import type { SessionStore } from '../store/session-store.js';
import { sessionTransportOf } from './request-state.js';
import type { SessionTransportName } from './request-state.js';

/** The reserved session key holding when an owned session was created and last active. */
export const ACTIVITY_KEY = '__activity';

/** `lastActiveAt` is refreshed at most this often: one write a minute, not one per request. */
export const ACTIVITY_INTERVAL_MS = 60_000;

/** Longest user agent kept: a header must not grow the session without bound. */
const MAX_USER_AGENT_LENGTH = 256;

/** What an owned session keeps about its own activity, under `ACTIVITY_KEY`. */
export interface SessionActivity {
  /** When the session got its owner (or was created, with `absoluteTimeout`), epoch ms. */
  createdAt: number;
  /** The last request, to the minute, epoch ms. */
  lastActiveAt: number;
  /** With `trackClient`: the User-Agent header of that request. */
  userAgent?: string;
  /** With `trackClient`: the client's address (Express's `req.ip`, honouring `trust proxy`). */
  ip?: string;
  /**
   * How the session id was carried by the last recorded request: `'header'` (the `header`
   * option) or `'cookie'`. Absent in records written before it was kept: read as `'cookie'`.
   */
  transport?: SessionTransportName;
}

/** The activity stored in session data, or undefined when absent or malformed. */
export function activityOf(data: object): SessionActivity | undefined {
  const activity = (data as Record<string, unknown>)[ACTIVITY_KEY] as Partial<SessionActivity> | undefined;
  if (typeof activity !== 'object' || activity === null) return undefined;
  if (typeof activity.createdAt !== 'number' || typeof activity.lastActiveAt !== 'number') return undefined;
  return activity as SessionActivity;
}

/**
 * Before a session is committed: an owned session whose `lastActiveAt` is a minute old (or
 * missing) gets it renewed, which makes the session modified, so the ordinary commit rules
 * save it; younger activity is left alone, so an unchanged session costs no write. A session
 * that lost its owner (logout without destroy) drops the record. Returns the owner.
 */
export function noteActivity(
  data: Record<string, unknown>,
  request: SessionRequest | undefined,
  options: ResolvedOwnerOptions,
  sessionCreatedAt?: number,
  now?: number,
): string | undefined {
  const owner = ownerOfSession(data, options.sessionOwner);
  if (owner === undefined) {
    if (ACTIVITY_KEY in data) delete data[ACTIVITY_KEY];
    return undefined;
  }
  // Read only for an owned session: the clock is a call into V8's runtime, twice a request.
  now ??= Date.now();
  const previous = activityOf(data);
  const transport = request ? sessionTransportOf(request) : undefined;
  // A session that moved between cookie and header (a token handed to an app) says so at once.
  const isSameTransport = transport === undefined || transport === (previous?.transport ?? 'cookie');
  if (previous && isSameTransport && now - previous.lastActiveAt < ACTIVITY_INTERVAL_MS) return owner;
  const activity: SessionActivity = { createdAt: previous?.createdAt ?? sessionCreatedAt ?? now, lastActiveAt: now };
  // Only 'header' is written: a record without it reads as 'cookie', as records from before do.
  const recordedTransport = transport ?? previous?.transport;
  if (recordedTransport === 'header') activity.transport = 'header';
  if (options.trackClient && request) Object.assign(activity, clientOf(request));
  data[ACTIVITY_KEY] = activity;
  return owner;
}

function clientOf(request: SessionRequest): Pick<SessionActivity, 'userAgent' | 'ip'> {
  const client: Pick<SessionActivity, 'userAgent' | 'ip'> = {};
  const userAgent = request.headers['user-agent'];
  if (typeof userAgent === 'string' && userAgent.length > 0) client.userAgent = userAgent.slice(0, MAX_USER_AGENT_LENGTH);
  const ip = (request as { ip?: unknown }).ip ?? (request.socket as { remoteAddress?: unknown } | undefined)?.remoteAddress;
  if (typeof ip === 'string' && ip.length > 0) client.ip = ip;
  return client;
}

/**
 * `noteActivity` for the request's session, when the store keeps an owner index (without one
 * nothing reads the activity, so nothing is written for it). Returns what `set` is told
 * about the owner: the owner, `null` for none, `undefined` when the store has no index.
 */
export function noteSessionActivity(
  session: Session,
  request: SessionRequest | undefined,
  options: ResolvedOwnerOptions,
  store: SessionStore,
): string | null | undefined {
  if (!hasOwnerIndex(store)) return undefined;
  return noteActivity(session as unknown as Record<string, unknown>, request, options, session.cookie.createdAt) ?? null;
}
