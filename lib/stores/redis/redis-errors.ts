import { SessionStoreError, SessionStoreUnavailableError } from '../../core/errors.js';
import type { StoreBackend } from '../../core/store/store-deadline.js';

/**
 * Server replies meaning "not now" rather than "wrong": the server is loading its data, has
 * lost its master (or, with `min-replicas-to-write`, its replicas), or the cluster is
 * resharding or down. Worth a 503, not a 500.
 */
const TRANSIENT_REPLY_CODES = ['LOADING', 'MASTERDOWN', 'CLUSTERDOWN', 'TRYAGAIN', 'BUSY', 'READONLY', 'NOREPLICAS'];

/** Whether an ioredis error is a reply the server sent (as opposed to a connection failure). */
export function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError';
}

/**
 * An ioredis failure as a store error. Everything that is not a server reply (command timed
 * out, connection closed, refused, retries exhausted, no cluster node reachable) means Redis
 * cannot be reached: `SessionStoreUnavailableError`. Server replies are 500s unless transient.
 */
export function toRedisStoreError(error: unknown, action: string): SessionStoreError {
  if (error instanceof SessionStoreError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  if (isReplyError(error) && !TRANSIENT_REPLY_CODES.some((code) => reason.startsWith(code))) {
    return new SessionStoreError(`nest-sessions: Redis refused to ${action}: ${reason}`, { cause: error });
  }
  return new SessionStoreUnavailableError(`nest-sessions: Redis is unavailable, could not ${action}: ${reason}`, {
    cause: error,
  });
}

/** Redis as the store's calls name it and type its failures. */
export const REDIS_BACKEND: StoreBackend = { name: 'Redis', toStoreError: toRedisStoreError };
