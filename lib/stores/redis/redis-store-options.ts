// About our ~250-line aim: every RedisStore option's type, default and check, and the client made from them.
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { SessionOptionsError } from '../../core/errors.js';
import { aFunction, checkedOption, describeValue, either, positiveInteger, STRING } from '../../core/option-checks.js';
import type { ValueRule } from '../../core/option-checks.js';
import type { SessionRecord } from '../../core/store/session-store.js';
import type { RecordSerializer } from '../../core/store/stored-record.js';
import { isCluster } from './redis-client.js';
import type { RedisClient } from './redis-client.js';

/**
 * RedisStore's options: their types, defaults and checks, and the client the store uses (the
 * one passed in, or one it creates with fail-fast settings).
 */

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
export type RedisSessionSerializer = RecordSerializer;

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
const DEFAULT_OWNER_INDEX_SEGMENT = 'owners:';
/** How many replicas must confirm a write, and how long to wait for them. */
export interface ReplicaAcks {
  replicas: number;
  timeoutMs: number;
}

/** `waitForReplicas` of a Sentinel client unless set: one replica, well within the 2 s deadline. */
const SENTINEL_REPLICA_ACKS: ReplicaAcks = { replicas: 1, timeoutMs: 500 };

/** connect-redis' default key prefix, so both can share sessions. */
const DEFAULT_PREFIX = 'sess:';
/** connect-redis' lifetime of sessions with a browser-session cookie: one day, in seconds. */
const DEFAULT_TTL_SECONDS = 24 * 60 * 60;
/** SCAN's COUNT hint when listing sessions: keys looked at per call. */
const DEFAULT_SCAN_COUNT = 100;

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

/** The options checked, with their defaults, and the client to use. */
export interface ResolvedRedisStoreOptions {
  client: RedisClient;
  /** Whether the store created the client, and so closes it. */
  ownsClient: boolean;
  prefix: string;
  ownerIndexPrefix: string;
  /** Seconds for sessions without a cookie expiry, or the function giving every session's. */
  ttl: number | ((record: SessionRecord) => number);
  serializer: RedisSessionSerializer;
  scanCount: number;
  replicaAcks: ReplicaAcks | undefined;
  /** `undefined` when not given: the store logs to `console` or to `useDefaultLogger`'s. */
  logger: RedisStoreLogger | undefined;
}

const TTL = either(positiveInteger('seconds'), aFunction<(record: SessionRecord) => number>('(record) => seconds'));
const SERIALIZER: ValueRule<RedisSessionSerializer> = {
  expected: 'an object with parse(text) and stringify(record) functions',
  accepts: (value): value is RedisSessionSerializer =>
    typeof (value as Partial<RedisSessionSerializer> | null)?.parse === 'function' &&
    typeof (value as Partial<RedisSessionSerializer>).stringify === 'function',
};
const LOGGER: ValueRule<RedisStoreLogger> = {
  expected: 'an object with a warn(message) function, such as console',
  accepts: (value): value is RedisStoreLogger => typeof (value as Partial<RedisStoreLogger> | null)?.warn === 'function',
};
const REPLICA_ACKS: ValueRule<ReplicaAcks | false> = {
  expected: 'false or { replicas, timeoutMs }, two positive whole numbers',
  accepts: (value): value is ReplicaAcks | false => {
    if (value === false) return true;
    const { replicas, timeoutMs } = (value ?? {}) as Partial<ReplicaAcks>;
    return positiveInteger().accepts(replicas) && positiveInteger().accepts(timeoutMs);
  },
};
const REDIS_URL: ValueRule<string> = { expected: 'a redis:// or rediss:// URL string', accepts: STRING.accepts };

/**
 * Checks the options and applies the defaults, then creates the client unless one is given:
 * every check comes first, as a throw after would leave a created client connecting.
 */
