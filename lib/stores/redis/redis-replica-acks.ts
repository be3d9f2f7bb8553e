import { SessionStoreUnavailableError } from '../../core/errors.js';
import type { RedisClient } from './redis-client.js';
import type { ReplicaAcks } from './redis-store-options.js';

/**
 * `command`'s reply once enough replicas have confirmed the write (WAIT on the same connection,
 * after the reply), so a failover cannot lose it; a `SessionStoreUnavailableError` when too few
 * confirm it in time (`waitForReplicas`).
 */
export async function confirmedByReplicas<T>(client: RedisClient, replicaAcks: ReplicaAcks, action: string, command: () => Promise<T>): Promise<T> {
  const reply = await command();
  const confirmations = await client.wait(replicaAcks.replicas, replicaAcks.timeoutMs);
  if (confirmations < replicaAcks.replicas) {
    throw new SessionStoreUnavailableError(
      `nest-sessions: Redis could not ${action} safely: ${confirmations} of ${replicaAcks.replicas} replicas confirmed the write within ${replicaAcks.timeoutMs} ms` +
        ' (RedisStore option waitForReplicas; set it to false for a master without replicas)',
    );
  }
  return reply;
}
