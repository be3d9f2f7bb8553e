import diagnosticsChannel from 'node:diagnostics_channel';
import { jest } from '@jest/globals';
import request from 'supertest';
import { SessionOptionsError, SessionStoreError, SessionStoreUnavailableError } from '../../lib/index.js';
import { STORE_PRUNED_CHANNEL } from '../../lib/postgres.js';
import type { SqlPruneStats } from '../../lib/postgres.js';
import type { SqlSessionStore } from '../../lib/stores/sql/sql-session-store.js';
import { PRUNE_BATCH_ROWS } from '../../lib/stores/sql/sql-pruner.js';
import { cookiePair } from '../support/e2e-app.js';
import { waitUntil } from '../support/redis-server.js';
import { contractRecord } from './store-contract.js';
import { uniqueTableName } from './store-subjects.js';
import { nestSessionsApp } from './sql-test-apps.js';

/** How the shared SQL store tests reach one database: its store, and raw SQL on the store's table. */
export interface SqlTestDatabase {
  /** `PostgresStore`, `MySqlStore`: the prefix of option names in errors. */
  storeName: string;
  /** Whether the store keeps each loaded row's text from the start (PostgresStore: for merges written whole), or only from compareAndSet's first call. */
  keepsRowTextsFromTheStart: boolean;
  /** The option giving a URL for a pool of the store's own (`connectionString`, `uri`) and a URL of it. */
  ownPoolOption: [name: string, url: string];
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** `new Store(options)`, options as given. */
  construct(options: unknown): SqlSessionStore;
  /** `{ pool }`: the shared pool. */
  poolOptions(): Record<string, unknown>;
  dropTable(tableName: string): Promise<void>;
  /** Writes a row by SQL, expiring `expiresInSeconds` from the database's now (negative: already expired). */
  insertRows(store: SqlSessionStore, rows: Array<{ sessionId: string; sessText: string }>, expiresInSeconds: number): Promise<void>;
  /** Rows in the table, expired ones included. */
  rowCount(store: SqlSessionStore): Promise<number>;
  /** Seconds the row has left by the database's clock. */
  secondsToLive(store: SqlSessionStore, sessionId: string): Promise<number>;
  /** Replaces the data of every row by SQL. */
  setEveryRowTo(store: SqlSessionStore, sessText: string): Promise<void>;
  /** Takes the store's pruning lock as another instance would; resolves to its release. */
  holdPruneLock(store: SqlSessionStore): Promise<() => Promise<void>>;
}

/** Every timer API but Date: the store's timers run as usual while the app's clock is moved. */
const ALL_BUT_DATE = ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] as const;

