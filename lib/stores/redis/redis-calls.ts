import { SessionStoreUnavailableError } from '../../core/errors.js';
import { storeCall } from '../../core/store/store-deadline.js';
import { commandTimeoutOf } from './redis-client.js';
import type { RedisClient } from './redis-client.js';
import type { RedisConnection } from './redis-connection.js';
import { REDIS_BACKEND } from './redis-errors.js';
import type { ReplicaAcks } from './redis-store-options.js';

/**
 * How RedisStore calls Redis: at once a 503 while the connection is known to be down, each
 * call's failure typed, and each call bounded by the client's `commandTimeout` counted from the
 * call (also while it waits in an auto-pipeline). A call may be one round trip or a few (a
 * merge after a concurrent write, a script the server lacks).
 */
export class RedisCalls {
  /** Longest wait of one call, from the client's `commandTimeout`; none without it. */
  readonly #timeoutMs: number | undefined;

  constructor(
    private readonly client: RedisClient,
    private readonly connection: RedisConnection,
    /** Replicas that must confirm each write (WAIT) before it counts as done; none by default. */
    private readonly replicaAcks: ReplicaAcks | undefined,
  ) {
    this.#timeoutMs = commandTimeoutOf(client);
  }

  /** A call; `isBounded: false` for walks of many SCAN pages, each command having ioredis' own timeout. */
  run<T>(action: string, command: () => Promise<T>, isBounded = true): Promise<T> {
    const unavailable = this.connection.unavailableError(action);
    if (unavailable) return Promise.reject(unavailable);
    return storeCall(REDIS_BACKEND, action, command, isBounded ? this.#timeoutMs : undefined);
  }

  /**
   * A write: with `waitForReplicas`, not done until enough replicas confirm it (WAIT on the same
   * connection, after the reply), so a failover cannot lose it.
   */
  write<T>(action: string, command: () => Promise<T>): Promise<T> {
    const { replicaAcks } = this;
    if (!replicaAcks) return this.run(action, command);
    return this.run(action, async () => {
      const reply = await command();
      const confirmations = await this.client.wait(replicaAcks.replicas, replicaAcks.timeoutMs);
      if (confirmations < replicaAcks.replicas) {
        throw new SessionStoreUnavailableError(
          `nest-sessions: Redis could not ${action} safely: ${confirmations} of ${replicaAcks.replicas} replicas confirmed the write within ${replicaAcks.timeoutMs} ms` +
            ' (RedisStore option waitForReplicas; set it to false for a master without replicas)',
        );
      }
      return reply;
    });
  }
}
