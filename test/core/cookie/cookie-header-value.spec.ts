import fc from 'fast-check';
import { parseCookie } from 'cookie';
import { cookieHeaderValue } from '../../../lib/core/cookie/cookie-header-value.js';

/** What `parseCookie` (cookie 1.x, express-session's reading) gives for `name`, encoded. */
const parsedValue = (header: string, name: string) => parseCookie(header, { decode: (value) => value })[name];

describe('cookieHeaderValue', () => {
  it('finds the named cookie among others, trimmed, still encoded', () => {
    expect(cookieHeaderValue('theme=dark; connect.sid=s%3Aabc.def ;_ga=1', 'connect.sid')).toBe('s%3Aabc.def');
    expect(cookieHeaderValue('\tconnect.sid = a=b ', 'connect.sid')).toBe('a=b');
  });

  it('takes the first pair of the name and ignores names that only contain it', () => {
    expect(cookieHeaderValue('xconnect.sid=1; connect.sid=2; connect.sid=3', 'connect.sid')).toBe('2');
    expect(cookieHeaderValue('connect.sidx=1; connect.si=2', 'connect.sid')).toBeUndefined();
  });

  it('skips pairs without "=" and finds nothing in a header without the cookie', () => {
    expect(cookieHeaderValue('junk; connect.sid; connect.sid=v', 'connect.sid')).toBe('v');
    expect(cookieHeaderValue('connect.sid', 'connect.sid')).toBeUndefined();
    expect(cookieHeaderValue('', 'connect.sid')).toBeUndefined();
    expect(cookieHeaderValue('connect.sid=', 'connect.sid')).toBe('');
  });

  it('agrees with parseCookie on any header', () => {
    const piece = fc.constantFrom('a', 'sid', ' ', '\t', ';', '=', '"', '%3A', 'x');
    const header = fc.array(piece, { maxLength: 24 }).map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(header, fc.constantFrom('a', 'sid', 'x', 'asid'), (text, name) => {
        expect(cookieHeaderValue(text, name)).toBe(parsedValue(text, name));
      }),
      { numRuns: 5000 },
    );
  });
});
