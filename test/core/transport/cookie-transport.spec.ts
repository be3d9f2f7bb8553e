import { jest } from '@jest/globals';
import { parseSetCookie } from 'cookie';
import { signSessionId } from '../../../lib/core/cookie/cookie-signing.js';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import { Session } from '../../../lib/core/session/session.js';
import type { SessionOperations } from '../../../lib/core/session/session.js';
import { CookieTransport } from '../../../lib/core/transport/cookie-transport.js';
import type { ConfiguredCookieAttributes } from '../../../lib/core/transport/session-id-transport.js';
import { fakeRequest, fakeResponse } from '../../support/fake-http.js';

const secret = 'a secret of at least thirty-two characters';
const oldSecret = 'the secret used before the rotation, also long';

function transportWith(trustProxy?: boolean) {
  const warnOnce = jest.fn<(key: string, message: string) => void>();
  return { transport: new CookieTransport({ cookieName: 'connect.sid', trustProxy, warnOnce }), warnOnce };
}

function sessionWithCookie(attributes: Partial<ConfiguredCookieAttributes> = {}): Session {
  const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000, ...attributes } as never);
  return new Session({} as SessionOperations, 'sid', cookie);
}

describe('CookieTransport', () => {
  describe('read', () => {
    it('gives the verified id, and the value as received when the current secret signed it', () => {
      const { transport } = transportWith();
      const signed = signSessionId('sid', secret);
      const request = fakeRequest(`other=1; connect.sid=${encodeURIComponent(signed)}`);
      const expected = { sessionId: 'sid', currentSignedValue: signed, currentEncodedValue: encodeURIComponent(signed) };
      expect(transport.read(request, [secret])).toEqual(expected);
      expect(transport.read(request, [secret])).toEqual(expected);
    });

    it('keeps no text to send back when the request carried the value in another encoding', () => {
      const { transport } = transportWith();
      const signed = signSessionId('sid', secret);
      for (const text of [signed, `"${encodeURIComponent(signed)}"`, encodeURIComponent(signed).replace('s', '%73')]) {
        const read = () => transport.read(fakeRequest(`connect.sid=${text}`), [secret]);
        expect(read()).toEqual({ sessionId: 'sid', currentSignedValue: signed, currentEncodedValue: undefined });
        expect(read()).toEqual({ sessionId: 'sid', currentSignedValue: signed, currentEncodedValue: undefined });
      }
    });

    it('gives no signed value to reuse for a cookie an older secret signed', () => {
      const { transport } = transportWith();
      const request = fakeRequest(`connect.sid=${encodeURIComponent(signSessionId('sid', oldSecret))}`);
      expect(transport.read(request, [secret, oldSecret])).toEqual({ sessionId: 'sid', currentSignedValue: undefined, currentEncodedValue: undefined });
    });

    it('reads nothing from a request without the cookie, or with a forged one', () => {
      const { transport } = transportWith();
      expect(transport.read(fakeRequest(), [secret])).toBeUndefined();
      expect(transport.read(fakeRequest('connect.sid=s%3Asid.forged'), [secret])).toBeUndefined();
    });
  });

  describe('write', () => {
    it('sends back the signed value the request carried for the same id, and signs any other id', () => {
      const { transport } = transportWith();
      const session = sessionWithCookie();
      const received = { sessionId: 'sid', currentSignedValue: 's:sid.as-received', currentEncodedValue: undefined };
      const response = fakeResponse();
      transport.write(response, 'sid', session.cookie, [secret], received);
      transport.write(response, 'new-id', session.cookie, [secret], received);
      const [same, other] = response.setCookies().map((value) => parseSetCookie(value));
      expect(same!.value).toBe('s:sid.as-received');
      expect(other!.value).toBe(signSessionId('new-id', secret));
      expect(other).toMatchObject({ name: 'connect.sid', path: '/', httpOnly: true });
    });

    it('writes the cookie text the request carried back unchanged, and the same Set-Cookie as signing anew', () => {
      const { transport } = transportWith();
      const session = sessionWithCookie();
      const signed = signSessionId('sid', secret);
      const received = transport.read(fakeRequest(`connect.sid=${encodeURIComponent(signed)}`), [secret])!;
      const response = fakeResponse();
      transport.write(response, 'sid', session.cookie, [secret], received);
      transport.write(response, 'sid', session.cookie, [secret], undefined);
      const [asReceived, signedAnew] = response.setCookies();
      expect(asReceived).toBe(signedAnew);
      expect(asReceived).toContain(`connect.sid=${encodeURIComponent(signed)};`);
    });

    it('keeps the cookies the response already sets', () => {
      const { transport } = transportWith();
      const response = fakeResponse();
      response.setHeader('Set-Cookie', 'theme=dark');
      transport.write(response, 'sid', sessionWithCookie().cookie, [secret], undefined);
      expect(response.setCookies()).toHaveLength(2);
      expect(response.setCookies()[0]).toBe('theme=dark');
    });
  });

  it('expires the cookie with an empty value dated 1970', () => {
    const { transport } = transportWith();
    const response = fakeResponse();
    transport.expire(response, sessionWithCookie({ domain: 'example.com' }).cookie);
    const expired = parseSetCookie(response.setCookies()[0]!);
    expect(expired).toMatchObject({ name: 'connect.sid', value: '', domain: 'example.com', path: '/' });
    expect(expired.expires?.getTime()).toBe(0);
  });

  describe('canWrite', () => {
    it('refuses a Secure cookie on a plain-HTTP request, warning once', () => {
      const { transport, warnOnce } = transportWith();
      const secureSession = sessionWithCookie({ secure: true });
      expect(transport.canWrite(fakeRequest(), secureSession)).toBe(false);
      expect(transport.canWrite(fakeRequest(), secureSession)).toBe(false);
      expect(warnOnce).toHaveBeenCalledWith('secure-cookie-over-http', expect.stringContaining('trust proxy'));
      expect(transport.canWrite(fakeRequest(undefined, { secure: true }), secureSession)).toBe(true);
      expect(transport.canWrite(fakeRequest(), sessionWithCookie())).toBe(true);
    });

    it('with proxy: true, trusts X-Forwarded-Proto', () => {
      const { transport, warnOnce } = transportWith(true);
      const request = fakeRequest(undefined, { headers: { 'x-forwarded-proto': 'https' } });
      expect(transport.canWrite(request, sessionWithCookie({ secure: true }))).toBe(true);
      expect(warnOnce).not.toHaveBeenCalled();
    });
  });

  describe('cookieAttributes', () => {
    const configured: ConfiguredCookieAttributes = { path: '/', httpOnly: true, secure: 'auto', sameSite: 'auto', maxAge: null };

    it.each([
      ['HTTPS', { secure: true }, true, 'none'],
      ['HTTP', { secure: false }, false, 'lax'],
    ] as const)("resolves 'auto' secure and sameSite over %s", (_label, requestFields, secure, sameSite) => {
      const { transport } = transportWith();
      expect(transport.cookieAttributes(fakeRequest(undefined, requestFields), configured)).toEqual({ path: '/', httpOnly: true, maxAge: null, secure, sameSite });
    });

    it('keeps set values as they are', () => {
      const { transport } = transportWith();
      const fixed: ConfiguredCookieAttributes = { ...configured, secure: true, sameSite: 'strict', domain: 'example.com' };
      expect(transport.cookieAttributes(fakeRequest(), fixed)).toEqual({ ...fixed });
    });
  });
});
