import diagnosticsChannel from 'node:diagnostics_channel';
import { jest } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { SessionOptionsError, SessionStoreError, SessionStoreUnavailableError } from '../../../lib/index.js';
import { PostgresStore, STORE_PRUNED_CHANNEL } from '../../../lib/postgres.js';
import type { PostgresStoreOptions, SqlPruneStats } from '../../../lib/postgres.js';
import { advisoryLockKey } from '../../../lib/stores/postgres/postgres-table.js';
import { PRUNE_BATCH_ROWS } from '../../../lib/stores/sql/sql-pruner.js';
import { cookiePair } from '../../support/e2e-app.js';
import { waitUntil } from '../../support/redis-server.js';
import { contractRecord } from '../store-contract.js';
import { SHARED_POSTGRES, uniqueTableName } from '../store-subjects.js';
import { nestSessionsApp } from '../sql-test-apps.js';

describe('PostgresStore', () => {
  let pool: pg.Pool;
  const stores: PostgresStore[] = [];
  const tables: string[] = [];
  const schemas: string[] = [];
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message) };

  beforeAll(() => {
    pool = new pg.Pool(SHARED_POSTGRES);
  });
  afterEach(async () => {
    warnings.length = 0;
    for (const store of stores.splice(0)) await store.close();
    for (const table of tables.splice(0)) await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    for (const schema of schemas.splice(0)) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
  afterAll(() => pool.end());

  /** A store on a table of its own (dropped after the test). */
  function newStore(options: Partial<PostgresStoreOptions> = {}): PostgresStore {
    const tableName = options.tableName ?? uniqueTableName('pgstore');
    if (options.schemaName === undefined) tables.push(tableName);
    const store = new PostgresStore({ pool, tableName, pruneInterval: false, logger, ...options });
    stores.push(store);
    return store;
  }

  describe('options', () => {
    /** Options with the test's pool unless the case says otherwise. */
    const withPool = (options: Record<string, unknown>) => () => ({ pool, ...options });
    it.each([
      ['no options', () => undefined, 'PostgresStore'],
      ['neither pool nor connectionString', () => ({}), 'PostgresStore.pool'],
      ['a pool that is not a pg.Pool', () => ({ pool: { query: 1 } }), 'PostgresStore.pool'],
      ['both pool and connectionString', withPool({ connectionString: 'postgres://localhost/test' }), 'PostgresStore.pool'],
      ['SQL in the table name', withPool({ tableName: 'session"; DROP TABLE users; --' }), 'PostgresStore.tableName'],
      ['a table name too long for its index names', withPool({ tableName: 'x'.repeat(49) }), 'PostgresStore.tableName'],
      ['a schema name with a dot', withPool({ schemaName: 'public.other' }), 'PostgresStore.schemaName'],
      ['pruneInterval 0', withPool({ pruneInterval: 0 }), 'PostgresStore.pruneInterval'],
      ['pruneInterval true', withPool({ pruneInterval: true }), 'PostgresStore.pruneInterval'],
      ['a fractional ttl', withPool({ ttl: 1.5 }), 'PostgresStore.ttl'],
      ['statementTimeout -1', withPool({ statementTimeout: -1 }), 'PostgresStore.statementTimeout'],
      ["createTable 'yes'", withPool({ createTable: 'yes' }), 'PostgresStore.createTable'],
      ['a logger without warn', withPool({ logger: {} }), 'PostgresStore.logger'],
      ['maxConnections 0', () => ({ connectionString: 'postgres://localhost/test', maxConnections: 0 }), 'PostgresStore.maxConnections'],
    ])('refuses %s, naming the option', (_case, optionsOf, option) => {
      const build = () => new PostgresStore(optionsOf() as PostgresStoreOptions);
      expect(build).toThrow(SessionOptionsError);
      expect(build).toThrow(`\`${option}\``);
    });

    it('lives ttl seconds without a cookie expiry, counted by the database clock', async () => {
      const store = newStore({ ttl: 600 });
      const record = contractRecord();
      delete record.cookie.expires;
      await store.set('no-expiry', record);
      const { rows } = await pool.query(`SELECT extract(epoch FROM expire - now()) AS seconds FROM ${store.tableName}`);
      expect(Number(rows[0].seconds)).toBeGreaterThan(590);
      expect(Number(rows[0].seconds)).toBeLessThanOrEqual(600);
    });
  });

  describe('one clock', () => {
    afterEach(() => jest.useRealTimers());

    it("keeps a session for its cookie's lifetime by the database clock, whatever the app's clock says", async () => {
      const store = newStore();
      await store.get('warm-up');
      // The app's clock runs two hours ahead; the cookie expires one hour after the app's now.
      jest.useFakeTimers({ doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
      jest.setSystemTime(Date.now() + 2 * 60 * 60 * 1000);
      await store.set('skewed', contractRecord({ kept: true }));
      jest.useRealTimers();
      expect(await store.get('skewed')).toMatchObject({ kept: true });
      const { rows } = await pool.query(`SELECT extract(epoch FROM expire - now()) AS seconds FROM ${store.tableName}`);
      expect(Math.round(Number(rows[0].seconds) / 60)).toBe(60);
    });
  });

  describe('table', () => {
    it('is created once however many stores start on it together, with its indexes', async () => {
      const tableName = uniqueTableName('race');
      const racing = Array.from({ length: 5 }, () => newStore({ tableName }));
      tables.splice(tables.indexOf(tableName) + 1, 4);
      await Promise.all(racing.map((store, index) => store.set(`racer-${index}`, contractRecord())));
      expect(await racing[0]!.length()).toBe(5);
      const { rows } = await pool.query('SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname', [tableName]);
      expect(rows.map((row: { indexname: string }) => row.indexname)).toEqual([`IDX_${tableName}_expire`, `IDX_${tableName}_owner`, `${tableName}_pkey`]);
    });

    it('lives in schemaName when given', async () => {
      const schemaName = uniqueTableName('schema');
      schemas.push(schemaName);
      await pool.query(`CREATE SCHEMA "${schemaName}"`);
      const store = newStore({ schemaName, tableName: 'session' });
      await store.set('in-schema', contractRecord({ here: true }));
      const { rows } = await pool.query(`SELECT sid FROM "${schemaName}"."session"`);
      expect(rows).toEqual([{ sid: 'in-schema' }]);
      expect(store.tableName).toBe(`"${schemaName}"."session"`);
    });

    it('with createTable: false and no table, fails calls with a 500 naming the table (not a 503)', async () => {
      const store = newStore({ createTable: false });
      const failure = store.get('any');
      await expect(failure).rejects.toThrow(SessionStoreError);
      await expect(failure).rejects.not.toThrow(SessionStoreUnavailableError);
      await expect(failure).rejects.toThrow(`table ${store.tableName} does not exist`);
      expect(store.isConnected).toBe(true);
    });

    it('without an owner column (createTable: false), saves sessions and says what to do for UserSessions', async () => {
      const tableName = uniqueTableName('noowner');
      tables.push(tableName);
      await pool.query(`CREATE TABLE "${tableName}" (sid varchar PRIMARY KEY, sess json NOT NULL, expire timestamp(6) NOT NULL)`);
      const store = newStore({ tableName, createTable: false });
      expect(await store.set('owned', contractRecord(), { owner: 'ada' })).toBe(true);
      await expect(store.ownerSessionIds('ada')).rejects.toThrow('has no owner column');
    });

    it("finds an owner's sessions and expired rows through indexes, not by scanning the table", async () => {
      const store = newStore();
      await store.set('indexed', contractRecord(), { owner: 'ada' });
      const client = await pool.connect();
      try {
        await client.query('SET enable_seqscan = off');
        const plan = async (sql: string) => (await client.query(`EXPLAIN ${sql}`)).rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
        const table = store.tableName.replaceAll('"', '');
        expect(await plan(`SELECT sid FROM ${store.tableName} WHERE owner = 'ada' AND expire > now()`)).toContain(`IDX_${table}_owner`);
        expect(await plan(`SELECT sid FROM ${store.tableName} WHERE expire <= now() ORDER BY expire LIMIT 1000`)).toContain(`IDX_${table}_expire`);
      } finally {
        client.release();
      }
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

    it.each(badRows)('%s: no session (logged without the whole id), and the row is deleted', async (_case, sess) => {
      const store = newStore();
      await store.set('warm-up', contractRecord());
      await pool.query(`INSERT INTO ${store.tableName} (sid, sess, expire) VALUES ($1, $2, now() + interval '1 hour')`, ['bad-row-session-id', sess]);
      expect(await store.get('bad-row-session-id')).toBeUndefined();
      expect(warnings.join('\n')).toContain('bad-row-…');
      expect(warnings.join('\n')).not.toContain('bad-row-session-id');
      await waitUntil(async () => (await pool.query(`SELECT 1 FROM ${store.tableName} WHERE sid = 'bad-row-session-id'`)).rowCount === 0, 'the bad row is deleted');
      expect(Object.keys(await store.all())).toEqual(['warm-up']);
    });

    it('a request whose cookie names a bad row gets a new session, not a 500', async () => {
      const store = newStore();
      const app = nestSessionsApp({ store });
      const cookie = cookiePair((await request(app).post('/login?user=ada').expect(200)).headers['set-cookie'])!;
      await pool.query(`UPDATE ${store.tableName} SET sess = '{"cookie": {"expires": "garbage"}, "userId": "ada"}'`);
      const response = await request(app).get('/me').set('Cookie', cookie).expect(200);
      expect(response.body).toEqual({ userId: null, views: 1 });
      expect(cookiePair(response.headers['set-cookie'])).not.toBe(cookie);
    });
  });

  describe('pruning', () => {
    async function insertRows(tableName: string, count: number, expire: string): Promise<void> {
      await pool.query(`INSERT INTO ${tableName} (sid, sess, expire) SELECT $1 || n, '{"cookie":{}}', ${expire} FROM generate_series(1, $2::int) AS n`, [`${expire.length}-`, count]);
    }

    it('deletes expired rows in bounded batches, keeps live ones, and publishes its statistics', async () => {
      const store = newStore();
      await store.set('live', contractRecord({ live: true }));
      await insertRows(store.tableName, 2 * PRUNE_BATCH_ROWS + 500, "now() - interval '1 minute'");
      const published: unknown[] = [];
      const emitted: SqlPruneStats[] = [];
      const onPublish = (message: unknown) => published.push(message);
      diagnosticsChannel.subscribe(STORE_PRUNED_CHANNEL, onPublish);
      store.on('pruned', (stats: SqlPruneStats) => emitted.push(stats));
      try {
        const stats = await store.prune();
        expect(stats).toMatchObject({ store: 'PostgresStore', table: store.tableName, deletedRows: 2 * PRUNE_BATCH_ROWS + 500, batches: 3 });
        expect(published).toEqual([stats]);
        expect(emitted).toEqual([stats]);
      } finally {
        diagnosticsChannel.unsubscribe(STORE_PRUNED_CHANNEL, onPublish);
      }
      expect(await store.length()).toBe(1);
      expect((await pool.query(`SELECT count(*)::int AS count FROM ${store.tableName}`)).rows[0].count).toBe(1);
    });

    it('is skipped while another instance prunes the same table (its advisory lock is held)', async () => {
      const store = newStore();
      await store.set('live', contractRecord());
      await insertRows(store.tableName, 10, "now() - interval '1 minute'");
      const other = await pool.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1::bigint)', [advisoryLockKey('prune', store.tableName)]);
        expect(await store.prune()).toBeUndefined();
        await other.query('SELECT pg_advisory_unlock($1::bigint)', [advisoryLockKey('prune', store.tableName)]);
      } finally {
        other.release();
      }
      expect(await store.prune()).toMatchObject({ deletedRows: 10 });
    });

    it('runs by itself every pruneInterval', async () => {
      const store = newStore({ pruneInterval: 100 });
      await store.set('live', contractRecord());
      await insertRows(store.tableName, 20, "now() - interval '1 minute'");
      await waitUntil(async () => (await pool.query(`SELECT count(*)::int AS count FROM ${store.tableName}`)).rows[0].count === 1, 'the expired rows are pruned');
    });
  });

  it("sends its messages to the logger SessionModule gives when none was passed: a missing table shows at start-up", async () => {
    const given: string[] = [];
    const store = new PostgresStore({ pool, tableName: uniqueTableName('missing'), createTable: false, pruneInterval: false });
    stores.push(store);
    store.useDefaultLogger({ warn: (message) => given.push(message) });
    await waitUntil(() => given.length > 0, 'the start-up message is logged');
    expect(given).toEqual([expect.stringContaining(`table ${store.tableName} does not exist`)]);
  });
});
