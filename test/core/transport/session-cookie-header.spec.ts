import { sign } from 'cookie-signature';
import { appendSetCookie, readSessionCookie } from '../../../lib/core/transport/session-cookie-header.js';

/** The verified session id of a Cookie header, as the manager reads it. */
const readSessionIdCookie = (header: string | undefined, name: string, secrets: string[]) =>
  readSessionCookie(header, name, secrets)?.sessionId;
import type { SessionResponse } from '../../../lib/core/http/http-types.js';
import { TEST_SECRET } from '../../support/test-secret.js';

const secret = TEST_SECRET;
const sessionId = 'sessionid123';
/** The value express-session puts in Set-Cookie, URL-encoded as browsers send it back. */
const encodedCookieValue = encodeURIComponent('s:' + sign(sessionId, secret));

describe('readSessionIdCookie', () => {
  it('reads the URL-encoded s%3A… value express-session sends', () => {
    expect(encodedCookieValue.startsWith('s%3A')).toBe(true);
    expect(readSessionIdCookie(`connect.sid=${encodedCookieValue}`, 'connect.sid', [secret])).toBe(sessionId);
  });

  it('reads an unencoded value too', () => {
    expect(readSessionIdCookie(`connect.sid=s:${sign(sessionId, secret)}`, 'connect.sid', [secret])).toBe(sessionId);
  });

  it('finds the cookie among others', () => {
    const header = `theme=dark; connect.sid=${encodedCookieValue}; _ga=GA1.2.3`;
    expect(readSessionIdCookie(header, 'connect.sid', [secret])).toBe(sessionId);
  });

  it('reads a double-quoted value, as express-session (cookie 0.7 strips the quotes)', () => {
    expect(readSessionIdCookie(`connect.sid="${encodedCookieValue}"`, 'connect.sid', [secret])).toBe(sessionId);
  });

  it('uses the configured cookie name only', () => {
    const header = `connect.sid=${encodedCookieValue}`;
    expect(readSessionIdCookie(header, 'app.sid', [secret])).toBeUndefined();
    expect(readSessionIdCookie(`app.sid=${encodedCookieValue}`, 'app.sid', [secret])).toBe(sessionId);
    // A cookie whose name merely contains the configured one does not count.
    expect(readSessionIdCookie(`xconnect.sid=${encodedCookieValue}`, 'connect.sid', [secret])).toBeUndefined();
  });

  it('takes the first of duplicated cookie names, as express-session does', () => {
    const otherValue = encodeURIComponent('s:' + sign('otherid', secret));
    expect(readSessionIdCookie(`connect.sid=${encodedCookieValue}; connect.sid=${otherValue}`, 'connect.sid', [secret])).toBe(
      sessionId,
    );
    // No fallback to a later duplicate when the first is invalid.
    expect(readSessionIdCookie(`connect.sid=bogus; connect.sid=${otherValue}`, 'connect.sid', [secret])).toBeUndefined();
  });

  it.each([
    ['a missing header', undefined],
    ['an empty header', ''],
    ['a header without the cookie', 'theme=dark'],
    ['an empty value', 'connect.sid='],
    ['an unsigned value', 'connect.sid=sessionid123'],
    ['a value signed with another secret', `connect.sid=${encodeURIComponent('s:' + sign(sessionId, 'other'))}`],
    ['malformed percent-encoding', 'connect.sid=s%3A%E0%A4%A'],
    ['a header of separators', ';;;=;= ;connect.sid'],
    ['the name without a value', 'connect.sid'],
  ])('returns undefined for %s', (_label, header) => {
    expect(readSessionIdCookie(header, 'connect.sid', [secret])).toBeUndefined();
  });
});

/** A response holding headers as Node's ServerResponse does. */
function fakeResponse(): SessionResponse & { headers: Map<string, unknown> } {
  const headers = new Map<string, unknown>();
  return {
    headers,
    headersSent: false,
    statusCode: 200,
    getHeader: (name) => headers.get(name.toLowerCase()) as string | string[] | undefined,
    setHeader: (name, value) => headers.set(name.toLowerCase(), value),
    removeHeader: (name) => headers.delete(name.toLowerCase()),
    writeHead: () => undefined,
    end: () => undefined,
  };
}

describe('appendSetCookie', () => {
  it('sets the header when there is none', () => {
    const response = fakeResponse();
    appendSetCookie(response, 'connect.sid=a');
    expect(response.getHeader('Set-Cookie')).toBe('connect.sid=a');
  });

  it('keeps a single existing Set-Cookie value', () => {
    const response = fakeResponse();
    response.setHeader('Set-Cookie', 'theme=dark');
    appendSetCookie(response, 'connect.sid=a');
    expect(response.getHeader('Set-Cookie')).toEqual(['theme=dark', 'connect.sid=a']);
  });

  it('keeps an existing array of Set-Cookie values', () => {
    const response = fakeResponse();
    response.setHeader('Set-Cookie', ['theme=dark', 'lang=en']);
    appendSetCookie(response, 'connect.sid=a');
    expect(response.getHeader('Set-Cookie')).toEqual(['theme=dark', 'lang=en', 'connect.sid=a']);
  });
});
