import { requireBuiltPackage, runFixture } from './built-package.js';

/** pg and mysql2 are optional peer dependencies: only their stores load them, and a missing one is named. */
describe('the SQL drivers', () => {
  beforeAll(requireBuiltPackage);

  it.each(['esm', 'cjs'])('are never loaded by an app on the MemoryStore (%s build)', (format) => {
    expect(runFixture('sql-driver-opt-in.mjs', [format, 'memory'])).toEqual({ loadedDrivers: [] });
  });

  it.each(['esm', 'cjs'])("are not loaded by nest-sessions/postgres with the app's pool (%s build)", (format) => {
    expect(runFixture('sql-driver-opt-in.mjs', [format, 'postgres-entry'])).toEqual({
      loadedDrivers: [],
      error: { name: 'SessionStoreUnavailableError', message: 'nest-sessions: PostgreSQL is unavailable, could not load the session: Command timed out (no reply within 50 ms)' },
    });
  });

  it.each(['esm', 'cjs'])('without pg installed, a connectionString store fails with one error naming the package (%s build)', (format) => {
    expect(runFixture('sql-driver-opt-in.mjs', [format, 'without-pg'])).toEqual({
      loadedDrivers: ['pg'],
      error: { name: 'SessionStoreError', message: 'nest-sessions: PostgresStore needs the `pg` package to connect with `connectionString`: install it (npm install pg)' },
    });
  });

  it.each(['esm', 'cjs'])("are not loaded by nest-sessions/mysql with the app's pool (%s build)", (format) => {
    expect(runFixture('sql-driver-opt-in.mjs', [format, 'mysql-entry'])).toEqual({
      loadedDrivers: [],
      error: { name: 'SessionStoreUnavailableError', message: 'nest-sessions: MySQL is unavailable, could not load the session: Command timed out (no reply within 50 ms)' },
    });
  });

  it.each(['esm', 'cjs'])('without mysql2 installed, a uri store fails with one error naming the package (%s build)', (format) => {
    expect(runFixture('sql-driver-opt-in.mjs', [format, 'without-mysql2'])).toEqual({
      loadedDrivers: ['mysql2/promise'],
      error: { name: 'SessionStoreError', message: 'nest-sessions: MySqlStore needs the `mysql2` package to connect with `uri`: install it (npm install mysql2)' },
    });
  });
});
