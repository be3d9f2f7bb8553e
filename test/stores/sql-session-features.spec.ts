import mysql from 'mysql2/promise';
import pg from 'pg';
import type { SessionModuleOptions } from '../../lib/index.js';
import { MySqlStore } from '../../lib/mysql.js';
import { PostgresStore } from '../../lib/postgres.js';
import { describeFlashOverHttp } from '../support/flash-app.js';
import { EXPRESS } from '../support/platforms.js';
import { describeRotateAndMergeOverHttp, describeRotationRaces } from '../support/rotate-merge-app.js';
import { describeUserSessionsOverHttp } from '../support/user-sessions-app.js';
import { SHARED_MYSQL_URI, SHARED_POSTGRES, uniqueTableName } from './store-subjects.js';
import { RELAXED_STATEMENT_TIMEOUT_MS } from '../support/relaxed-deadline.js';

/** A SQL store on the shared server, each app on a table of its own, dropped once the suite is done. */
interface SqlFeatureTarget {
  name: string;
  open(): void;
  moduleOptions(): Partial<SessionModuleOptions>;
  close(): Promise<void>;
}

function postgresTarget(): SqlFeatureTarget {
  let pool: pg.Pool;
  const tables: string[] = [];
  return {
    name: 'PostgresStore',
    open: () => (pool = new pg.Pool(SHARED_POSTGRES)),
    moduleOptions() {
      const tableName = uniqueTableName('features');
      tables.push(tableName);
      return { store: new PostgresStore({ pool, tableName, pruneInterval: false, statementTimeout: RELAXED_STATEMENT_TIMEOUT_MS }) };
    },
    async close() {
      for (const table of tables.splice(0)) await pool.query(`DROP TABLE IF EXISTS "${table}"`);
      await pool.end();
    },
  };
}

function mySqlTarget(): SqlFeatureTarget {
  let pool: mysql.Pool;
  const tables: string[] = [];
  return {
    name: 'MySqlStore (MariaDB)',
    open: () => (pool = mysql.createPool({ uri: SHARED_MYSQL_URI })),
    moduleOptions() {
      const tableName = uniqueTableName('features');
      tables.push(tableName);
      return { store: new MySqlStore({ pool, tableName, pruneInterval: false, statementTimeout: RELAXED_STATEMENT_TIMEOUT_MS }) };
    },
    async close() {
      for (const table of tables.splice(0)) await pool.query(`DROP TABLE IF EXISTS \`${table}\``);
      await pool.end();
    },
  };
}

/** Sessions of a user, flash messages, rotate() and merged saves, over HTTP, on both SQL stores (the suites Redis runs too). */
describe.each([postgresTarget(), mySqlTarget()])('session features on $name', (target) => {
  beforeAll(() => target.open());
  afterAll(() => target.close());

  describe('UserSessions', () => describeUserSessionsOverHttp(EXPRESS, () => target.moduleOptions()));
  describe('flash messages', () => describeFlashOverHttp(EXPRESS, () => target.moduleOptions()));
  describe('rotate() and merged saves', () => describeRotateAndMergeOverHttp(EXPRESS, () => target.moduleOptions()));
  describe('rotate() racing other requests', () => describeRotationRaces(EXPRESS, () => target.moduleOptions(), { isMoveAtomic: true, hasOwnerIndex: true }));
});