export function resolveRedisStoreOptions(options: RedisStoreOptions): ResolvedRedisStoreOptions {
  if (typeof options !== 'object' || options === null) {
    throw new SessionOptionsError('RedisStore', 'pass options: `{ client }`, `{ url }` or `{ connection }`');
  }
  const prefix = checkedOption('RedisStore.prefix', options.prefix, STRING) ?? DEFAULT_PREFIX;
  const checked = {
    prefix,
    ttl: checkedOption('RedisStore.ttl', options.ttl, TTL) ?? DEFAULT_TTL_SECONDS,
    serializer: checkedOption('RedisStore.serializer', options.serializer, SERIALIZER) ?? JSON,
    scanCount: checkedOption('RedisStore.scanCount', options.scanCount, positiveInteger('keys')) ?? DEFAULT_SCAN_COUNT,
    ownerIndexPrefix: checkedOwnerIndexPrefix(prefix, options.ownerIndexPrefix),
    replicaAcks: checkedReplicaAcks(options),
    // null counts as not given: the store logs where the app's logger is, else to console.
    logger: checkedOption('RedisStore.logger', options.logger ?? undefined, LOGGER),
  };
  if (options.client !== undefined) return { ...checked, client: checkedClient(options, checked.replicaAcks), ownsClient: false };
  return { ...checked, client: createClient(options), ownsClient: true };
}

/** A client for `url` / `connection`, with settings that fail fast when Redis is down. */
function createClient(options: RedisStoreOptions): Redis {
  if (options.url === undefined && options.connection === undefined) {
    throw new SessionOptionsError('RedisStore.client', 'pass an ioredis client, or `url` / `connection` options for the store to connect with');
  }
  const url = checkedOption('RedisStore.url', options.url, REDIS_URL);
  const connection = { ...FAIL_FAST_CLIENT_OPTIONS, ...options.connection };
  if (connection.keyPrefix) {
    throw new SessionOptionsError('RedisStore.connection.keyPrefix', "is not supported: use RedisStore's `prefix` option");
  }
  return url === undefined ? new Redis(connection) : new Redis(url, connection);
}

function checkedClient(options: RedisStoreOptions, replicaAcks: ReplicaAcks | undefined): RedisClient {
  const { client } = options;
  if (options.url !== undefined || options.connection !== undefined) {
    throw new SessionOptionsError('RedisStore.client', 'give either `client` or `url` / `connection`, not both');
  }
  const looksLikeIoredis =
    typeof client === 'object' && client !== null && typeof client.status === 'string' && typeof client.pipeline === 'function';
  if (!looksLikeIoredis) {
    throw new SessionOptionsError('RedisStore.client', `must be an ioredis client (new Redis(...), new Cluster(...)), got ${describeValue(client)}`);
  }
  // ioredis would prefix commands but not SCAN patterns, so listing would miss every session.
  if (client.options.keyPrefix) {
    throw new SessionOptionsError('RedisStore.client', "has ioredis' keyPrefix set: pass a client without it and use RedisStore's `prefix` option");
  }
  // A keyless WAIT through a Cluster client reaches a random node, not the one that took the write.
  if (replicaAcks && isCluster(client)) {
    throw new SessionOptionsError('RedisStore.waitForReplicas', 'is not supported on a Redis Cluster client');
  }
  return client;
}

/**
 * The owner index, by default under the session prefix (`prefix + 'owners:'`), so that ACLs and
 * clean-ups by prefix cover it; listing sessions skips its keys. Refused: a prefix that every
 * session key would start with, as sessions could then not be told from index keys.
 */
function checkedOwnerIndexPrefix(prefix: string, ownerIndexPrefix: unknown): string {
  const rule: ValueRule<string> = {
    expected: `a non-empty string that the session prefix ${JSON.stringify(prefix)} does not start with (default ${JSON.stringify(prefix + DEFAULT_OWNER_INDEX_SEGMENT)})`,
    accepts: (value): value is string => typeof value === 'string' && value.length > 0 && !prefix.startsWith(value),
  };
  return checkedOption('RedisStore.ownerIndexPrefix', ownerIndexPrefix, rule) ?? prefix + DEFAULT_OWNER_INDEX_SEGMENT;
}

function checkedReplicaAcks(options: RedisStoreOptions): ReplicaAcks | undefined {
  const waitForReplicas = checkedOption('RedisStore.waitForReplicas', options.waitForReplicas, REPLICA_ACKS);
  if (waitForReplicas === false) return undefined;
  // Behind Sentinel, a write acknowledged by a master about to be failed over is otherwise undone.
  if (waitForReplicas === undefined) return usesSentinels(options) ? SENTINEL_REPLICA_ACKS : undefined;
  return { replicas: waitForReplicas.replicas, timeoutMs: waitForReplicas.timeoutMs };
}

/** Whether the client is (or will be) a Sentinel client: from the client passed in, or the connection options. */
function usesSentinels(options: RedisStoreOptions): boolean {
  const sentinels = options.client?.options?.sentinels ?? options.connection?.sentinels;
  return Array.isArray(sentinels) && sentinels.length > 0;
}
