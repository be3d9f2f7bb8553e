import pg from 'pg';
import { PostgresStore } from '../../../lib/postgres.js';
import type { PostgresStoreOptions } from '../../../lib/postgres.js';
import { advisoryLockKey } from '../../../lib/stores/postgres/postgres-table.js';
import { PostgresSessionTable } from '../../../lib/stores/postgres/postgres-session-table.js';
import { PostgresStatementRunner } from '../../../lib/stores/postgres/postgres-statement-runner.js';
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

  /** Two requests load `s`, each changes another key, both save: both changes are there. Answers the second save. */
  async function expectOverlappingMergesBothLand(store: PostgresStore): Promise<ReturnType<typeof saveOf>> {
    await store.set('s', contractRecord({ a: 1, b: 'x' }));
    const first = saveOf((await store.get('s'))!, { a: 2 });
    const second = saveOf((await store.get('s'))!, { b: 'y' });
    expect(await store.merge('s', first.record, first.changes)).toBe(true);
    expect(await store.merge('s', second.record, second.changes)).toBe(true);
    expect(await store.get('s')).toMatchObject({ a: 2, b: 'y' });
    return second;
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
    const second = await expectOverlappingMergesBothLand(store);
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

  it('on a table whose sess column is jsonb, merges key by key (jsonb keeps no text to compare), and both writes land', async () => {
    const tableName = uniqueTableName('pgjsonb');
    tables.push(tableName);
    await pool.query(`CREATE TABLE "${tableName}" (sid varchar PRIMARY KEY, sess jsonb NOT NULL, expire timestamptz(6) NOT NULL, owner text)`);
    const store = new PostgresStore({ pool, tableName, createTable: false, pruneInterval: false, logger: { warn: () => undefined } });
    stores.push(store);
    await expectOverlappingMergesBothLand(store);
    const table = new PostgresSessionTable(pool, { tableName, schemaName: undefined }, false, new PostgresStatementRunner(pool, true));
    expect(table.writesWholeWhenUnchanged).toBe(true);
    await table.prepare();
    expect(table.writesWholeWhenUnchanged).toBe(false);
  });
});

describe('PostgresStore: prepared statements', () => {
  const { stores, tables } = closedAndDroppedAfterEach((table) => pool.query(`DROP TABLE IF EXISTS "${table}"`));
  /** One-connection pools: what the store prepared is what `pg_prepared_statements` shows on it. */
  const pools: pg.Pool[] = [];

  beforeAll(() => {
    pool = new pg.Pool(SHARED_POSTGRES);
  });
  afterEach(async () => {
    for (const onePool of pools.splice(0)) await onePool.end();
  });
  afterAll(() => pool.end());

  function onePool(): pg.Pool {
    const made = new pg.Pool({ ...SHARED_POSTGRES, max: 1 });
    pools.push(made);
    return made;
  }

  function newStore(on: pg.Pool, options: Partial<PostgresStoreOptions> = {}, tableName = uniqueTableName('pgprep')): { store: PostgresStore; warnings: string[] } {
    if (!tables.includes(tableName)) tables.push(tableName);
    const warnings: string[] = [];
    const store = new PostgresStore({ pool: on, tableName, pruneInterval: false, logger: { warn: (message: string) => warnings.push(message) }, ...options });
    stores.push(store);
    return { store, warnings };
  }

  async function preparedOn(on: pg.Pool, store: PostgresStore): Promise<Array<{ name: string; statement: string }>> {
    const { rows } = await on.query('SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE $1 ORDER BY name', [`%${store.tableName}%`]);
    return rows;
  }

  it('are prepared once per connection by default, under names that do not depend on the session', async () => {
    const on = onePool();
    const { store } = newStore(on);
    await store.set('a', contractRecord({ n: 1 }));
    await store.set('b', contractRecord({ n: 2 }));
    expect(await store.get('a')).toMatchObject({ n: 1 });
    expect(await store.get('b')).toMatchObject({ n: 2 });
    const prepared = await preparedOn(on, store);
    const reads = prepared.filter(({ statement }) => statement.startsWith('SELECT sess::text'));
    expect(reads).toHaveLength(1);
    expect(reads[0]!.name).toMatch(/^nest_sessions_[0-9a-f]{32}$/);
    expect(prepared.some(({ statement }) => statement.startsWith('INSERT'))).toBe(true);
  });

  it('are sent unprepared with preparedStatements: false', async () => {
    const on = onePool();
    const { store } = newStore(on, { preparedStatements: false });
    await store.set('a', contractRecord({ n: 1 }));
    expect(await store.get('a')).toMatchObject({ n: 1 });
    expect(await preparedOn(on, store)).toEqual([]);
  });

  it('lost from the connection (a pooler that does not keep them): the call still answers, one warning, unprepared from then on', async () => {
    const on = onePool();
    const { store, warnings } = newStore(on);
    await store.set('a', contractRecord({ n: 1 }));
    expect(await store.get('a')).toMatchObject({ n: 1 });
    await on.query('DEALLOCATE ALL');
    expect(await store.get('a')).toMatchObject({ n: 1 });
    await store.set('a', contractRecord({ n: 2 }));
    expect(await store.get('a')).toMatchObject({ n: 2 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('preparedStatements: false');
    expect(await preparedOn(on, store)).toEqual([]);
  });

  it('already there under the same name (another client of a shared server connection): the call still answers, one warning', async () => {
    const first = onePool();
    const tableName = uniqueTableName('pgprep');
    const { store: preparing } = newStore(first, {}, tableName);
    await preparing.set('a', contractRecord({ n: 1 }));
    expect(await preparing.get('a')).toMatchObject({ n: 1 });
    const names = (await preparedOn(first, preparing)).map(({ name }) => name);
    const second = onePool();
    for (const name of names) await second.query(`PREPARE ${name} AS SELECT 1`);
    const { store, warnings } = newStore(second, {}, tableName);
    expect(await store.get('a')).toMatchObject({ n: 1 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('preparedStatements: false');
  });

  it.each([['yes'], [1], [null]])('preparedStatements: %p is refused, naming the option', (value) => {
    expect(() => new PostgresStore({ pool, tableName: uniqueTableName('pgprep'), preparedStatements: value as never })).toThrow(/PostgresStore\.preparedStatements/);
  });
});
