import { Cluster, Redis } from 'ioredis';
import type { SessionRecord } from '../../../lib/index.js';
import { RedisStore } from '../../../lib/redis.js';
import type { RedisStoreOptions } from '../../../lib/redis.js';
import { RedisClusterProcesses } from '../../support/redis-cluster.js';
import { RedisServerProcess, waitUntil } from '../../support/redis-server.js';

/** A Redis deployment started by the test: one server, or a 3-master cluster. */
export interface RedisTarget {
  readonly name: string;
  /** A client of the test's own, to look at and plant keys behind the store's back. */
  readonly inspector: Redis | Cluster;
  /** A new client for a store (the store does not own it: the target closes it). */
  newClient(): Promise<Redis | Cluster>;
  stop(): Promise<void>;
}

/** Starts a single redis-server. */
export async function startSingleNode(): Promise<RedisTarget & { server: RedisServerProcess }> {
  const server = await RedisServerProcess.start();
  const clients: Redis[] = [];
  const newClient = async () => {
    const client = new Redis(server.port, '127.0.0.1', { ...RedisStore.failFastClientOptions });
    clients.push(client);
    await waitUntil(() => client.status === 'ready', 'the client is ready');
    return client;
  };
  const inspector = await newClient();
  return {
    name: 'single node',
    server,
    inspector,
    newClient,
    async stop() {
      for (const client of clients) client.disconnect();
      await server.stop();
    },
  };
}

/** Starts a cluster of 3 masters. */
export async function startCluster(): Promise<RedisTarget & { cluster: RedisClusterProcesses }> {
  const cluster = await RedisClusterProcesses.start(3);
  const clients: Cluster[] = [];
  const newClient = async () => {
    const client = new Cluster(cluster.nodes, { redisOptions: { ...RedisStore.failFastClientOptions } });
    clients.push(client);
    await waitUntil(() => client.status === 'ready', 'the cluster client is ready');
    return client;
  };
  const inspector = await newClient();
  return {
    name: 'cluster of 3 masters',
    cluster,
    inspector,
    newClient,
    async stop() {
      for (const client of clients) client.disconnect();
      await cluster.stop();
    },
  };
}

/** A store on a fresh client of the target, with a prefix unique to the test. */
export async function storeOn(target: RedisTarget, options: Omit<RedisStoreOptions, 'client'> = {}): Promise<RedisStore> {
  return new RedisStore({ client: await target.newClient(), prefix: uniquePrefix(), ...options });
}

let prefixCount = 0;

/** A key prefix no other test uses, so tests never see (or delete) each other's keys. */
export function uniquePrefix(): string {
  prefixCount += 1;
  return `test:${process.pid}:${Date.now().toString(36)}:${prefixCount}:`;
}

/** A session record as the core hands it to stores, expiring in `lifetimeMs` (or never, with null). */
export function sessionRecord(data: Record<string, unknown> = {}, lifetimeMs: number | null = 60 * 60 * 1000): SessionRecord {
  return {
    cookie: {
      originalMaxAge: lifetimeMs,
      expires: lifetimeMs === null ? null : new Date(Date.now() + lifetimeMs),
      httpOnly: true,
      path: '/',
    },
    ...data,
  };
}

/** Collects what the store logs. */
export class CollectingLogger {
  readonly messages: string[] = [];
  warn(message: string): void {
    this.messages.push(message);
  }
}
