import { jest } from '@jest/globals';
import mysql from 'mysql2/promise';
import { SessionStoreError, SessionStoreUnavailableError } from '../../../lib/index.js';
import { MySqlStore } from '../../../lib/mysql.js';
import type { MySqlStoreOptions } from '../../../lib/mysql.js';
import type { SqlSessionStore } from '../../../lib/stores/sql/sql-session-store.js';
import { ownMySqlPoolConfig } from '../../../lib/stores/mysql/mysql-pool.js';
import { pruneBatchSql } from '../../../lib/stores/mysql/mysql-session-table.js';
import { mySqlLockName } from '../../../lib/stores/mysql/mysql-table.js';
import { contractRecord } from '../store-contract.js';
import { SHARED_MYSQL_URI, uniqueTableName } from '../store-subjects.js';
import { describeSqlStoreBehaviour } from '../sql-store-behaviour.js';
import { closedAndDroppedAfterEach } from '../sql-test-apps.js';

let pool: mysql.Pool;

/** The table name without its backquotes. */
const bareName = (store: SqlSessionStore) => store.tableName.replaceAll('`', '');

describeSqlStoreBehaviour({
  keepsRowTextsFromTheStart: false,
  storeName: 'MySqlStore',
  ownPoolOption: ['uri', SHARED_MYSQL_URI],
  async setUp() {
    pool = mysql.createPool({ uri: SHARED_MYSQL_URI });
  },
  tearDown: () => pool.end(),
  construct: (options) => new MySqlStore(options as MySqlStoreOptions),
  poolOptions: () => ({ pool }),
  async dropTable(tableName) {
    await pool.query(`DROP TABLE IF EXISTS \`${tableName}\``);
  },
  async insertRows(store, rows, expiresInSeconds) {
    const values = rows.flatMap((row) => [row.sessionId, expiresInSeconds, row.sessText]);
    await pool.query(`INSERT INTO ${store.tableName} (session_id, expires, data) VALUES ${rows.map(() => '(?, UNIX_TIMESTAMP() + ?, ?)').join(', ')}`, values);
  },
  async rowCount(store) {
    const [rows] = await pool.query(`SELECT COUNT(*) AS count FROM ${store.tableName}`);
    return Number((rows as Array<{ count: number }>)[0]!.count);
  },
  async secondsToLive(store, sessionId) {
    const [rows] = await pool.query(`SELECT expires - UNIX_TIMESTAMP() AS seconds FROM ${store.tableName} WHERE session_id = ?`, [sessionId]);
    return Number((rows as Array<{ seconds: number }>)[0]!.seconds);
  },
  async setEveryRowTo(store, sessText) {
    await pool.query(`UPDATE ${store.tableName} SET data = ?`, [sessText]);
  },
  async holdPruneLock(store) {
    const other = await pool.getConnection();
    const lockName = mySqlLockName('prune', store.tableName);
    await other.query('SELECT GET_LOCK(?, 5)', [lockName]);
    return async () => {
      await other.query('SELECT RELEASE_LOCK(?)', [lockName]);
      other.release();
    };
  },
});

describe('MySqlStore: its table (MariaDB)', () => {
  const { stores, tables } = closedAndDroppedAfterEach((table) => pool.query(`DROP TABLE IF EXISTS \`${table}\``));

  beforeAll(() => {
    pool = mysql.createPool({ uri: SHARED_MYSQL_URI });
  });
  afterAll(() => pool.end());

  function newStore(options: Partial<MySqlStoreOptions> = {}): MySqlStore {
    const tableName = options.tableName ?? uniqueTableName('mystore');
    tables.push(tableName);
    const store = new MySqlStore({ pool, tableName, pruneInterval: false, logger: { warn: () => undefined }, ...options });
    stores.push(store);
    return store;
  }

  it('answers a value mysql2 refuses before sending it (a bug on this side) with a 500 error, and stays connected', async () => {
    const store = newStore();
    await store.set('s', contractRecord());
    // No record was read: the store has no text to compare, and mysql2 refuses the undefined it would bind.
    const failure = store.compareAndSet('s', undefined as never, contractRecord({ saved: true }));
    await expect(failure).rejects.toThrow(SessionStoreError);
    await expect(failure).rejects.not.toThrow(SessionStoreUnavailableError);
    expect(store.isConnected).toBe(true);
  });

  it("is created in express-mysql-session's format, with session ids up to 255 characters and indexes on expires and owner", async () => {
    const store = newStore();
    const longId = 'x'.repeat(255);
    await store.set(longId, contractRecord(), { owner: 'ada' });
    expect(await store.ownerSessionIds('ada')).toEqual([longId]);
    const [columns] = await pool.query('SELECT column_name AS name, column_type AS type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position', [bareName(store)]);
    expect(columns).toEqual([
      { name: 'session_id', type: 'varchar(255)' },
      { name: 'expires', type: 'int(11) unsigned' },
      { name: 'data', type: 'mediumtext' },
      { name: 'owner', type: 'varchar(255)' },
    ]);
  });

  it('without an owner column (createTable: false), saves sessions and says what to do for UserSessions', async () => {
    const tableName = uniqueTableName('noowner');
    tables.push(tableName);
    await pool.query(`CREATE TABLE \`${tableName}\` (session_id varchar(128) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, expires int(11) unsigned NOT NULL, data mediumtext COLLATE utf8mb4_bin)`);
    const store = newStore({ tableName, createTable: false });
    expect(await store.set('owned', contractRecord(), { owner: 'ada' })).toBe(true);
    await expect(store.ownerSessionIds('ada')).rejects.toThrow('has no owner column');
  });

  it("runs a request's statements on the app's promise pool through mysql2's callback pool under it (no stack captured per call)", async () => {
    const store = newStore();
    await store.set('warm-up', contractRecord());
    const promiseExecute = jest.spyOn(pool, 'execute');
    const callbackExecute = jest.spyOn(pool.pool, 'execute');
    try {
      await store.set('through-callback-pool', contractRecord({ n: 1 }));
      const changes = { setKeys: new Map([['n', '2']]), deletedKeys: [] };
      expect(await store.merge('through-callback-pool', contractRecord({ n: 2 }), changes)).toBe(true);
      expect(await store.get('through-callback-pool')).toMatchObject({ n: 2 });
      expect(promiseExecute).not.toHaveBeenCalled();
      expect(callbackExecute).toHaveBeenCalledTimes(3);
    } finally {
      promiseExecute.mockRestore();
      callbackExecute.mockRestore();
    }
  });

  it("finds an owner's sessions and expired rows through indexes, not by scanning the table", async () => {
    const store = newStore();
    await store.set('indexed', contractRecord(), { owner: 'ada' });
    const keyOf = async (sql: string) => {
      const [rows] = await pool.query(`EXPLAIN ${sql}`);
      return (rows as Array<{ key: string | null }>)[0]!.key;
    };
    expect(await keyOf(pruneBatchSql(store.tableName))).toBe(`IDX_${bareName(store)}_expires`);
    expect(await keyOf(`SELECT session_id FROM ${store.tableName} WHERE owner = 'ada' AND expires > UNIX_TIMESTAMP()`)).toBe(`IDX_${bareName(store)}_owner`);
  });
});

describe('MySqlStore: the pool it creates from uri', () => {
  it("turns off mysql2's stack capture on every call (trace: false), sized and bounded by the store's options", () => {
    expect(ownMySqlPoolConfig(SHARED_MYSQL_URI, 4, 1500)).toEqual({ uri: SHARED_MYSQL_URI, connectionLimit: 4, connectTimeout: 1500, enableKeepAlive: true, trace: false });
  });
});
