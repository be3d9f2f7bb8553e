import mysql from 'mysql2/promise';
import { MySqlStore } from '../../../lib/mysql.js';
import { describeHeaderClients } from '../../support/header-sessions-app.js';
import { PLATFORMS } from '../../support/platforms.js';
import { SHARED_MYSQL_URI, uniqueTableName } from '../store-subjects.js';
import { RELAXED_STATEMENT_TIMEOUT_MS } from '../../support/relaxed-deadline.js';

/** This file's table on the shared MariaDB (127.0.0.1:3306), created by the stores and dropped at the end. */
const TABLE = uniqueTableName('header_sessions');

/** Apps of the header option on MySqlStore: the header transport on the last built-in store. */
describe.each(PLATFORMS)('the header option on MySqlStore, over HTTP on $name', (platform) => {
  describeHeaderClients(platform, () => ({ store: new MySqlStore({ uri: SHARED_MYSQL_URI, tableName: TABLE, pruneInterval: false, statementTimeout: RELAXED_STATEMENT_TIMEOUT_MS }) }));
});

afterAll(async () => {
  const pool = mysql.createPool({ uri: SHARED_MYSQL_URI });
  try {
    await pool.query(`DROP TABLE IF EXISTS \`${TABLE}\``);
  } finally {
    await pool.end();
  }
});
