import pg from 'pg';
import { PostgresStore } from '../../../lib/postgres.js';
import type { PostgresStoreOptions } from '../../../lib/postgres.js';
import { advisoryLockKey } from '../../../lib/stores/postgres/postgres-table.js';
import type { SessionRecord } from '../../../lib/index.js';
import { changesBetween } from '../../../lib/core/session/session-changes.js';
import { contractRecord } from '../store-contract.js';
import { SHARED_POSTGRES, uniqueTableName } from '../store-subjects.js';
import { describeSqlStoreBehaviour } from '../sql-store-behaviour.js';
import { closedAndDroppedAfterEach } from '../sql-test-apps.js';

let pool: pg.Pool;

describeSqlStoreBehaviour({
  keepsRowTextsFromTheStart: true,
  storeName: 'PostgresStore',
  ownPoolOption: ['connectionString', 'postgres://127.0.0.1:5432/test'],
  async setUp() {
    pool = new pg.Pool(SHARED_POSTGRES);
  },
  tearDown: () => pool.end(),
  construct: (options) => new PostgresStore(options as PostgresStoreOptions),
  poolOptions: () => ({ pool }),
  async dropTable(tableName) {
    await pool.query(`DROP TABLE IF EXISTS "${tableName}"`);
  },
  async insertRows(store, rows, expiresInSeconds) {
    const sessionIds = rows.map((row) => row.sessionId);
    const sessTexts = rows.map((row) => row.sessText);
    const sql = `INSERT INTO ${store.tableName} (sid, sess, expire) SELECT sid, sess, now() + $3::int * interval '1 second' FROM unnest($1::text[], $2::json[]) AS row (sid, sess)`;
    await pool.query(sql, [sessionIds, sessTexts, expiresInSeconds]);
  },
  async rowCount(store) {
    return (await pool.query(`SELECT count(*)::int AS count FROM ${store.tableName}`)).rows[0].count;
  },
  async secondsToLive(store, sessionId) {
    return Number((await pool.query(`SELECT extract(epoch FROM expire - now()) AS seconds FROM ${store.tableName} WHERE sid = $1`, [sessionId])).rows[0].seconds);
  },
  async setEveryRowTo(store, sessText) {
    await pool.query(`UPDATE ${store.tableName} SET sess = $1`, [sessText]);
  },
  async holdPruneLock(store) {
    const other = await pool.connect();
    const lockKey = advisoryLockKey('prune', store.tableName);
    await other.query('SELECT pg_advisory_lock($1::bigint)', [lockKey]);
    return async () => {
      await other.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey]);
      other.release();
    };
  },
});

describe('PostgresStore: its table', () => {
  const { stores, tables } = closedAndDroppedAfterEach((table) => pool.query(`DROP TABLE IF EXISTS "${table}"`));
  const schemas: string[] = [];

  beforeAll(() => {
    pool = new pg.Pool(SHARED_POSTGRES);
  });
  afterEach(async () => {
    for (const schema of schemas.splice(0)) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
  afterAll(() => pool.end());

  function newStore(options: Partial<PostgresStoreOptions> = {}): PostgresStore {
    const tableName = options.tableName ?? uniqueTableName('pgstore');
    if (options.schemaName === undefined) tables.push(tableName);
    const store = new PostgresStore({ pool, tableName, pruneInterval: false, logger: { warn: () => undefined }, ...options });
    stores.push(store);
    return store;
  }

  it('is created with its expire, owner and primary key indexes', async () => {
    const store = newStore();
    await store.set('first', contractRecord());
    const tableName = store.tableName.replaceAll('"', '');
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
      const tableName = store.tableName.replaceAll('"', '');
      expect(await plan(`SELECT sid FROM ${store.tableName} WHERE owner = 'ada' AND expire > now()`)).toContain(`IDX_${tableName}_owner`);
      expect(await plan(`SELECT sid FROM ${store.tableName} WHERE expire <= now() ORDER BY expire LIMIT 1000`)).toContain(`IDX_${tableName}_expire`);
    } finally {
      client.release();
    }
  });
});

describe('PostgresStore: merged saves', () => {
  const { stores, tables } = closedAndDroppedAfterEach((table) => pool.query(`DROP TABLE IF EXISTS "${table}"`));

  beforeAll(() => {
    pool = new pg.Pool(SHARED_POSTGRES);
  });
  afterAll(() => pool.end());

  function newStore(): PostgresStore {
    const tableName = uniqueTableName('pgmerge');
    tables.push(tableName);
    const store = new PostgresStore({ pool, tableName, pruneInterval: false, logger: { warn: () => undefined } });
    stores.push(store);
    return store;
  }

  /** The request's save of `loaded` with `data` changed: the record and the changes the lifecycle gives merge. */
  function saveOf(loaded: SessionRecord, data: Record<string, unknown>) {
    const { cookie, ...before } = loaded;
    const after = { ...before, ...data };
    return { record: { cookie, ...after } as SessionRecord, changes: changesBetween(JSON.stringify(before), JSON.stringify(after), loaded) };
  }

  async function storedText(store: PostgresStore, sessionId: string): Promise<string> {
    return (await pool.query(`SELECT sess::text AS sess FROM ${store.tableName} WHERE sid = $1`, [sessionId])).rows[0].sess;
  }

  it('over a row unchanged since its load, writes the value as the app made it, without the database rebuilding the JSON', async () => {
    const store = newStore();
    await store.set('s', contractRecord({ a: 1, b: 'x' }));
    const { record, changes } = saveOf((await store.get('s'))!, { a: 2 });
    expect(await store.merge('s', record, changes)).toBe(true);
    expect(await storedText(store, 's')).toBe(JSON.stringify(record));
  });

  it('over a row another request wrote since the load, merges key by key: both writes land', async () => {
    const store = newStore();
    await store.set('s', contractRecord({ a: 1, b: 'x' }));
    const first = saveOf((await store.get('s'))!, { a: 2 });
    const second = saveOf((await store.get('s'))!, { b: 'y' });
    expect(await store.merge('s', first.record, first.changes)).toBe(true);
    expect(await store.merge('s', second.record, second.changes)).toBe(true);
    expect(await store.get('s')).toMatchObject({ a: 2, b: 'y' });
    expect(await storedText(store, 's')).not.toBe(JSON.stringify(second.record));
  });

  it('over a row formatted by another writer (connect-pg-simple with spaces), merges key by key, keeping its other keys', async () => {
    const store = newStore();
    await store.set('s', contractRecord({ a: 1 }));
    await pool.query(`UPDATE ${store.tableName} SET sess = (sess::jsonb || '{"save": "kept"}'::jsonb)::json WHERE sid = 's'`);
    const { record, changes } = saveOf((await store.get('s'))!, { a: 2 });
    expect(await store.merge('s', record, changes)).toBe(true);
    expect(JSON.parse(await storedText(store, 's'))).toMatchObject({ a: 2, save: 'kept' });
  });
});
