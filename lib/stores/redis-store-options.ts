import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { SessionRecord } from '../core/session-store.js';

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
  /** An ioredis client to use. Left open by `close()`. Must not set ioredis' `keyPrefix`: use `prefix`. */
  client?: Redis | Cluster;
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
   * Lifetime in seconds of sessions whose cookie has no expiry (default one day, 86400), or a
   * function of the session giving the lifetime of every session, as in connect-redis.
   */
  ttl?: number | ((record: SessionRecord) => number);
  /** Value format. Default `JSON`, which is what connect-redis stores. */
  serializer?: RedisSessionSerializer;
  /** `COUNT` hint of each SCAN step of `all`/`ids`/`length`/`clear`. Default 100. */
  scanCount?: number;
  /** Receives unreadable session data and connection changes. Default `console`. */
  logger?: RedisStoreLogger;
}

/** connect-redis' default key prefix, so both can share sessions. */
export const DEFAULT_PREFIX = 'sess:';
/** connect-redis' lifetime of sessions with a browser-session cookie: one day, in seconds. */
export const DEFAULT_TTL_SECONDS = 24 * 60 * 60;
/** SCAN's COUNT hint when listing sessions: keys looked at per call. */
export const DEFAULT_SCAN_COUNT = 100;

/**
 * ioredis defaults under which a request waits about 73 s when Redis is down (20 retries of
 * a queued command). A client the store creates gets these instead, so that every command
 * settles within about `commandTimeout`; `connection` options override them.
 */
export const FAIL_FAST_CLIENT_OPTIONS: RedisOptions = {
  /** No command, queued or sent, waits longer than this for its reply. */
  commandTimeout: 2_000,
  /** A socket that stops answering while commands wait is dropped (and reconnected). */
  socketTimeout: 5_000,
  connectTimeout: 2_000,
  /** Commands queued while the connection is down fail at the first failed reconnect, not the 20th. */
  maxRetriesPerRequest: 0,
  /** Reconnect forever, at most 2 s apart, so sessions come back without a restart. */
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
  /**
   * Off: with auto-pipelining, a command queues behind a pipeline still waiting on a frozen
   * server before its own `commandTimeout` starts, so requests waited up to twice as long.
   */
  enableAutoPipelining: false,
};
