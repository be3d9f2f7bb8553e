/**
 * The part of an ioredis client RedisStore uses, and what it reads from a client or does to one
 * beside its commands: whether it is a Cluster, its command timeout, closing it.
 */
import { SessionStoreUnavailableError } from '../../core/errors.js';

/**
 * The part of an ioredis client the store uses: a structural type, so that `Redis` and
 * `Cluster` clients of ioredis 5 (what BullMQ apps have) and 6 both fit.
 */
export interface RedisClient {
  readonly status: string;
  readonly options: {
    readonly keyPrefix?: string;
    /** The store's deadline for each call (see `commandTimeoutOf`). */
    readonly commandTimeout?: number;
    /** On a `Cluster`: the options of its node clients, where `commandTimeout` lives. */
    readonly redisOptions?: { readonly commandTimeout?: number };
    /** Set on a Sentinel client: its writes wait for a replica by default (see `waitForReplicas`). */
    readonly sentinels?: readonly unknown[] | null;
    /** ioredis' option to record where each command was called (see `RedisCommands`). */
    readonly showFriendlyErrorStack?: boolean;
  };
  /** `true` on an ioredis `Cluster`. */
  readonly isCluster?: boolean;
  /** Any command by name: the store's own commands on a client of another ioredis copy (see `RedisCommands`). */
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, expiryUnit: 'EX', seconds: number, condition?: 'NX' | 'XX'): Promise<'OK' | null>;
  del(key: string): Promise<number>;
  /** For a `'create'` write whose cookie has already expired: is the id taken? */
  exists(key: string): Promise<number>;
  expire(key: string, seconds: number): Promise<number>;
  /** For the per-owner index of `UserSessions` (one key per script: Cluster-safe). */
  eval(script: string, numberOfKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  /** For merged saves: the script by its SHA1, sent whole (`eval`) only when the server lacks it. */
  evalsha(sha1: string, numberOfKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  zrangebyscore(key: string, min: string, max: string): Promise<string[]>;
  /** For `waitForReplicas`: how many replicas confirmed the connection's writes. */
  wait(numberOfReplicas: number, timeoutMs: number): Promise<number>;
  zrem(key: string, ...members: string[]): Promise<number>;
  scan(cursor: string, matchToken: 'MATCH', pattern: string, countToken: 'COUNT', count: number): Promise<[cursor: string, keys: string[]]>;
  pipeline(commands: string[][]): { exec(): Promise<Array<[error: Error | null, reply: unknown]> | null> };
  /** For `take`: GET and DEL of one key in one transaction. */
  multi(commands: string[][]): { exec(): Promise<Array<[error: Error | null, reply: unknown]> | null> };
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
  once(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/** A `Cluster` client: its master nodes are walked one by one to list sessions. */
export interface RedisClusterClient extends RedisClient {
  readonly isCluster: true;
  nodes(role: 'master'): RedisClient[];
}

/** Whether the client is an ioredis `Cluster` (it says so itself; no `instanceof` across copies). */
export function isCluster(client: RedisClient): client is RedisClusterClient {
  return client.isCluster === true;
}

/**
 * The client's own `commandTimeout` (on a Cluster, that of its node clients), or `undefined`
 * when it has none: the store then waits as long as the client does.
 */
export function commandTimeoutOf(client: RedisClient): number | undefined {
  const { commandTimeout, redisOptions } = client.options;
  const timeoutMs = commandTimeout ?? redisOptions?.commandTimeout;
  return typeof timeoutMs === 'number' && timeoutMs > 0 && Number.isFinite(timeoutMs) ? timeoutMs : undefined;
}

/** Quits the client and waits until its connections are closed, so shutdown leaves nothing open. */
export async function quitClient(client: RedisClient): Promise<void> {
  // A socket error while the connection winds down (EPIPE from a write in flight) has nobody
  // left to tell: without a listener ioredis would print it as an unhandled error event.
  client.on('error', () => undefined);
  if (client.status === 'ready') {
    // QUIT resolves before the socket is closed: wait for it.
    const ended = new Promise((resolve) => client.once('end', resolve));
    try {
      await client.quit();
      await ended;
    } catch {
      // The connection went away meanwhile: dropped below without waiting.
    }
  }
  // Also after QUIT: it leaves a Sentinel client's failover-detector connections open (ioredis 5 and 6).
  client.disconnect();
}

/** Client states in which the connection is known to be down (ioredis `status`). */
export const DOWN_STATUSES: ReadonlySet<string> = new Set(['close', 'reconnecting', 'end']);

/**
 * Resolves when the client is `ready`, or at once when it connects on its first command
 * (`lazyConnect`: status `wait`); rejects when it is down or its connection closes first.
 */
export function clientReady(client: RedisClient): Promise<void> {
  if (client.status === 'ready' || client.status === 'wait') return Promise.resolve();
  const notReady = () => new SessionStoreUnavailableError(`nest-sessions: Redis is not reachable (client status ${client.status})`);
  // Waiting for a client that is down to be ready would be waiting for Redis.
  if (DOWN_STATUSES.has(client.status)) return Promise.reject(notReady());
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      client.off('ready', onReady);
      client.off('close', onClose);
      client.off('end', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => settle();
    const onClose = () => settle(notReady());
    client.once('ready', onReady);
    client.once('close', onClose);
    client.once('end', onClose);
  });
}
