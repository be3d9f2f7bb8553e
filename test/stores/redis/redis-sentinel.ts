import { Redis } from 'ioredis';
import { RedisServerProcess, waitUntil } from '../../support/redis-server.js';

/** The name the Sentinels know the master by. */
export const SENTINEL_MASTER_NAME = 'sessions-master';

/** Sentinel's answer to `SENTINEL MASTER name`, as field → value. */
function fieldsOf(reply: unknown): Record<string, string> {
  const pairs = reply as string[];
  const fields: Record<string, string> = {};
  for (let index = 0; index + 1 < pairs.length; index += 2) fields[pairs[index]!] = pairs[index + 1]!;
  return fields;
}

/**
 * A master, one replica and three Sentinels (quorum 2) started by the test on free ports: a
 * deployment whose master can be frozen (SIGSTOP) and failed over for real.
 */
export class RedisSentinelTopology {
  private constructor(
    /** The server that was master at the start (it stays this object after a failover). */
    readonly master: RedisServerProcess,
    readonly replica: RedisServerProcess,
    readonly sentinels: RedisServerProcess[],
  ) {}

  /** Starts the servers and waits until every Sentinel knows the replica and the other Sentinels. */
  static async start(downAfterMs = 2_000): Promise<RedisSentinelTopology> {
    const started: RedisServerProcess[] = [];
    try {
      const master = await RedisServerProcess.start();
      started.push(master);
      const replica = await RedisServerProcess.start(['--replicaof', '127.0.0.1', String(master.port)]);
      started.push(replica);
      const sentinels: RedisServerProcess[] = [];
      for (let index = 0; index < 3; index++) {
        const sentinel = await RedisServerProcess.startSentinel(master.port, SENTINEL_MASTER_NAME, { quorum: 2, downAfterMs, failoverTimeoutMs: 10_000 });
        started.push(sentinel);
        sentinels.push(sentinel);
      }
      const topology = new RedisSentinelTopology(master, replica, sentinels);
      await waitUntil(() => topology.#isEverySentinelReady(), 'every Sentinel knows the replica and the two other Sentinels', 30_000);
      return topology;
    } catch (error) {
      await Promise.all(started.map((server) => server.stop()));
      throw error;
    }
  }

  /** The Sentinels' addresses, for the `sentinels` option of an ioredis client. */
  get sentinelAddresses(): Array<{ host: string; port: number }> {
    return this.sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port }));
  }

  /** The master's port as the first Sentinel answers it now. */
  async masterPortNamedBySentinels(): Promise<number> {
    const [, port] = (await this.#askSentinel(this.sentinels[0]!, ['get-master-addr-by-name', SENTINEL_MASTER_NAME])) as [string, string];
    return Number(port);
  }

  /** Whether `server` replicates from a master and has finished syncing with it. */
  async isSyncedReplica(server: RedisServerProcess): Promise<boolean> {
    const client = new Redis(server.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, commandTimeout: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const info = await client.info('replication');
      return info.includes('role:slave') && info.includes('master_link_status:up') && !info.includes('master_sync_in_progress:1');
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sentinels, this.replica, this.master].map((server) => server.stop()));
  }

  async #isEverySentinelReady(): Promise<boolean> {
    const views = await Promise.all(this.sentinels.map((sentinel) => this.#askSentinel(sentinel, ['master', SENTINEL_MASTER_NAME])));
    return views.every((view) => {
      const fields = fieldsOf(view);
      return fields['num-slaves'] === '1' && fields['num-other-sentinels'] === '2';
    });
  }

  async #askSentinel(sentinel: RedisServerProcess, args: string[]): Promise<unknown> {
    const client = new Redis(sentinel.port, '127.0.0.1', { maxRetriesPerRequest: 0, commandTimeout: 1_000 });
    try {
      return await client.call('sentinel', ...args);
    } finally {
      client.disconnect();
    }
  }
}
