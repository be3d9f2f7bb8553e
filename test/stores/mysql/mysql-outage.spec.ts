import mysql from 'mysql2/promise';
import { MySqlStore } from '../../../lib/mysql.js';
import { MariaDbServerProcess } from '../../support/mariadb-server.js';
import { describeSqlStoreOutage } from '../sql-store-outage.js';

describeSqlStoreOutage<MariaDbServerProcess>({
  name: 'MySqlStore (MariaDB)',
  startServer: () => MariaDbServerProcess.start(),
  storeWithOwnPool: (server, options) => new MySqlStore({ uri: server.uri, pruneInterval: false, ...options }),
  storeWithAppPoolOfOne(server, options) {
    const pool = mysql.createPool({ uri: server.uri, connectionLimit: 1 });
    return {
      store: new MySqlStore({ pool, pruneInterval: false, ...options }),
      async holdTheConnection() {
        const connection = await pool.getConnection();
        return () => connection.release();
      },
      endPool: () => pool.end(),
    };
  },
  async rowCount(server, tableName) {
    const connection = await mysql.createConnection({ uri: server.uri });
    try {
      const [rows] = await connection.query(`SELECT COUNT(*) AS count FROM \`${tableName}\``);
      return Number((rows as Array<{ count: number }>)[0]!.count);
    } finally {
      await connection.end();
    }
  },
});
