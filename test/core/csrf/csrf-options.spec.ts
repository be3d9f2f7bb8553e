import { SessionOptionsError } from '../../../lib/core/errors.js';
import { resolveCsrfOptions } from '../../../lib/core/csrf/csrf-options.js';

describe('resolveCsrfOptions', () => {
  it('is off for undefined and false', () => {
    expect(resolveCsrfOptions(undefined)).toBeUndefined();
    expect(resolveCsrfOptions(false)).toBeUndefined();
  });

  it('takes the defaults for true', () => {
    expect(resolveCsrfOptions(true)).toEqual({
      ignoreMethods: new Set(['GET', 'HEAD', 'OPTIONS']),
      trustedOrigins: new Set(),
      headers: ['x-csrf-token', 'x-xsrf-token'],
      field: '_csrf',
      cookieName: undefined,
    });
  });

  it('normalizes what it is given', () => {
    const resolved = resolveCsrfOptions({ ignoreMethods: ['get', 'Report'], trustedOrigins: ['HTTPS://App.Example.com:443/'], header: 'X-XSRF-Token', field: 'token', cookie: true });
    expect(resolved).toEqual({
      ignoreMethods: new Set(['GET', 'REPORT']),
      trustedOrigins: new Set(['https://app.example.com']),
      headers: ['x-xsrf-token'],
      field: 'token',
      cookieName: 'XSRF-TOKEN',
    });
  });

  it.each<[unknown, string, RegExp]>([
    ['yes', 'csrf', /must be true, false or an object of CSRF options, got "yes"/],
    [[], 'csrf', /got an array/],
    [{ trustedOrigins: 'https://a.example' }, 'csrf.trustedOrigins', /must be an array of origins/],
    [{ trustedOrigins: ['https://a.example/path'] }, 'csrf.trustedOrigins', /no path/],
    [{ trustedOrigins: ['*'] }, 'csrf.trustedOrigins', /must be an array/],
    [{ ignoreMethods: ['GET POST'] }, 'csrf.ignoreMethods', /must be an array of method names, e\.g\. \['GET', 'HEAD', 'OPTIONS'\], got an array/],
    [{ header: 'x csrf' }, 'csrf.header', /must be an HTTP token \(letters, digits, -\), e\.g\. x-csrf-token, got "x csrf"/],
    [{ field: '' }, 'csrf.field', /must be a non-empty string, got ""/],
    [{ cookie: 'yes' }, 'csrf.cookie', /must be true or false/],
    [{ trustedOrigin: [] }, 'csrf.trustedOrigin', /is not a CSRF option/],
  ])('refuses %p with a SessionOptionsError naming %s', (value, option, message) => {
    let thrown: unknown;
    try {
      resolveCsrfOptions(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SessionOptionsError);
    expect((thrown as SessionOptionsError).option).toBe(option);
    expect((thrown as Error).message).toMatch(message);
  });
});
