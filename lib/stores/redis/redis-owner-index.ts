import { ACTIVITY_INTERVAL_MS } from '../../core/lifecycle/session-activity.js';
import type { RedisClient } from './redis-client.js';

/**
 * Touches extend a session's TTL without telling the index, but an owned session in use is
 * saved at least once a minute (its `lastActiveAt`), which renews its index entry: an entry
 * outlives its session's last save by at most this.
 */
const INDEX_GRACE_MS = 2 * ACTIVITY_INTERVAL_MS;

/**
 * Adds a session to its owner's index, a sorted set scored by expiry (ms): drops expired
 * members, then lets the set itself expire with its longest-lived session. One key only, so
 * the script runs on a Cluster, wherever the key's slot lives.
 */
const ADD_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], latest[2])
return 1
`;

/**
 * RedisStore's per-owner index: key `indexPrefix + ownerId` (by default `prefix + 'owners:' +
 * ownerId`, so a hash tag in `prefix` puts it on the sessions' slot), a sorted set of session
 * ids scored by when their entry lapses. Every command names that one key, so nothing crosses
 * slots on a Cluster; session keys stay connect-redis' `prefix + id`, untouched.
 */
export class RedisOwnerIndex {
  constructor(
    private readonly client: RedisClient,
    readonly indexPrefix: string,
  ) {}

  /** Records `sessionId` under `ownerId` until `sessionExpiresAt` (ms) plus the grace period. */
  async add(ownerId: string, sessionId: string, sessionExpiresAt: number): Promise<void> {
    const entryExpiresAt = Math.ceil(sessionExpiresAt + INDEX_GRACE_MS);
    await this.client.eval(ADD_SCRIPT, 1, this.indexPrefix + ownerId, String(Date.now()), String(entryExpiresAt), sessionId);
  }

  /** The ids whose entries have not lapsed. */
  async sessionIds(ownerId: string): Promise<string[]> {
    return this.client.zrangebyscore(this.indexPrefix + ownerId, `(${Date.now()}`, '+inf');
  }

  async remove(ownerId: string, sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length > 0) await this.client.zrem(this.indexPrefix + ownerId, ...sessionIds);
  }
}
