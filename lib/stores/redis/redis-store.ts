import { Redis } from 'ioredis';
import { SessionOptionsError, SessionStoreError, SessionStoreUnavailableError } from '../../core/errors.js';
import { SessionStore } from '../../core/store/session-store.js';
import type { SessionRecord, StoreWriteMode, StoreWriteOptions } from '../../core/store/session-store.js';
import type { SessionChanges } from '../../core/session/session-changes.js';
import { recordJsonOf, serializeSessionRecord } from '../../core/session/session-record.js';
import { commandTimeoutOf, withinDeadline } from './redis-deadline.js';
import { isReplyError, toRedisStoreError } from './redis-errors.js';
import { forEachKeyPage, isCluster, pipelineOn, prefixPattern } from './redis-keyspace.js';
import { mergeOnServer, takeFlashOnServer } from './redis-merge-script.js';
import { RedisOwnerIndex } from './redis-owner-index.js';
import { DEFAULT_OWNER_INDEX_SEGMENT, DEFAULT_PREFIX, DEFAULT_SCAN_COUNT, DEFAULT_TTL_SECONDS, FAIL_FAST_CLIENT_OPTIONS, SENTINEL_REPLICA_ACKS } from './redis-store-options.js';
import type { FailFastClientOptions, RedisClient, RedisSessionSerializer, RedisStoreLogger, RedisStoreOptions, ReplicaAcks } from './redis-store-options.js';

/** On records `get` returns: the stored text they were parsed from. */
const LOADED_TEXT = Symbol('nest-sessions.RedisStore.loadedText');

/** Client states in which the connection is known to be down (ioredis `status`). */
const DOWN_STATUSES = new Set(['close', 'reconnecting', 'end']);

/**
 * Sessions in Redis (single node, Cluster or Sentinel) through ioredis, in connect-redis'
 * format: key `prefix + sessionId`, JSON value, expiring with the cookie. Apps can move
 * between express-session + connect-redis and nest-sessions without logging users out.
 *
 * Writes are guarded (`SET … NX` for new sessions, `XX` for loaded ones) so that a write
 * arriving late never brings back a session destroyed meanwhile. While the connection is
 * down the store emits `'disconnect'` and rejects at once with `SessionStoreUnavailableError`
 * (503); it emits `'connect'` when Redis is back.
 */
export class RedisStore extends SessionStore {
  /**
   * The settings the store gives clients it creates; spread them into the options of a client
   * you pass in to get the same fail-fast behaviour: `new Redis(url, RedisStore.failFastClientOptions)`.
   */
  static readonly failFastClientOptions: FailFastClientOptions = FAIL_FAST_CLIENT_OPTIONS;
  /** The ioredis client in use: the one passed in, or the one the store created. */
  readonly client: RedisClient;
  /** Prepended to session ids to form keys. */
  readonly prefix: string;
  /** Whether the store created the client, and so closes it in `close()`. */
  readonly ownsClient: boolean;
  readonly #ttl: number | ((record: SessionRecord) => number);
  readonly #serializer: RedisSessionSerializer;
  readonly #scanCount: number;
  #logger: RedisStoreLogger;
  /** Whether `logger` was given; otherwise `useDefaultLogger` may replace `console`. */
  readonly #hasOwnLogger: boolean;
  /** False from a lost connection until the client is ready again. */
  #isConnected: boolean;
  #lastConnectionError: Error | undefined;
  readonly #clientListeners: Array<[event: string, listener: (...args: any[]) => void]>;
  /** Sessions per owner, under `prefix + 'owners:'` unless `ownerIndexPrefix` says otherwise. */
  readonly #ownerIndex: RedisOwnerIndex;
  /** Longest wait of one store call, from the client's `commandTimeout`; none without it. */
  readonly #callTimeoutMs: number | undefined;
  /** Replicas that must confirm each write (WAIT) before it counts as done; none by default. */
  readonly #replicaAcks: ReplicaAcks | undefined;

