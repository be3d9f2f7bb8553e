import { inspect } from 'node:util';
import {
  SessionCookieError,
  SessionOptionsError,
  SessionStateError,
  SessionStore,
  SessionStoreError,
  SessionStoreNotSupportedError,
  SessionStoreUnavailableError,
} from '../../lib/index.js';

/** Each exported error class, under its exported name, with an instance of it. */
const ERRORS: Array<[string, Error]> = [
  ['SessionOptionsError', new SessionOptionsError('cookie.sameSite', 'must be lax, strict or none')],
  ['SessionCookieError', new SessionCookieError('maxAge', 'must be a number')],
  ['SessionStoreError', new SessionStoreError('the store failed')],
  ['SessionStoreUnavailableError', new SessionStoreUnavailableError('the store is down')],
  ['SessionStateError', new SessionStateError('the session was destroyed')],
  ['SessionStoreNotSupportedError', new SessionStoreNotSupportedError('no owner index')],
];

describe('error classes are named as exported', () => {
  it.each(ERRORS)('%s: name, constructor.name, String() and what loggers print (util.inspect)', (exportedName, error) => {
    expect(error.name).toBe(exportedName);
    expect(error.constructor.name).toBe(exportedName);
    expect(String(error)).toBe(`${exportedName}: ${error.message}`);
    // Nest's ConsoleLogger prints an Error through util.inspect, which names its constructor.
    expect(inspect(error).split('\n')[0]).toBe(`${exportedName}: ${error.message}`);
  });

  it('SessionStore (the injection token Nest names in its DI errors) too', () => {
    expect(SessionStore.name).toBe('SessionStore');
  });
});
