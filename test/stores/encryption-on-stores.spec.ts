import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MySqlStore } from '../../lib/mysql.js';
import { PostgresStore } from '../../lib/postgres.js';
import { RedisStore } from '../../lib/redis.js';
import { describeEncryptionOverHttp } from '../support/encryption-app.js';
import type { EncryptedBackend } from '../support/encryption-app.js';
import { EXPRESS } from '../support/platforms.js';
import { SHARED_MYSQL_URI, SHARED_POSTGRES, uniqueTableName } from './store-subjects.js';
import { RELAXED_STATEMENT_TIMEOUT_MS } from '../support/relaxed-deadline.js';

/** A backend for the encryption suite: opened once, a fresh store (own prefix or table) per test. */
interface EncryptionTarget {
  name: string;
  open(): void;
  newBackend(): Promise<EncryptedBackend>;
  close(): Promise<void>;
}

function redisTarget(): EncryptionTarget {
  let client: Redis;
  let count = 0;
  return {
    name: 'RedisStore (single node)',
    open: () => (client = new Redis({ host: '127.0.0.1', port: 6379, ...RedisStore.failFastClientOptions })),
    async newBackend() {
      count += 1;
      const prefix = `sealed:${process.pid}:${Date.now().toString(36)}:${count}:`;
      const store = new RedisStore({ client, prefix });
      /** Every key under the prefix (sessions and owner index) with its content, read with SCAN and the command of its type. */
      async function keysAndValues(): Promise<Array<[string, unknown]>> {
        const found: Array<[string, unknown]> = [];
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          for (const key of keys) {
            const type = await client.type(key);
            const value = type === 'string' ? await client.get(key) : type === 'zset' ? await client.zrange(key, '0', '-1') : type === 'set' ? await client.smembers(key) : await client.hgetall(key);
            found.push([key, value]);
          }
          cursor = next;
        } while (cursor !== '0');
        return found;
      }
      return {
        store,
        dump: async () => JSON.stringify(await keysAndValues()),
        async cleanUp() {
          for (const [key] of await keysAndValues()) await client.del(key);
        },
      };
    },
    close: async () => void (await client.quit()),
  };
}

function postgresTarget(): EncryptionTarget {
  let pool: pg.Pool;
  return {
    name: 'PostgresStore',
    open: () => (pool = new pg.Pool(SHARED_POSTGRES)),
    async newBackend() {
      const tableName = uniqueTableName('sealed');
      const store = new PostgresStore({ pool, tableName, pruneInterval: false, statementTimeout: RELAXED_STATEMENT_TIMEOUT_MS });
      return {
        store,
        dump: async () => JSON.stringify((await pool.query(`SELECT * FROM "${tableName}"`)).rows),
        async cleanUp() {
          await store.close();
          await pool.query(`DROP TABLE IF EXISTS "${tableName}"`);
        },
      };
    },
    close: () => pool.end(),
  };
}

function mySqlTarget(): EncryptionTarget {
  let pool: mysql.Pool;
  return {
    name: 'MySqlStore (MariaDB)',
    open: () => (pool = mysql.createPool({ uri: SHARED_MYSQL_URI })),
    async newBackend() {
      const tableName = uniqueTableName('sealed');
      const store = new MySqlStore({ pool, tableName, pruneInterval: false, statementTimeout: RELAXED_STATEMENT_TIMEOUT_MS });
      return {
        store,
        dump: async () => JSON.stringify((await pool.query(`SELECT * FROM \`${tableName}\``))[0]),
        async cleanUp() {
          await store.close();
          await pool.query(`DROP TABLE IF EXISTS \`${tableName}\``);
        },
      };
    },
    close: () => pool.end(),
  };
}

/** The encryption option on each store of ours, its backend read directly. */
describe.each([redisTarget(), postgresTarget(), mySqlTarget()])('encrypted session data on $name', (target) => {
  beforeAll(() => target.open());
  afterAll(() => target.close());
  describeEncryptionOverHttp(EXPRESS, () => target.newBackend());
});
