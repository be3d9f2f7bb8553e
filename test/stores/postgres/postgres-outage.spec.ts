import pg from 'pg';
import { PostgresStore } from '../../../lib/postgres.js';
import { PostgresServerProcess } from '../../support/postgres-server.js';
import { describeSqlStoreOutage } from '../sql-store-outage.js';

describeSqlStoreOutage<PostgresServerProcess>({
  name: 'PostgresStore',
  startServer: () => PostgresServerProcess.start(),
  storeWithOwnPool: (server, options) => new PostgresStore({ connectionString: server.connectionString, pruneInterval: false, ...options }),
  storeWithAppPoolOfOne(server, options) {
    const pool = new pg.Pool({ connectionString: server.connectionString, max: 1 });
    pool.on('error', () => undefined);
    return {
      store: new PostgresStore({ pool, pruneInterval: false, ...options }),
      async holdTheConnection() {
        const client = await pool.connect();
        return () => client.release();
      },
      endPool: () => pool.end(),
    };
  },
  async rowCount(server, tableName) {
    const pool = new pg.Pool({ connectionString: server.connectionString });
    try {
      return (await pool.query(`SELECT count(*)::int AS count FROM "${tableName}"`)).rows[0].count;
    } finally {
      await pool.end();
    }
  },
});