  constructor(options: RedisStoreOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new SessionOptionsError('RedisStore', 'pass options: `{ client }`, `{ url }` or `{ connection }`');
    }
    this.prefix = validPrefix(options.prefix);
    this.#ttl = validTtl(options.ttl);
    this.#serializer = validSerializer(options.serializer);
    this.#scanCount = validScanCount(options.scanCount);
    // Validated before a client is created: a throw after would leave that client connecting.
    const ownerIndexPrefix = validOwnerIndexPrefix(this.prefix, options.ownerIndexPrefix);
    this.#replicaAcks = validReplicaAcks(options.waitForReplicas, usesSentinels(options));
    this.#hasOwnLogger = options.logger !== undefined;
    this.#logger = options.logger ?? console;
    this.ownsClient = options.client === undefined;
    this.client = options.client === undefined ? createClient(options) : validClient(options);
    this.#isConnected = !DOWN_STATUSES.has(this.client.status);
    this.#ownerIndex = new RedisOwnerIndex(this.client, ownerIndexPrefix);
    this.#callTimeoutMs = commandTimeoutOf(this.client);
    // A keyless WAIT through a Cluster client reaches a random node, not the one that took the write.
    if (this.#replicaAcks && isCluster(this.client)) {
      throw new SessionOptionsError('RedisStore.waitForReplicas', 'is not supported on a Redis Cluster client');
    }
    this.#clientListeners = [
      ['ready', () => this.#setConnected(true)],
      ['close', () => this.#setConnected(false)],
      ['end', () => this.#setConnected(false)],
      // Without an 'error' listener ioredis prints every failed reconnect to stderr ("Unhandled
      // error event"), a line every few hundred ms while Redis is down, also for a client passed
      // in. The error is kept for the 503's message; the store logs the connection change once.
      ['error', (error: Error) => (this.#lastConnectionError = error)],
    ];
    for (const [event, listener] of this.#clientListeners) this.client.on(event, listener);
  }

  /**
   * Sends the store's messages to `logger` unless the `logger` option was given. `SessionModule`
   * calls it with Nest's `Logger`, so an app's log format and levels apply to the store too.
   */
  useDefaultLogger(logger: RedisStoreLogger): void {
    if (!this.#hasOwnLogger) this.#logger = logger;
  }

  /** False while the connection to Redis is lost; commands then fail at once with a 503 error. */
  override get isConnected(): boolean {
    return this.#isConnected;
  }

  /**
   * The session, or `undefined`. Data that cannot be parsed, or is not a session, is logged
   * and reported as absent, so the request starts a new session instead of failing.
   */
  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const key = this.prefix + sessionId;
    // One GET, as connect-redis. A session kept alive by touches (EXPIRE) still carries the
    // cookie expiry of its last save: the lifecycle renews it before it is written again.
    let text: string | null;
    try {
      text = await this.#run('load the session', () => this.client.get(key));
    } catch (error) {
      const cause = error instanceof SessionStoreError ? error.cause : undefined;
      if (!(isReplyError(cause) && cause.message.startsWith('WRONGTYPE'))) throw error;
      this.#logUnreadable(key, `the key holds a non-string value (${cause.message})`);
      return undefined;
    }
    if (text === null) return undefined;
    const record = this.#parse(key, text);
    // For `merge`: the text it was read from, to see that nothing was written since.
    if (record) Object.defineProperty(record, LOADED_TEXT, { value: text });
    return record;
  }

  /**
   * Writes the session with the cookie's lifetime as TTL, in one command. `mode: 'create'`
   * writes only if the key is absent (`NX`), `'update'` only if present (`XX`). A lifetime
   * already over deletes the key instead, as connect-redis does, within the mode.
   */
  async set(sessionId: string, record: SessionRecord, options?: StoreWriteOptions): Promise<boolean> {
    const key = this.prefix + sessionId;
    const mode = options?.mode ?? 'upsert';
    const ttlSeconds = this.#ttlSecondsOf(record);
    if (ttlSeconds <= 0) return this.#writeExpired(key, mode);
    const text = this.#stringify(record);
    const saved = this.#write('save the session', () => {
      if (mode === 'create') return this.client.set(key, text, 'EX', ttlSeconds, 'NX');
      if (mode === 'update') return this.client.set(key, text, 'EX', ttlSeconds, 'XX');
      return this.client.set(key, text, 'EX', ttlSeconds);
    });
    // Sent alongside (auto-pipelined): an entry for a refused write is pruned when listed.
    const reply = await this.#withOwnerIndexed(saved, sessionId, options?.owner, ttlSeconds);
    // SET … NX / XX answers nil when the condition refused the write.
    return reply !== null;
  }

  /**
   * Applies one request's changes on the server, in one round trip (a Lua script on the one
   * key, so also on a Cluster): other keys, written meanwhile by overlapping requests, stay
   * with their stored text, and flash messages are added and removed one by one; the value
   * stays connect-redis' JSON string. With a custom `serializer` the server cannot
   * read the value, so the whole record is written (`set` with mode `'update'`).
   */
  override async merge(
    sessionId: string,
    record: SessionRecord,
    changes: SessionChanges,
    options?: Pick<StoreWriteOptions, 'owner'>,
  ): Promise<boolean> {
    if (this.#serializer !== JSON) return this.set(sessionId, record, { ...options, mode: 'update' });
    const key = this.prefix + sessionId;
    const ttlSeconds = this.#ttlSecondsOf(record);
    if (ttlSeconds <= 0) return this.#writeExpired(key, 'update');
    const write = { ttlSeconds, cookie: record.cookie, changes, loadedText: rewritableLoadedText(changes), wholeText: this.#stringify(record) };
    const merged = this.#write('save the session', () => mergeOnServer(this.client, key, write));
    const outcome = await this.#withOwnerIndexed(merged, sessionId, options?.owner, ttlSeconds);
    // A value the script cannot cut up (not written by a JSON writer): replaced whole.
    if (outcome === 'not-a-json-object') return this.set(sessionId, record, { ...options, mode: 'update' });
    return outcome === 'merged';
  }

  /**
   * Removes flash messages on the server (a Lua script on the one key), keeping the TTL and the
   * text of everything else. With a custom `serializer` the server cannot read the value:
   * `undefined`, the messages are removed with the request's save.
   */
  override async takeFlashMessages(sessionId: string, messageIds: readonly string[]): Promise<string[] | undefined> {
    if (this.#serializer !== JSON) return undefined;
    const key = this.prefix + sessionId;
    return this.#write('read the flash messages', () => takeFlashOnServer(this.client, key, messageIds));
  }

  /**
   * Extends the key's life to the cookie's new expiry without rewriting the value (EXPIRE).
   * Resolves to `false` when the key is gone (EXPIRE answers 0), or was deleted because the
   * cookie has expired.
   */
  override async touch(sessionId: string, record: SessionRecord): Promise<boolean> {
    const key = this.prefix + sessionId;
    const ttlSeconds = this.#ttlSecondsOf(record);
    if (ttlSeconds <= 0) {
      await this.#write('delete the expired session', () => this.client.del(key));
      return false;
    }
    // EXPIRE never creates a key: touching a destroyed session cannot bring it back.
    const reply = await this.#write('touch the session', () => this.client.expire(key, ttlSeconds));
    return reply === 1;
  }

  async destroy(sessionId: string): Promise<void> {
    await this.#write('destroy the session', () => this.client.del(this.prefix + sessionId));
  }

  /**
   * Removes the session and returns what was stored: GET and DEL in one MULTI on the one key
   * (atomic, on a Cluster too, and on Redis before 6.2's GETDEL). Unreadable data is removed
   * and reported as absent.
   */
  override async take(sessionId: string): Promise<SessionRecord | undefined> {
    const key = this.prefix + sessionId;
    const replies = await this.#write('take the session', () => this.client.multi([['get', key], ['del', key]]).exec());
    const [getError, text] = replies?.[0] ?? [null, null];
    if (getError) {
      this.#logUnreadable(key, `it could not be read (${getError.message})`);
      return undefined;
    }
    return typeof text === 'string' ? this.#parse(key, text) : undefined;
  }

  /**
   * The sessions recorded under `ownerId`: one read of that owner's index. Entries of sessions
   * destroyed or moved since are pruned by `UserSessions`; the index expires on its own.
   */
  override async ownerSessionIds(ownerId: string): Promise<string[]> {
    return this.#run("list the owner's sessions", () => this.#ownerIndex.sessionIds(ownerId));
  }

  override async removeFromOwnerIndex(ownerId: string, sessionIds: readonly string[]): Promise<void> {
    await this.#write("update the owner's index", () => this.#ownerIndex.remove(ownerId, sessionIds));
  }

  /** Every readable session, keyed by id; walks every master with SCAN. */
  override async all(): Promise<Record<string, SessionRecord>> {
    const sessions: Record<string, SessionRecord> = {};
    await this.#forEachKeyPage('list the sessions', async ({ server, keys }) => {
      const replies = await pipelineOn(server, keys.map((key) => ['get', key] as [string, string]));
      keys.forEach((key, index) => {
        const text = replies[index];
        if (typeof text !== 'string') return;
        const record = this.#parse(key, text);
        if (record) sessions[key.slice(this.prefix.length)] = record;
      });
    });
    return sessions;
  }

  /** The ids of every stored session; walks every master with SCAN. */
  override async ids(): Promise<string[]> {
    const sessionIds: string[] = [];
    await this.#forEachKeyPage('list the session ids', async ({ keys }) => {
      for (const key of keys) sessionIds.push(key.slice(this.prefix.length));
    });
    return sessionIds;
  }

  /** How many sessions are stored; walks every master with SCAN. */
  override async length(): Promise<number> {
    let count = 0;
    await this.#forEachKeyPage('count the sessions', async ({ keys }) => {
      count += keys.length;
    });
    return count;
  }

  /** Deletes every key under `prefix` (and nothing else), owner index keys included, on every master. */
  override async clear(): Promise<void> {
    const onPage: Parameters<typeof forEachKeyPage>[3] = async ({ server, keys }) => {
      await pipelineOn(server, keys.map((key) => ['unlink', key] as [string, string]));
    };
    await this.#run('clear the sessions', () => forEachKeyPage(this.client, prefixPattern(this.prefix), this.#scanCount, onPage), false);
  }

  /** Quits the client the store created; a client passed in is left open for its owner. */
  override async close(): Promise<void> {
    for (const [event, listener] of this.#clientListeners) this.client.off(event, listener);
    if (!this.ownsClient) return;
    // A socket error while the connection winds down (EPIPE from a write in flight) has nobody
    // left to tell: without a listener ioredis would print it as an unhandled error event.
    this.client.on('error', () => undefined);
    if (this.client.status === 'ready') {
      // QUIT resolves before the socket is closed: wait for it, so shutdown leaves nothing open.
      const ended = new Promise((resolve) => this.client.once('end', resolve));
      try {
        await this.client.quit();
        await ended;
        // QUIT leaves a Sentinel client's failover-detector connections open (ioredis 5 and 6).
        this.client.disconnect();
        return;
      } catch {
        // Fall through: the connection went away meanwhile, drop it without waiting.
      }
    }
    this.client.disconnect();
  }

  /**
   * Runs a command unless the connection is known to be down, typing its failure. A call (one
   * round trip, or a few: a merge after a concurrent write, a script the server lacks) fails
   * after the client's `commandTimeout`, counted from here, also while it waits in an
   * auto-pipeline.
   */
  #run<T>(action: string, command: () => Promise<T>, isBounded = true): Promise<T> {
    if (!this.#isConnected) {
      const reason = this.#lastConnectionError ? `: ${this.#lastConnectionError.message}` : '';
      return Promise.reject(new SessionStoreUnavailableError(`nest-sessions: Redis is unavailable (connection lost${reason}), could not ${action}`));
    }
    let pending: Promise<T>;
    try {
      pending = command();
    } catch (error) {
      return Promise.reject(toRedisStoreError(error, action));
    }
    // Not an async function: the deadline's promise is the only one wrapped around the command's.
    const timeoutMs = this.#callTimeoutMs;
    if (timeoutMs !== undefined && isBounded) return withinDeadline(pending, timeoutMs, action, toRedisStoreError);
    return pending.then(undefined, (error: unknown) => {
      throw toRedisStoreError(error, action);
    });
  }

  /**
   * A write whose cookie has expired: the key is deleted instead, but a `'create'` never deletes
   * a stored session (it refuses one), and an `'update'` answers whether there was one.
   */
  async #writeExpired(key: string, mode: StoreWriteMode): Promise<boolean> {
    if (mode === 'create') return (await this.#run('check the session id', () => this.client.exists(key))) === 0;
    const deletedCount = await this.#write('delete the expired session', () => this.client.del(key));
    return mode === 'upsert' || deletedCount > 0;
  }

  /**
   * A write: `#run`, and with `waitForReplicas` not done until enough replicas confirm it (WAIT
   * on the same connection, after the write's reply), so a failover cannot lose it.
   */
  #write<T>(action: string, command: () => Promise<T>): Promise<T> {
    const replicaAcks = this.#replicaAcks;
    if (!replicaAcks) return this.#run(action, command);
    return this.#run(action, async () => {
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

  /**
   * Walks the session keys: those under `prefix` but the owner index's, which live under it too.
   * No deadline for the whole walk: it takes a SCAN per page; each command has ioredis' timeout.
   */
  async #forEachKeyPage(action: string, onPage: Parameters<typeof forEachKeyPage>[3]): Promise<void> {
    const { indexPrefix } = this.#ownerIndex;
    const onSessionKeys: Parameters<typeof forEachKeyPage>[3] = async ({ server, keys }) => {
      const sessionKeys = keys.filter((key) => !key.startsWith(indexPrefix));
      if (sessionKeys.length > 0) await onPage({ server, keys: sessionKeys });
    };
    await this.#run(action, () => forEachKeyPage(this.client, prefixPattern(this.prefix), this.#scanCount, onSessionKeys), false);
  }

  /**
   * `write` and, for a session with an owner, its entry in the owner's index, written alongside.
   * Leaving an index (no owner, or another one) needs no write: stale entries are pruned when
   * read; so most saves wait for their one command only.
   */
  #withOwnerIndexed<T>(write: Promise<T>, sessionId: string, owner: string | null | undefined, ttlSeconds: number): Promise<T> {
    const ownerIndex = this.#ownerIndex;
    if (typeof owner !== 'string') return write;
    const indexed = this.#write('index the session by owner', () => ownerIndex.add(owner, sessionId, Date.now() + ttlSeconds * 1000));
    return Promise.all([write, indexed]).then(([reply]) => reply);
  }

  #setConnected(isConnected: boolean): void {
    if (this.#isConnected === isConnected) return;
    this.#isConnected = isConnected;
    if (isConnected) {
      this.#lastConnectionError = undefined;
      this.#logger.warn('nest-sessions: RedisStore reconnected to Redis; sessions are available again');
      this.emit('connect');
    } else {
      const reason = this.#lastConnectionError ? ` (${this.#lastConnectionError.message})` : '';
      this.#logger.warn(`nest-sessions: RedisStore lost its connection to Redis${reason}; requests needing a session answer 503 until it is back`);
      this.emit('disconnect');
    }
  }

  /** connect-redis' rule: the `ttl` function if given, else the cookie's expiry, else `ttl` seconds. */
  #ttlSecondsOf(record: SessionRecord): number {
    if (typeof this.#ttl === 'function') {
      const ttlSeconds = this.#ttl(record);
      if (typeof ttlSeconds !== 'number' || Number.isNaN(ttlSeconds)) {
        throw new SessionStoreError(`nest-sessions: RedisStore's ttl function returned ${String(ttlSeconds)}, not a number of seconds`);
      }
      return Math.ceil(ttlSeconds);
    }
    const expires = record.cookie?.expires;
    const expiresAt = expires == null ? Number.NaN : new Date(expires).getTime();
    return Number.isNaN(expiresAt) ? this.#ttl : Math.ceil((expiresAt - Date.now()) / 1000);
  }

  #parse(key: string, text: string): SessionRecord | undefined {
    let value: unknown;
    try {
      value = this.#serializer.parse(text);
    } catch (error) {
      this.#logUnreadable(key, `it does not parse (${error instanceof Error ? error.message : String(error)})`);
      return undefined;
    }
    const cookie = (value as { cookie?: unknown } | null)?.cookie;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof cookie !== 'object' || cookie === null) {
      this.#logUnreadable(key, 'it is not a session (no cookie object)');
      return undefined;
    }
    return value as SessionRecord;
  }

  #stringify(record: SessionRecord): string {
    try {
      // The same text as JSON.stringify, reusing the data's JSON the lifecycle already has.
      return this.#serializer === JSON ? serializeSessionRecord(record) : this.#serializer.stringify(record);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SessionStoreError(`nest-sessions: RedisStore cannot serialize the session: ${reason}`, { cause: error });
    }
  }

  /** The key is shortened: a full session id in a log would be a credential in a log. */
  #logUnreadable(key: string, problem: string): void {
    const keyHint = key.slice(0, this.prefix.length + 8) + '…';
    this.#logger.warn(`nest-sessions: RedisStore ignored the data under ${keyHint} because ${problem}; the request starts a new session`);
  }
}

