import { sign } from 'cookie-signature';
import { signSessionId, unsignSessionId } from '../../../lib/core/cookie/cookie-signing.js';
import { TEST_SECRET } from '../../support/test-secret.js';

describe('cookie-signing', () => {
  const secret = TEST_SECRET;

  it('round-trips a session id', () => {
    const signed = signSessionId('abc123', secret);
    expect(signed.startsWith('s:abc123.')).toBe(true);
    expect(unsignSessionId(signed, [secret])).toBe('abc123');
  });

  it("signs exactly as express-session 1.19 does ('s:' + cookie-signature sign)", () => {
    const sessionId = 'Xy_z-0123456789abcdefghijklmnopqr';
    expect(signSessionId(sessionId, secret)).toBe('s:' + sign(sessionId, secret));
    // A cookie express-session wrote verifies here.
    expect(unsignSessionId('s:' + sign(sessionId, secret), [secret])).toBe(sessionId);
  });

  it('signs with the first secret and verifies with any of them (rotation)', () => {
    const signedWithNew = signSessionId('id1', 'new-secret');
    const signedWithOld = signSessionId('id1', 'old-secret');
    expect(signSessionId('id1', 'new-secret')).toBe('s:' + sign('id1', 'new-secret'));
    expect(unsignSessionId(signedWithNew, ['new-secret', 'old-secret'])).toBe('id1');
    expect(unsignSessionId(signedWithOld, ['new-secret', 'old-secret'])).toBe('id1');
    expect(unsignSessionId(signedWithOld, ['new-secret'])).toBeUndefined();
  });

  it('accepts Buffer secrets, equal to the same bytes as a string', () => {
    const bufferSecret = Buffer.from(secret);
    const signed = signSessionId('id2', bufferSecret);
    expect(signed).toBe(signSessionId('id2', secret));
    expect(unsignSessionId(signed, [bufferSecret])).toBe('id2');
    expect(unsignSessionId(signed, [Buffer.from('other')])).toBeUndefined();
  });

  it('keeps dots inside the id (the signature is after the last dot)', () => {
    const signed = signSessionId('a.b.c', secret);
    expect(unsignSessionId(signed, [secret])).toBe('a.b.c');
  });

  describe('rejects with undefined', () => {
    const valid = signSessionId('abc123', secret);
    const cases: Array<[string, string]> = [
      ['a tampered signature', valid.slice(0, -1) + (valid.endsWith('A') ? 'B' : 'A')],
      ['a tampered id', valid.replace('abc123', 'abc124')],
      ['a truncated signature', valid.slice(0, -3)],
      ['a missing s: prefix', valid.slice(2)],
      ['an uppercase S: prefix', 'S' + valid.slice(1)],
      ['an empty id', 's:' + sign('', secret)],
      ['an empty value', ''],
      ['only the prefix', 's:'],
      ['no signature at all', 's:abc123'],
      ['garbage', 's:%%%...'],
      ['an oversized value', 's:' + sign('x'.repeat(2000), secret)],
    ];
    it.each(cases)('%s', (_label, cookieValue) => {
      expect(unsignSessionId(cookieValue, [secret])).toBeUndefined();
    });

    it('when there are no secrets', () => {
      expect(unsignSessionId(valid, [])).toBeUndefined();
    });
  });

  it('accepts a value just under the size limit', () => {
    const longId = 'x'.repeat(900);
    expect(unsignSessionId(signSessionId(longId, secret), [secret])).toBe(longId);
  });
});
