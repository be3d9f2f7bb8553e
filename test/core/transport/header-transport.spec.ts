import fc from 'fast-check';
import { signSessionId } from '../../../lib/core/cookie/cookie-signing.js';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import { HeaderTransport } from '../../../lib/core/transport/header-transport.js';
import type { HeaderTransportOptions } from '../../../lib/core/transport/header-transport.js';
import { fakeRequest, fakeResponse } from '../../support/fake-http.js';

const secret = 'a secret of at least thirty-two characters';
const oldSecret = 'the secret used before the rotation, also long';
const BEARER: HeaderTransportOptions = { name: 'authorization', scheme: 'Bearer', responseHeader: 'Session-Token' };
const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000 } as never);

function requestWith(headers: Record<string, string | string[]>) {
  return fakeRequest(undefined, { headers });
}

describe('HeaderTransport', () => {
  describe('isCarriedBy and read', () => {
    it('reads `Authorization: Bearer <token>`, the scheme in any casing, with the value as received when the current secret signed it', () => {
      const transport = new HeaderTransport(BEARER, undefined);
      const token = signSessionId('sid', secret);
      for (const value of [`Bearer ${token}`, `bearer ${token}`, `BEARER   ${token}  `]) {
        const request = requestWith({ authorization: value });
        expect(transport.isCarriedBy(request)).toBe(true);
        expect(transport.read(request, [secret])).toEqual({ sessionId: 'sid', currentSignedValue: token, currentEncodedValue: undefined });
      }
    });

    it('verifies with every configured secret; a token of an older one is not the current value (it is sent anew)', () => {
      const transport = new HeaderTransport(BEARER, undefined);
      const request = requestWith({ authorization: `Bearer ${signSessionId('sid', oldSecret)}` });
      expect(transport.read(request, [secret, oldSecret])).toEqual({ sessionId: 'sid', currentSignedValue: undefined, currentEncodedValue: undefined });
      expect(transport.read(request, [secret])).toBeUndefined();
    });

    it('accepts the token URL-encoded as a cookie carries it', () => {
      const transport = new HeaderTransport(BEARER, undefined);
      const token = signSessionId('sid', secret);
      expect(transport.read(requestWith({ authorization: `Bearer ${encodeURIComponent(token)}` }), [secret])?.sessionId).toBe('sid');
    });

    it('is not carried by a request without the header or with another scheme (Basic credentials are not ours)', () => {
      const requests: Array<Record<string, string>> = [{}, { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearerx s:sid.sig' }, { authorization: '' }, { 'x-token': 's:a.b' }];
      const transport = new HeaderTransport(BEARER, undefined);
      for (const headers of requests) {
        expect(transport.isCarriedBy(requestWith(headers))).toBe(false);
        expect(transport.read(requestWith(headers), [secret])).toBeUndefined();
      }
    });

    it('is carried, with no session, by the scheme alone, an unsigned or forged token, or the header sent twice', () => {
      const transport = new HeaderTransport(BEARER, undefined);
      const token = signSessionId('sid', secret);
      const values = ['Bearer', 'Bearer ', 'Bearer sid', `Bearer ${token.slice(0, -1)}`, `Bearer ${token}x`, `Bearer s:other${token.slice(5)}`, `Bearer ${'a'.repeat(100_000)}`];
      for (const value of values) {
        const request = requestWith({ authorization: value });
        expect(transport.isCarriedBy(request)).toBe(true);
        expect(transport.read(request, [secret])).toBeUndefined();
      }
      const twice = requestWith({ 'x-session': [token, token] });
      const custom = new HeaderTransport({ name: 'x-session', scheme: '', responseHeader: 'Session-Token' }, undefined);
      expect(custom.isCarriedBy(twice)).toBe(true);
      expect(custom.read(twice, [secret])).toBeUndefined();
    });

    it('reads a header of its own without a scheme: the whole value is the token', () => {
      const transport = new HeaderTransport({ name: 'x-session-token', scheme: '', responseHeader: 'X-New-Token' }, undefined);
      const token = signSessionId('sid', secret);
      expect(transport.read(requestWith({ 'x-session-token': ` ${token} ` }), [secret])?.sessionId).toBe('sid');
      expect(transport.isCarriedBy(requestWith({ authorization: `Bearer ${token}` }))).toBe(false);
      expect(transport.challenge).toBeUndefined();
      expect(new HeaderTransport(BEARER, undefined).challenge).toBe('Bearer');
    });

    it('never verifies a forged, truncated, other-secret or oversized token (property)', () => {
      const transport = new HeaderTransport(BEARER, undefined);
      const genuine = signSessionId('the-real-session-id', secret);
      const forgedTokens = fc.oneof(
        fc.string({ maxLength: 200 }).map((text) => `s:${text}`),
        fc.nat({ max: genuine.length - 1 }).map((length) => genuine.slice(0, length)),
        fc.tuple(fc.nat({ max: genuine.length - 1 }), fc.string({ minLength: 1, maxLength: 3 })).map(([at, text]) => {
          const changed = genuine.slice(0, at) + text + genuine.slice(at + text.length);
          return changed === genuine ? `${changed}!` : changed;
        }),
        fc.string({ minLength: 1, maxLength: 60 }).map((id) => signSessionId(id, 'another secret, long enough to be a real one')),
        fc.integer({ min: 1025, max: 20_000 }).map((length) => `s:${'x'.repeat(length)}.${genuine.slice(-43)}`),
      );
      fc.assert(
        fc.property(forgedTokens, (token) => {
          const read = transport.read(requestWith({ authorization: `Bearer ${token}` }), [secret]);
          // A changed character may leave the same token once percent-decoded: only that one verifies.
          return read === undefined || read.sessionId === 'the-real-session-id';
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('write and expire', () => {
    it('sends a new id signed with the current secret in the response header, never a Set-Cookie', () => {
      const transport = new HeaderTransport(BEARER, undefined);
      const response = fakeResponse();
      transport.write(response, 'new-sid', cookie, [secret], undefined);
      expect(response.getHeader('Session-Token')).toBe(signSessionId('new-sid', secret));
      expect(response.setCookies()).toEqual([]);
    });

    it('does not repeat the token the client holds, but re-signs one of an older secret', () => {
      const transport = new HeaderTransport(BEARER, undefined);
      const token = signSessionId('sid', secret);
      const same = fakeResponse();
      transport.write(same, 'sid', cookie, [secret], { sessionId: 'sid', currentSignedValue: token, currentEncodedValue: undefined });
      expect(same.getHeader('Session-Token')).toBeUndefined();
      const older = fakeResponse();
      transport.write(older, 'sid', cookie, [secret, oldSecret], { sessionId: 'sid', currentSignedValue: undefined, currentEncodedValue: undefined });
      expect(older.getHeader('Session-Token')).toBe(token);
      const rotated = fakeResponse();
      transport.write(rotated, 'rotated-sid', cookie, [secret], { sessionId: 'sid', currentSignedValue: token, currentEncodedValue: undefined });
      expect(rotated.getHeader('Session-Token')).toBe(signSessionId('rotated-sid', secret));
    });

    it('tells the client to forget its token with an empty response header', () => {
      const response = fakeResponse();
      new HeaderTransport({ ...BEARER, responseHeader: 'X-Token' }, undefined).expire(response);
      expect(response.getHeader('X-Token')).toBe('');
      expect(response.setCookies()).toEqual([]);
    });

    it('can always write: a header needs no HTTPS', () => {
      expect(new HeaderTransport(BEARER, undefined).canWrite()).toBe(true);
    });
  });
});