/**
 * The text the request loaded, when it is what JSON.stringify makes of the record it parsed
 * to: writing the whole new value over it then keeps every key the request did not change
 * byte for byte. Not so for values another writer formatted its own way, or with numbers
 * JavaScript rounds (64-bit ids): those are merged key by key.
 */
function rewritableLoadedText(changes: SessionChanges): string | undefined {
  const baseRecord = changes.baseRecord as (SessionRecord & { [LOADED_TEXT]?: string }) | undefined;
  const loadedText = baseRecord?.[LOADED_TEXT];
  if (loadedText === undefined || changes.baseDataJson === undefined) return undefined;
  return loadedText === recordJsonOf(JSON.stringify(baseRecord!.cookie), changes.baseDataJson) ? loadedText : undefined;
}

/** A client for `url` / `connection`, with settings that fail fast when Redis is down. */
function createClient(options: RedisStoreOptions): Redis {
  if (options.url === undefined && options.connection === undefined) {
    throw new SessionOptionsError('RedisStore.client', 'pass an ioredis client, or `url` / `connection` options for the store to connect with');
  }
  if (options.url !== undefined && typeof options.url !== 'string') {
    throw new SessionOptionsError('RedisStore.url', 'must be a redis:// or rediss:// URL string');
  }
  const connection = { ...FAIL_FAST_CLIENT_OPTIONS, ...options.connection };
  if (connection.keyPrefix) {
    throw new SessionOptionsError('RedisStore.connection.keyPrefix', "is not supported: use RedisStore's `prefix` option");
  }
  return options.url === undefined ? new Redis(connection) : new Redis(options.url, connection);
}

