// Longer than our ~250-line aim: every operation of the store contract on Redis, in one class
// a reader checks against the contract; options, client, connection, calls and scripts are beside it.
import { SessionStoreError } from '../../core/errors.js';
import { readFlatRecordJson } from '../../core/session/flat-record-json.js';
import { offerRequestLoad, RequestLoad } from '../../core/store/request-load.js';
import { SessionStore } from '../../core/store/session-store.js';
import type { CompareAndSetOutcome, SessionRecord, StoreWriteMode, StoreWriteOptions } from '../../core/store/session-store.js';
import { parseRecordText, recordExpiresAt, recordText, secondsUntil } from '../../core/store/stored-record.js';
import type { SessionChanges } from '../../core/session/session-changes.js';
import { RedisCalls } from './redis-calls.js';
import { clientReady, quitClient } from './redis-client.js';
import type { RedisClient } from './redis-client.js';
import { RedisCommands } from './redis-commands.js';
import { RedisConnection } from './redis-connection.js';
import { isReplyError } from './redis-errors.js';
import { compareAndSetOnServer, keepLoadedTextOnOwnRecord, loadedTextOf, mergeOnServer, rememberLoadedText, rewritableLoadedText, takeFlashOnServer } from './redis-merge-script.js';
import { RedisOwnerIndex } from './redis-owner-index.js';
import { RedisSessionListing } from './redis-session-listing.js';
import { FAIL_FAST_CLIENT_OPTIONS, resolveRedisStoreOptions } from './redis-store-options.js';
import type { FailFastClientOptions, RedisStoreLogger, RedisStoreOptions, ResolvedRedisStoreOptions } from './redis-store-options.js';

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
  /** The options checked, with their defaults. */
  readonly #options: ResolvedRedisStoreOptions;
  /** `logger`, else `console` until `useDefaultLogger` gives another. */
  #logger: RedisStoreLogger;
  readonly #connection: RedisConnection;
  /** Sessions per owner, under `prefix + 'owners:'` unless `ownerIndexPrefix` says otherwise. */
  readonly #ownerIndex: RedisOwnerIndex;
  readonly #listing: RedisSessionListing;
  readonly #calls: RedisCalls;
  /** The store's own commands on session keys, sent below ioredis' command methods. */
  readonly #commands: RedisCommands;

  constructor(options: RedisStoreOptions) {
    super();
    this.#options = resolveRedisStoreOptions(options);
    ({ client: this.client, prefix: this.prefix, ownsClient: this.ownsClient } = this.#options);
    this.#logger = this.#options.logger ?? console;
    this.#connection = new RedisConnection(this.client, this, (message) => this.#logger.warn(message));
    this.#ownerIndex = new RedisOwnerIndex(this.client, this.#options.ownerIndexPrefix);
    const parse = (key: string, text: string) => this.#parse(key, text);
    this.#listing = new RedisSessionListing(this.client, this.prefix, this.#options.ownerIndexPrefix, this.#options.scanCount, parse);
    this.#calls = new RedisCalls(this.client, this.#connection, this.#options.replicaAcks);
    this.#commands = new RedisCommands(this.client);
    offerRequestLoad(this, (sessionId) => this.#load(sessionId, true), RedisStore.prototype.get);
  }

  /**
   * Sends the store's messages to `logger` unless the `logger` option was given. `SessionModule`
   * calls it with Nest's `Logger`, so an app's log format and levels apply to the store too.
   */
  useDefaultLogger(logger: RedisStoreLogger): void {
    if (this.#options.logger === undefined) this.#logger = logger;
  }

  /** False while the connection to Redis is lost; commands then fail at once with a 503 error. */
  override get isConnected(): boolean {
    return this.#connection.isConnected;
  }

  /**
   * The session, or `undefined`. Data that cannot be parsed, or is not a session, is logged
   * and reported as absent, so the request starts a new session instead of failing.
   */
  get(sessionId: string): Promise<SessionRecord | undefined> {
    return this.#load(sessionId, false) as Promise<SessionRecord | undefined>;
  }

  /** `get`; for a request's load (`isRequestLoad`), a record this process wrote is read without JSON.parse (`RequestLoad`). */
  async #load(sessionId: string, isRequestLoad: boolean): Promise<SessionRecord | RequestLoad | undefined> {
    const key = this.prefix + sessionId;
    // One GET, as connect-redis. A session kept alive by touches (EXPIRE) still carries the
    // cookie expiry of its last save: the lifecycle renews it before it is written again.
    let text: string | null;
    try {
      text = (await this.#calls.run('load the session', () => this.#commands.send('get', [key]))) as string | null;
    } catch (error) {
      const cause = error instanceof SessionStoreError ? error.cause : undefined;
      if (!(isReplyError(cause) && cause.message.startsWith('WRONGTYPE'))) throw error;
      this.#logUnreadable(key, `the key holds a non-string value (${cause.message})`);
      return undefined;
    }
    if (text === null) return undefined;
    // For `merge`: the text each record was read from, to see that nothing was written since.
    const read = isRequestLoad && this.#options.serializer === JSON ? readFlatRecordJson(text) : undefined;
    if (read !== undefined) {
      keepLoadedTextOnOwnRecord(read.record, text, read.cookieEnd);
      return new RequestLoad(read.record, read.dataJson, read.cookie);
    }
    const record = this.#parse(key, text);
    if (record) rememberLoadedText(record, text);
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
    const args = [key, text, 'EX', String(ttlSeconds)];
    if (mode !== 'upsert') args.push(mode === 'create' ? 'NX' : 'XX');
    const saved = this.#calls.write('save the session', () => this.#commands.send('set', args));
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
    if (this.#options.serializer !== JSON) return this.set(sessionId, record, { ...options, mode: 'update' });
    const key = this.prefix + sessionId;
    const ttlSeconds = this.#ttlSecondsOf(record);
    if (ttlSeconds <= 0) return this.#writeExpired(key, 'update');
    const write = { ttlSeconds, cookie: record.cookie, changes, loadedText: rewritableLoadedText(changes), wholeText: this.#stringify(record) };
    const merged = this.#calls.write('save the session', () => mergeOnServer(this.#commands, key, write));
    const outcome = await this.#withOwnerIndexed(merged, sessionId, options?.owner, ttlSeconds);
    // A value the script cannot cut up (not written by a JSON writer): replaced whole.
    if (outcome === 'not-a-json-object') return this.set(sessionId, record, { ...options, mode: 'update' });
    return outcome === 'merged';
  }

  /**
   * Writes `record` if the key still holds the text `get` read `expected` from (a Lua script on
   * the one key, so also on a Cluster). A cookie already expired deletes the key instead, if
   * it is unchanged.
   */
  override async compareAndSet(
    sessionId: string,
    expected: SessionRecord,
    record: SessionRecord,
    options?: Pick<StoreWriteOptions, 'owner'>,
  ): Promise<CompareAndSetOutcome> {
    const loadedText = loadedTextOf(expected);
    if (loadedText === undefined) throw new SessionStoreError('nest-sessions: RedisStore.compareAndSet needs a record its get returned');
    const key = this.prefix + sessionId;
    const ttlSeconds = this.#ttlSecondsOf(record);
    if (ttlSeconds <= 0) return (await this.#writeExpired(key, 'update')) ? 'written' : 'gone';
    const text = this.#stringify(record);
    const written = this.#calls.write('save the session', () => compareAndSetOnServer(this.#commands, key, ttlSeconds, loadedText, text));
    return this.#withOwnerIndexed(written, sessionId, options?.owner, ttlSeconds);
  }

  /**
   * Removes flash messages on the server (a Lua script on the one key), keeping the TTL and the
   * text of everything else. With a custom `serializer` the server cannot read the value:
   * `undefined`, the messages are removed with the request's save.
   */
  override async takeFlashMessages(sessionId: string, messageIds: readonly string[]): Promise<string[] | undefined> {
    if (this.#options.serializer !== JSON) return undefined;
    const key = this.prefix + sessionId;
    return this.#calls.write('read the flash messages', () => takeFlashOnServer(this.#commands, key, messageIds));
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
      await this.#writeExpired(key, 'update');
      return false;
    }
    // EXPIRE never creates a key: touching a destroyed session cannot bring it back.
    const reply = await this.#calls.write('touch the session', () => this.#commands.send('expire', [key, String(ttlSeconds)]));
    return reply === 1;
  }

  async destroy(sessionId: string): Promise<void> {
    await this.#calls.write('destroy the session', () => this.#commands.send('del', [this.prefix + sessionId]));
  }

  /**
   * Removes the session and returns what was stored: GET and DEL in one MULTI on the one key
   * (atomic, on a Cluster too, and on Redis before 6.2's GETDEL). Unreadable data is removed
   * and reported as absent.
   */
  override async take(sessionId: string): Promise<SessionRecord | undefined> {
    const key = this.prefix + sessionId;
    const replies = await this.#calls.write('take the session', () => this.client.multi([['get', key], ['del', key]]).exec());
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
    return this.#calls.run("list the owner's sessions", () => this.#ownerIndex.sessionIds(ownerId));
  }

  override async removeFromOwnerIndex(ownerId: string, sessionIds: readonly string[]): Promise<void> {
    await this.#calls.write("update the owner's index", () => this.#ownerIndex.remove(ownerId, sessionIds));
  }

  /** Every readable session, keyed by id; walks every master with SCAN (no deadline for the walk, a SCAN per page). */
  override async all(): Promise<Record<string, SessionRecord>> {
    return this.#calls.run('list the sessions', () => this.#listing.records(), false);
  }

  override async ids(): Promise<string[]> {
    return this.#calls.run('list the session ids', () => this.#listing.ids(), false);
  }

  override async length(): Promise<number> {
    return this.#calls.run('count the sessions', () => this.#listing.count(), false);
  }

  /** Deletes every key under `prefix` (and nothing else), owner index keys included, on every master. */
  override async clear(): Promise<void> {
    await this.#calls.run('clear the sessions', () => this.#listing.deleteAll(), false);
  }

  /**
   * Resolves once the client is ready (or waits for its first command: `lazyConnect`); rejects
   * when its connection fails first. `SessionModule` waits for it at start-up.
   */
  override whenReady(): Promise<void> {
    return clientReady(this.client);
  }

  /** Quits the client the store created; a client passed in is left open for its owner. */
  override async close(): Promise<void> {
    this.#connection.stopFollowing();
    if (this.ownsClient) await quitClient(this.client);
  }

  /**
   * A write whose cookie has expired: the key is deleted instead, but a `'create'` never deletes
   * a stored session (it refuses one), and an `'update'` answers whether there was one.
   */
  async #writeExpired(key: string, mode: StoreWriteMode): Promise<boolean> {
    if (mode === 'create') return (await this.#calls.run('check the session id', () => this.#commands.send('exists', [key]))) === 0;
    const deletedCount = await this.#calls.write('delete the expired session', () => this.#commands.send('del', [key]));
    return mode === 'upsert' || (deletedCount as number) > 0;
  }

  /**
   * `write` and, for a session with an owner, its entry in the owner's index, written alongside.
   * Leaving an index (no owner, or another one) needs no write: stale entries are pruned when
   * read; so most saves wait for their one command only.
   */
  #withOwnerIndexed<T>(write: Promise<T>, sessionId: string, owner: string | null | undefined, ttlSeconds: number): Promise<T> {
    const ownerIndex = this.#ownerIndex;
    if (typeof owner !== 'string') return write;
    const indexed = this.#calls.write('index the session by owner', () => ownerIndex.add(owner, sessionId, Date.now() + ttlSeconds * 1000));
    return Promise.all([write, indexed]).then(([reply]) => reply);
  }

  /** connect-redis' rule: the `ttl` function if given, else the cookie's expiry, else `ttl` seconds. */
  #ttlSecondsOf(record: SessionRecord): number {
    const { ttl } = this.#options;
    if (typeof ttl === 'function') {
      const ttlSeconds = ttl(record);
      if (typeof ttlSeconds !== 'number' || Number.isNaN(ttlSeconds)) {
        throw new SessionStoreError(`nest-sessions: RedisStore's ttl function returned ${String(ttlSeconds)}, not a number of seconds`);
      }
      return Math.ceil(ttlSeconds);
    }
    const now = Date.now();
    return secondsUntil(recordExpiresAt(record, now, ttl * 1000), now);
  }

  #parse(key: string, text: string): SessionRecord | undefined {
    const parsed = parseRecordText(text, this.#options.serializer);
    if ('record' in parsed) return parsed.record;
    this.#logUnreadable(key, parsed.problem);
    return undefined;
  }

  #stringify(record: SessionRecord): string {
    return recordText(record, this.#options.serializer, 'RedisStore');
  }

  /** The key is shortened: a full session id in a log would be a credential in a log. */
  #logUnreadable(key: string, problem: string): void {
    const keyHint = key.slice(0, this.prefix.length + 8) + '…';
    this.#logger.warn(`nest-sessions: RedisStore ignored the data under ${keyHint} because ${problem}; the request starts a new session`);
  }
}
