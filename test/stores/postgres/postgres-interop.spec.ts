import pg from 'pg';
import request from 'supertest';
import type express from 'express';
import { PostgresStore } from '../../../lib/postgres.js';
import { cookiePair } from '../../support/e2e-app.js';
import { SHARED_POSTGRES, uniqueTableName } from '../store-subjects.js';
import { closedAndDroppedAfterEach, connectPgSimpleApp, nestSessionsApp, signInThenContinueAndSignOut } from '../sql-test-apps.js';
import { RELAXED_STATEMENT_TIMEOUT_MS } from '../../support/relaxed-deadline.js';

describe('PostgresStore and connect-pg-simple on one table', () => {
  let pool: pg.Pool;
  const { stores, tables } = closedAndDroppedAfterEach((table) => pool.query(`DROP TABLE IF EXISTS "${table}"`));

  beforeAll(() => {
    pool = new pg.Pool(SHARED_POSTGRES);
  });
  afterAll(() => pool.end());

  function newTable(): string {
    const table = uniqueTableName('interop');
    tables.push(table);
    return table;
  }

  function ourApp(options: ConstructorParameters<typeof PostgresStore>[0]): express.Express {
    const store = new PostgresStore({ pool, pruneInterval: false, statementTimeout: RELAXED_STATEMENT_TIMEOUT_MS, ...options });
    stores.push(store);
    return nestSessionsApp({ store });
  }

  /** connect-pg-simple creates its table, as it does with createTableIfMissing. */
  async function connectPgSimpleTable(): Promise<{ table: string; theirs: express.Express }> {
    const table = newTable();
    const theirs = connectPgSimpleApp(pool, table, true);
    await request(theirs).get('/me').expect(200); // the first request creates the table
    await pool.query(`DELETE FROM "${table}"`);
    return { table, theirs };
  }

  async function columnsOf(table: string): Promise<Record<string, string>> {
    const { rows } = await pool.query('SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1', [table]);
    return Object.fromEntries(rows.map((row: { column_name: string; data_type: string }) => [row.column_name, row.data_type]));
  }

  it("on connect-pg-simple's table: sign in there, continue here, sign out here; and the other way round", async () => {
    const { table, theirs } = await connectPgSimpleTable();
    const ours = ourApp({ tableName: table });
    await signInThenContinueAndSignOut(theirs, ours);
    await signInThenContinueAndSignOut(ours, theirs);
    // The store added only the owner column: connect-pg-simple's types stay.
    expect(await columnsOf(table)).toEqual({ sid: 'character varying', sess: 'json', expire: 'timestamp without time zone', owner: 'text' });
  });

  it('on a table the store created (json, timestamptz, owner): the same, both ways', async () => {
    const table = newTable();
    const ours = ourApp({ tableName: table });
    const theirs = connectPgSimpleApp(pool, table);
    await signInThenContinueAndSignOut(ours, theirs);
    await signInThenContinueAndSignOut(theirs, ours);
    expect(await columnsOf(table)).toEqual({ sid: 'character varying', sess: 'json', expire: 'timestamp with time zone', owner: 'text' });
  });

  it("with createTable: false, works on connect-pg-simple's table as it is, without adding the owner column", async () => {
    const { table, theirs } = await connectPgSimpleTable();
    const ours = ourApp({ tableName: table, createTable: false });
    await signInThenContinueAndSignOut(theirs, ours);
    expect(Object.keys(await columnsOf(table)).sort()).toEqual(['expire', 'sess', 'sid']);
  });

  it('records the owner of the sessions it writes in the owner column, which connect-pg-simple leaves alone', async () => {
    const { table, theirs } = await connectPgSimpleTable();
    const ours = ourApp({ tableName: table });
    const cookie = cookiePair((await request(ours).post('/login?user=grace').expect(200)).headers['set-cookie'])!;
    await request(theirs).get('/me').set('Cookie', cookie).expect(200);
    const { rows } = await pool.query(`SELECT owner, sess->>'views' AS views FROM "${table}"`);
    expect(rows).toEqual([{ owner: 'grace', views: '1' }]);
  });

  it('keeps sessions written by connect-pg-simple with its own (app) clock until their expiry, read with the database clock', async () => {
    const { table, theirs } = await connectPgSimpleTable();
    const ours = ourApp({ tableName: table });
    const cookie = cookiePair((await request(theirs).post('/login?user=alan').expect(200)).headers['set-cookie'])!;
    const { rows } = await pool.query(`SELECT expire > now() + interval '23 hours' AS far FROM "${table}"`);
    expect(rows).toEqual([{ far: true }]);
    expect((await request(ours).get('/me').set('Cookie', cookie).expect(200)).body.userId).toBe('alan');
    await pool.query(`UPDATE "${table}" SET expire = now() - interval '1 second'`);
    expect((await request(ours).get('/me').set('Cookie', cookie).expect(200)).body.userId).toBeNull();
  });
});
