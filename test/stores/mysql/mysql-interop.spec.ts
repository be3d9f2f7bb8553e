import mysql from 'mysql2/promise';
import request from 'supertest';
import type express from 'express';
import { MySqlStore } from '../../../lib/mysql.js';
import { cookiePair } from '../../support/e2e-app.js';
import { SHARED_MYSQL_URI, uniqueTableName } from '../store-subjects.js';
import { closedAndDroppedAfterEach, expressMySqlSessionApp, nestSessionsApp, signInThenContinueAndSignOut } from '../sql-test-apps.js';
import { RELAXED_STATEMENT_TIMEOUT_MS } from '../../support/relaxed-deadline.js';

describe('MySqlStore and express-mysql-session on one table (MariaDB)', () => {
  let pool: mysql.Pool;
  const { stores, tables } = closedAndDroppedAfterEach((table) => pool.query(`DROP TABLE IF EXISTS \`${table}\``));

  beforeAll(() => {
    pool = mysql.createPool({ uri: SHARED_MYSQL_URI });
  });
  afterAll(() => pool.end());

  function newTable(): string {
    const table = uniqueTableName('interop');
    tables.push(table);
    return table;
  }

  function ourApp(options: Omit<ConstructorParameters<typeof MySqlStore>[0], 'pool'>): express.Express {
    const store = new MySqlStore({ pool, pruneInterval: false, statementTimeout: RELAXED_STATEMENT_TIMEOUT_MS, ...options });
    stores.push(store);
    return nestSessionsApp({ store });
  }

  /** express-mysql-session creates its table, as it does by default. */
  async function expressMySqlSessionTable(): Promise<{ table: string; theirs: express.Express }> {
    const table = newTable();
    const theirs = await expressMySqlSessionApp(pool, table, true);
    return { table, theirs };
  }

  async function indexedColumnsOf(table: string): Promise<string[]> {
    const [rows] = await pool.query('SELECT DISTINCT column_name AS name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? ORDER BY column_name', [table]);
    return (rows as Array<{ name: string }>).map((row) => row.name);
  }

  it("on express-mysql-session's table: sign in there, continue here, sign out here; and the other way round", async () => {
    const { table, theirs } = await expressMySqlSessionTable();
    const ours = ourApp({ tableName: table });
    await signInThenContinueAndSignOut(theirs, ours);
    await signInThenContinueAndSignOut(ours, theirs);
    // The store added the owner column and the indexes on owner and expires (express-mysql-session's sweep had none).
    expect(await indexedColumnsOf(table)).toEqual(['expires', 'owner', 'session_id']);
  });

  it('on a table the store created: the same, both ways', async () => {
    const table = newTable();
    const ours = ourApp({ tableName: table });
    const theirs = await expressMySqlSessionApp(pool, table);
    await signInThenContinueAndSignOut(ours, theirs);
    await signInThenContinueAndSignOut(theirs, ours);
  });

  it("with createTable: false, works on express-mysql-session's table as it is", async () => {
    const { table, theirs } = await expressMySqlSessionTable();
    const ours = ourApp({ tableName: table, createTable: false });
    await signInThenContinueAndSignOut(theirs, ours);
    expect(await indexedColumnsOf(table)).toEqual(['session_id']);
  });

  it('records the owner of the sessions it writes; express-mysql-session leaves the column alone', async () => {
    const { table, theirs } = await expressMySqlSessionTable();
    const ours = ourApp({ tableName: table });
    const cookie = cookiePair((await request(ours).post('/login?user=grace').expect(200)).headers['set-cookie'])!;
    await request(theirs).get('/me').set('Cookie', cookie).expect(200);
    const [rows] = await pool.query(`SELECT owner, JSON_VALUE(data, '$.views') AS views FROM \`${table}\``);
    expect(rows).toEqual([{ owner: 'grace', views: '1' }]);
  });

  it('reads sessions by the database clock: a row past its expires is gone for both', async () => {
    const { table, theirs } = await expressMySqlSessionTable();
    const ours = ourApp({ tableName: table });
    const cookie = cookiePair((await request(theirs).post('/login?user=alan').expect(200)).headers['set-cookie'])!;
    expect((await request(ours).get('/me').set('Cookie', cookie).expect(200)).body.userId).toBe('alan');
    await pool.query(`UPDATE \`${table}\` SET expires = UNIX_TIMESTAMP() - 1`);
    expect((await request(ours).get('/me').set('Cookie', cookie).expect(200)).body.userId).toBeNull();
  });
});
