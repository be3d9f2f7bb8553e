import type { RedisOptions } from 'ioredis';
import type { SessionRecord } from '../../core/store/session-store.js';

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
  };
  /** `true` on an ioredis `Cluster`. */
  readonly isCluster?: boolean;
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

/** The ioredis settings of `RedisStore.failFastClientOptions` (see FAIL_FAST_CLIENT_OPTIONS). */
export interface FailFastClientOptions {
  readonly commandTimeout: number;
  readonly socketTimeout: number;
  readonly connectTimeout: number;
  readonly maxRetriesPerRequest: number;
  readonly retryStrategy: (attempt: number) => number;
  readonly enableAutoPipelining: boolean;
  readonly failoverDetector: boolean;
}

/** Turns a session into the string stored in Redis and back. `JSON` fits. */
export interface RedisSessionSerializer {
  parse(text: string): unknown;
  stringify(record: SessionRecord): string;
}

/** Where the store reports data it could not read and connection changes. `console` fits. */
export interface RedisStoreLogger {
  warn(message: string, ...details: unknown[]): void;
}

/**
 * Options of `RedisStore`. Give either `client` (an ioredis `Redis`, `Cluster` or Sentinel
 * client you own and close) or `url` and/or `connection` (the store creates a client with
 * fail-fast settings and closes it on application shutdown).
 */
export interface RedisStoreOptions {
  /**
   * An ioredis client (`Redis`, `Cluster`, Sentinel; ioredis 5 or 6) to use. Left open by
   * `close()`. Must not set ioredis' `keyPrefix`: use `prefix`.
   */
  client?: RedisClient;
  /** `redis://` / `rediss://` URL of the server the store connects to itself. */
  url?: string;
  /**
   * ioredis options for the client the store creates (host, port, password, tls, db, or
   * `sentinels` + `name` for Sentinel). They override the store's fail-fast defaults.
   */
  connection?: RedisOptions;
  /** Prepended to the session id to form the key. Default `'sess:'` (connect-redis'). */
  prefix?: string;
  /**
   * Prepended to an owner id to form the key of that owner's index of sessions (a sorted set,
   * for `UserSessions`). Default `prefix + 'owners:'`, under the session prefix so that ACLs
   * (`~prefix*`) and clean-ups by prefix cover it; listing sessions skips keys starting with it.
   * `prefix` must not start with it (every session key would then look like an index key).
   */
  ownerIndexPrefix?: string;
  /**
   * Lifetime in seconds of sessions whose cookie has no expiry (default one day, 86400), or a
   * function of the session giving the lifetime of every session, as in connect-redis.
   */
  ttl?: number | ((record: SessionRecord) => number);
  /** Value format. Default `JSON`, which is what connect-redis stores. */
  serializer?: RedisSessionSerializer;
  /**
   * A write (save, touch, logout, index) counts as done only once this many replicas confirm it
   * (`WAIT replicas timeoutMs`); otherwise it fails with `SessionStoreUnavailableError` (503).
   * Closes Redis' window in which a write the master acknowledged is lost in a failover. Default:
   * `{ replicas: 1, timeoutMs: 500 }` on a Sentinel client (its failovers would otherwise undo
   * acknowledged writes), off on others; `false` turns it off. Not on a Cluster client.
   * `timeoutMs` must stay below the client's `commandTimeout`.
   */
  waitForReplicas?: ReplicaAcks | false;
  /** `COUNT` hint of each SCAN step of `all`/`ids`/`length`/`clear`. Default 100. */
  scanCount?: number;
  /**
   * Receives unreadable session data and connection changes. Default: Nest's `Logger` when
   * the store is given to `SessionModule`, else `console`.
   */
  logger?: RedisStoreLogger;
}

/** After `prefix`, the start of owner index keys: `sess:owners:<ownerId>` (generated session ids hold no colon). */
export const DEFAULT_OWNER_INDEX_SEGMENT = 'owners:';
/** How many replicas must confirm a write, and how long to wait for them. */
export interface ReplicaAcks {
  replicas: number;
  timeoutMs: number;
}

/** `waitForReplicas` of a Sentinel client unless set: one replica, well within the 2 s deadline. */
export const SENTINEL_REPLICA_ACKS: ReplicaAcks = { replicas: 1, timeoutMs: 500 };

/** connect-redis' default key prefix, so both can share sessions. */
export const DEFAULT_PREFIX = 'sess:';
/** connect-redis' lifetime of sessions with a browser-session cookie: one day, in seconds. */
export const DEFAULT_TTL_SECONDS = 24 * 60 * 60;
/** SCAN's COUNT hint when listing sessions: keys looked at per call. */
export const DEFAULT_SCAN_COUNT = 100;

/**
 * ioredis defaults under which a request waits about 73 s when Redis is down (20 retries of
 * a queued command). A client the store creates gets these instead, so that every store call
 * settles within about `commandTimeout`; `connection` options override them.
 */
export const FAIL_FAST_CLIENT_OPTIONS: FailFastClientOptions = {
  /**
   * No store call waits longer than this for Redis: the store starts a timer of this length
   * when it calls the client (as ioredis does for each command it writes).
   */
  commandTimeout: 2_000,
  /** A socket that stops answering while commands wait is dropped (and reconnected). */
  socketTimeout: 5_000,
  connectTimeout: 2_000,
  /** Commands queued while the connection is down fail at the first failed reconnect, not the 20th. */
  maxRetriesPerRequest: 0,
  /** Reconnect forever, at most 2 s apart, so sessions come back without a restart. */
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
  /**
   * On: commands of concurrent requests share writes and round trips. ioredis starts a
   * command's own `commandTimeout` only once the command leaves its pipeline, which can wait
   * behind a pipeline stuck on a frozen server; the store's timer of `commandTimeout`, started
   * at the call, keeps each call within the bound all the same.
   */
  enableAutoPipelining: true,
  /**
   * Sentinel clients only (others ignore it): leave the master as soon as the Sentinels announce
   * a failover (`+switch-master`). Without it a client connected to a frozen master stays there
   * and, when it resumes, writes to it until the Sentinels demote it: those writes are lost.
   */
  failoverDetector: true,
};