/** What both SQL stores do alike: options, one clock, table creation, unreadable rows, pruning, logging. */
export function describeSqlStoreBehaviour(database: SqlTestDatabase): void {
  const { storeName } = database;
  const stores: SqlSessionStore[] = [];
  const tables: string[] = [];
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message) };

  /** A store on a table of its own (dropped after the test). */
  function newStore(options: Record<string, unknown> = {}): SqlSessionStore {
    const tableName = (options.tableName as string | undefined) ?? uniqueTableName('sqlstore');
    if (!tables.includes(tableName)) tables.push(tableName);
    const store = database.construct({ ...database.poolOptions(), tableName, pruneInterval: false, logger, ...options });
    stores.push(store);
    return store;
  }

  describe(`${storeName}: what both SQL stores do`, () => {
    beforeAll(() => database.setUp());
    afterEach(async () => {
      warnings.length = 0;
      jest.useRealTimers();
      for (const store of stores.splice(0)) await store.close();
      for (const table of tables.splice(0)) await database.dropTable(table);
    });
    afterAll(() => database.tearDown());

    describe('options', () => {
      const [ownPoolOption, ownPoolUrl] = database.ownPoolOption;
      const withPool = (options: Record<string, unknown>) => () => ({ ...database.poolOptions(), ...options });
      it.each([
        ['no options', () => undefined, ''],
        ['neither a pool nor a URL', () => ({}), '.pool'],
        ['a pool that is not one', () => ({ pool: { query: 1 } }), '.pool'],
        ['both a pool and a URL', withPool({ [ownPoolOption]: ownPoolUrl }), '.pool'],
        ['SQL in the table name', withPool({ tableName: 'session"; DROP TABLE users; --' }), '.tableName'],
        ['a backquote in the table name', withPool({ tableName: 'session`; DROP TABLE users; --' }), '.tableName'],
        ['a table name too long for its index names', withPool({ tableName: 'x'.repeat(49) }), '.tableName'],
        ['a schema name with a dot', withPool({ schemaName: 'public.other' }), '.schemaName'],
        ['pruneInterval 0', withPool({ pruneInterval: 0 }), '.pruneInterval'],
        ['pruneInterval true', withPool({ pruneInterval: true }), '.pruneInterval'],
        ['a fractional ttl', withPool({ ttl: 1.5 }), '.ttl'],
        ['statementTimeout -1', withPool({ statementTimeout: -1 }), '.statementTimeout'],
        ["createTable 'yes'", withPool({ createTable: 'yes' }), '.createTable'],
        ['a logger without warn', withPool({ logger: {} }), '.logger'],
        ['maxConnections 0', () => ({ [ownPoolOption]: ownPoolUrl, maxConnections: 0 }), '.maxConnections'],
      ])('refuses %s, naming the option', (_case, optionsOf, option) => {
        const build = () => database.construct(optionsOf());
        expect(build).toThrow(SessionOptionsError);
        expect(build).toThrow(`\`${storeName}${option}\``);
      });

      it('lives ttl seconds without a cookie expiry, counted by the database clock', async () => {
        const store = newStore({ ttl: 600 });
        const record = contractRecord();
        delete record.cookie.expires;
        await store.set('no-expiry', record);
        const seconds = await database.secondsToLive(store, 'no-expiry');
        expect(seconds).toBeGreaterThan(590);
        expect(seconds).toBeLessThanOrEqual(600);
      });
    });

    it("keeps a session for its cookie's lifetime by the database clock, whatever the app's clock says", async () => {
      const store = newStore();
      await store.get('warm-up');
      // The app's clock runs two hours ahead; the cookie expires one hour after the app's now.
      jest.useFakeTimers({ doNotFake: [...ALL_BUT_DATE] });
      jest.setSystemTime(Date.now() + 2 * 60 * 60 * 1000);
      await store.set('skewed', contractRecord({ kept: true }));
      jest.useRealTimers();
      expect(await store.get('skewed')).toMatchObject({ kept: true });
      expect(Math.round((await database.secondsToLive(store, 'skewed')) / 60)).toBe(60);
    });

    it('keeps data and owners holding U+0000, which a JSON string may: saved, read, merged, listed', async () => {
      const store = newStore();
      const owner = 'owner\u0000with a NUL';
      await store.set('with-nul', contractRecord({ note: 'a\u0000b' }), { owner });
      expect(await store.get('with-nul')).toMatchObject({ note: 'a\u0000b' });
      const changes = { setKeys: new Map([['more', '1']]), deletedKeys: [] };
      expect(await store.merge('with-nul', contractRecord({ note: 'a\u0000b', more: 1 }), changes, { owner })).toBe(true);
      expect(await store.get('with-nul')).toMatchObject({ note: 'a\u0000b', more: 1 });
      expect(await store.ownerSessionIds(owner)).toEqual(['with-nul']);
      expect(await store.ownerSessionIds('owner')).toEqual([]);
    });

    it('indexes owners of any length', async () => {
      const store = newStore();
      const [longOwner, otherLongOwner] = ['o'.repeat(5_000), 'o'.repeat(4_999) + 'p'];
      await store.set('long-owner', contractRecord(), { owner: longOwner });
      expect(await store.ownerSessionIds(longOwner)).toEqual(['long-owner']);
      expect(await store.ownerSessionIds(otherLongOwner)).toEqual([]);
    });

    it(
      database.keepsRowTextsFromTheStart
        ? "keeps each row's text from the start: a row another program formatted is compared by its text, and written"
        : "keeps no row text before compareAndSet's first call: a record read then is compared by its JSON",
      async () => {
        const store = newStore();
        await store.set('warm-up', contractRecord());
        // A row another program formatted its own way (indented JSON), read before compareAndSet is used.
        const indentedText = JSON.stringify(JSON.parse(JSON.stringify(contractRecord({ userId: 'ada' }))), null, 1);
        await database.insertRows(store, [{ sessionId: 'indented', sessText: indentedText }], 3600);
        const readBefore = (await store.get('indented'))!;
        const firstOutcome = database.keepsRowTextsFromTheStart ? 'written' : 'changed';
        expect(await store.compareAndSet('indented', readBefore, contractRecord({ userId: 'bob' }))).toBe(firstOutcome);
        // From the first call on, each load keeps its text: read again, the write goes through.
        const readAfter = (await store.get('indented'))!;
        expect(await store.compareAndSet('indented', readAfter, contractRecord({ userId: 'carol' }))).toBe('written');
        expect(await store.get('indented')).toMatchObject({ userId: 'carol' });
      },
    );

    describe('table', () => {
      it('is created once however many stores start on it together', async () => {
        const tableName = uniqueTableName('race');
        const racing = Array.from({ length: 5 }, () => newStore({ tableName }));
        await Promise.all(racing.map((store, index) => store.set(`racer-${index}`, contractRecord())));
        expect(await racing[0]!.length()).toBe(5);
      });

      it('whenReady (what SessionModule waits for at start-up) resolves once the table is there', async () => {
        const store = newStore();
        await store.whenReady();
        expect(await database.rowCount(store)).toBe(0);
      });

      it('whenReady rejects, naming the table, with createTable: false and no table', async () => {
        const store = newStore({ createTable: false });
        await expect(store.whenReady()).rejects.toThrow(`table ${store.tableName} does not exist`);
      });

      it('with createTable: false and no table, fails calls with a 500 naming the table (not a 503)', async () => {
        const store = newStore({ createTable: false });
        const failure = store.get('any');
        await expect(failure).rejects.toThrow(SessionStoreError);
        await expect(failure).rejects.not.toThrow(SessionStoreUnavailableError);
        await expect(failure).rejects.toThrow(`table ${store.tableName} does not exist`);
        expect(store.isConnected).toBe(true);
      });

      it("logs a missing table at start-up, through the logger SessionModule gives when none was passed", async () => {
        const given: string[] = [];
        const store = newStore({ createTable: false, logger: undefined });
        store.useDefaultLogger({ warn: (message) => given.push(message) });
        await waitUntil(() => given.length > 0, 'the start-up message is logged');
        expect(given).toEqual([expect.stringContaining(`table ${store.tableName} does not exist`)]);
      });
    });

    describe('rows that are not sessions', () => {
      const badRows: Array<[string, string]> = [
        ['a JSON string', '"not a session"'],
        ['an array', '[1, 2]'],
        ['JSON null', 'null'],
        ['a cookie that is not an object', '{"cookie": "nope", "userId": "u"}'],
        ['an unusable cookie expiry', '{"cookie": {"expires": "not a date", "originalMaxAge": 1000}, "userId": "u"}'],
        ['an unusable cookie path', '{"cookie": {"path": 42}, "userId": "u"}'],
      ];

      it.each(badRows)('%s: no session (logged without the whole id), and the row is deleted', async (_case, sessText) => {
        const store = newStore();
        await store.set('warm-up', contractRecord());
        await database.insertRows(store, [{ sessionId: 'bad-row-session-id', sessText }], 3600);
        expect(await store.get('bad-row-session-id')).toBeUndefined();
        expect(warnings.join('\n')).toContain('bad-row-…');
        expect(warnings.join('\n')).not.toContain('bad-row-session-id');
        await waitUntil(async () => (await database.rowCount(store)) === 1, 'the bad row is deleted');
        expect(Object.keys(await store.all())).toEqual(['warm-up']);
      });

      it('a request whose cookie names a bad row gets a new session, not a 500', async () => {
        const store = newStore();
        const app = nestSessionsApp({ store });
        const cookie = cookiePair((await request(app).post('/login?user=ada').expect(200)).headers['set-cookie'])!;
        await database.setEveryRowTo(store, '{"cookie": {"expires": "garbage"}, "userId": "ada"}');
        const response = await request(app).get('/me').set('Cookie', cookie).expect(200);
        expect(response.body).toEqual({ userId: null, views: 1 });
        expect(cookiePair(response.headers['set-cookie'])).not.toBe(cookie);
      });
    });

    describe('pruning', () => {
      const expiredRows = (count: number) => Array.from({ length: count }, (_, index) => ({ sessionId: `expired-${index}`, sessText: '{"cookie":{}}' }));

      it('deletes expired rows in bounded batches, keeps live ones, and publishes its statistics', async () => {
        const store = newStore();
        await store.set('live', contractRecord({ live: true }));
        await database.insertRows(store, expiredRows(2 * PRUNE_BATCH_ROWS + 500), -60);
        const published: unknown[] = [];
        const emitted: SqlPruneStats[] = [];
        const onPublish = (message: unknown) => published.push(message);
        diagnosticsChannel.subscribe(STORE_PRUNED_CHANNEL, onPublish);
        store.on('pruned', (stats: SqlPruneStats) => emitted.push(stats));
        try {
          const stats = await store.prune();
          expect(stats).toMatchObject({ store: storeName, table: store.tableName, deletedRows: 2 * PRUNE_BATCH_ROWS + 500, batches: 3 });
          expect(published).toEqual([stats]);
          expect(emitted).toEqual([stats]);
        } finally {
          diagnosticsChannel.unsubscribe(STORE_PRUNED_CHANNEL, onPublish);
        }
        expect(await store.length()).toBe(1);
        expect(await database.rowCount(store)).toBe(1);
      });

      it('is skipped while another instance prunes the same table (it holds the lock)', async () => {
        const store = newStore();
        await store.set('live', contractRecord());
        await database.insertRows(store, expiredRows(10), -60);
        const release = await database.holdPruneLock(store);
        expect(await store.prune()).toBeUndefined();
        await release();
        expect(await store.prune()).toMatchObject({ deletedRows: 10 });
      });

      it('runs by itself every pruneInterval', async () => {
        const store = newStore({ pruneInterval: 100 });
        await store.set('live', contractRecord());
        await database.insertRows(store, expiredRows(20), -60);
        await waitUntil(async () => (await database.rowCount(store)) === 1, 'the expired rows are pruned');
      });
    });
  });
}