function validClient(options: RedisStoreOptions): RedisClient {
  const { client } = options;
  if (options.url !== undefined || options.connection !== undefined) {
    throw new SessionOptionsError('RedisStore.client', 'give either `client` or `url` / `connection`, not both');
  }
  const looksLikeIoredis =
    typeof client === 'object' && client !== null && typeof client.status === 'string' && typeof client.pipeline === 'function';
  if (!looksLikeIoredis) {
    throw new SessionOptionsError('RedisStore.client', 'must be an ioredis client (new Redis(...), new Cluster(...))');
  }
  // ioredis would prefix commands but not SCAN patterns, so listing would miss every session.
  if (client.options.keyPrefix) {
    throw new SessionOptionsError('RedisStore.client', "has ioredis' keyPrefix set: pass a client without it and use RedisStore's `prefix` option");
  }
  return client;
}

/**
 * The owner index, by default under the session prefix (`prefix + 'owners:'`), so that ACLs and
 * clean-ups by prefix cover it; listing sessions skips its keys. Refused: a prefix that every
 * session key would start with, as sessions could then not be told from index keys.
 */
function validOwnerIndexPrefix(prefix: string, ownerIndexPrefix: unknown): string {
  if (ownerIndexPrefix === undefined) return prefix + DEFAULT_OWNER_INDEX_SEGMENT;
  if (typeof ownerIndexPrefix !== 'string' || ownerIndexPrefix.length === 0 || prefix.startsWith(ownerIndexPrefix)) {
    throw new SessionOptionsError(
      'RedisStore.ownerIndexPrefix',
      `must be a non-empty string that the session prefix ${JSON.stringify(prefix)} does not start with (default ${JSON.stringify(prefix + DEFAULT_OWNER_INDEX_SEGMENT)})`,
    );
  }
  return ownerIndexPrefix;
}

