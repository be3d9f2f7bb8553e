import { classifyMySqlError } from '../../../lib/stores/mysql/mysql-errors.js';
import { classifyPostgresError } from '../../../lib/stores/postgres/postgres-errors.js';

/** A network failure as the drivers report it: a Node system error, no SQLSTATE. */
function refusedConnection(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', errno: -111 });
}

// What a driver's failure becomes: a 503 that marks the store disconnected, a 503 for now, or a 500.
describe.each([
  ['MySqlStore', classifyMySqlError],
  ['PostgresStore', classifyPostgresError],
])('failures of %s', (_store, classify) => {
  it("JavaScript's own errors, thrown before anything is sent (a bind value the driver refuses), are refusals (500), not a lost connection", () => {
    expect(classify(new TypeError('Bind parameters must not contain undefined. To pass SQL NULL specify JS null'))).toBe('refused');
    expect(classify(new RangeError('Invalid array length'))).toBe('refused');
  });

  it('a network failure without a SQLSTATE is a lost connection', () => {
    expect(classify(refusedConnection())).toBe('connection');
  });
});