/** Whether the client is (or will be) a Sentinel client: from the client passed in, or the connection options. */
function usesSentinels(options: RedisStoreOptions): boolean {
  const sentinels = options.client?.options?.sentinels ?? options.connection?.sentinels;
  return Array.isArray(sentinels) && sentinels.length > 0;
}

function validReplicaAcks(waitForReplicas: unknown, isSentinelClient: boolean): ReplicaAcks | undefined {
  if (waitForReplicas === false) return undefined;
  // Behind Sentinel, a write acknowledged by a master about to be failed over is otherwise undone.
  if (waitForReplicas === undefined) return isSentinelClient ? SENTINEL_REPLICA_ACKS : undefined;
  const { replicas, timeoutMs } = (waitForReplicas ?? {}) as Partial<ReplicaAcks>;
  const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value > 0;
  if (!isCount(replicas) || !isCount(timeoutMs)) {
    throw new SessionOptionsError('RedisStore.waitForReplicas', 'must be { replicas, timeoutMs }, two positive whole numbers');
  }
  return { replicas, timeoutMs };
}

function validPrefix(prefix: unknown): string {
  if (prefix === undefined) return DEFAULT_PREFIX;
  if (typeof prefix !== 'string') throw new SessionOptionsError('RedisStore.prefix', 'must be a string');
  return prefix;
}

function validTtl(ttl: unknown): number | ((record: SessionRecord) => number) {
  if (ttl === undefined) return DEFAULT_TTL_SECONDS;
  if (typeof ttl === 'function') return ttl as (record: SessionRecord) => number;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl <= 0) {
    throw new SessionOptionsError('RedisStore.ttl', `must be a positive whole number of seconds or a function, got ${JSON.stringify(ttl)}`);
  }
  return ttl;
}

function validSerializer(serializer: unknown): RedisSessionSerializer {
  if (serializer === undefined) return JSON;
  const candidate = serializer as Partial<RedisSessionSerializer> | null;
  if (typeof candidate?.parse !== 'function' || typeof candidate.stringify !== 'function') {
    throw new SessionOptionsError('RedisStore.serializer', 'must have parse(text) and stringify(record) functions');
  }
  return candidate as RedisSessionSerializer;
}

function validScanCount(scanCount: unknown): number {
  if (scanCount === undefined) return DEFAULT_SCAN_COUNT;
  if (typeof scanCount !== 'number' || !Number.isInteger(scanCount) || scanCount <= 0) {
    throw new SessionOptionsError('RedisStore.scanCount', 'must be a positive whole number');
  }
  return scanCount;
}
