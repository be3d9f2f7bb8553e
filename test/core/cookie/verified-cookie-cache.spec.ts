import { sign } from 'cookie-signature';
import { signSessionId, verifySessionCookieValue } from '../../../lib/core/cookie/cookie-signing.js';
import type { SessionSecret } from '../../../lib/core/cookie/cookie-signing.js';
import { readSessionCookie } from '../../../lib/core/transport/session-cookie-header.js';
import { VerifiedCookieCache } from '../../../lib/core/cookie/verified-cookie-cache.js';
import { TEST_SECRET } from '../../support/test-secret.js';

const secret = TEST_SECRET;

/** A cache whose HMAC checks are counted (the real check, not a stub). */
function countingCache(capacity?: number) {
  const checked: string[] = [];
  const cache = new VerifiedCookieCache(capacity, (cookieValue, secrets) => {
    checked.push(cookieValue);
    return verifySessionCookieValue(cookieValue, secrets);
  });
  return { cache, checked };
}

describe('VerifiedCookieCache', () => {
  it('computes one HMAC per distinct cookie value, and gives the same answer from the cache', () => {
    const { cache, checked } = countingCache();
    const cookieValue = signSessionId('abc123', secret);
    const first = cache.verify(cookieValue, [secret]);
    const second = cache.verify(cookieValue, [secret]);
    expect(first).toEqual({ sessionId: 'abc123', isSignedWithCurrentSecret: true, signedValue: cookieValue, encodedValue: undefined });
    expect(second).toEqual(first);
    expect(checked).toEqual([cookieValue]);
  });

  it('never makes a wrong signature verify: a value differing from a cached one in any way is checked with the HMAC', () => {
    const { cache, checked } = countingCache();
    const valid = signSessionId('abc123', secret);
    cache.verify(valid, [secret]);
    const lastCharacter = valid.at(-1)!;
    const forgeries = [
      valid.slice(0, -1) + (lastCharacter === 'A' ? 'B' : 'A'), // another signature
      valid + 'A', // a longer signature
      valid.slice(0, -1), // a truncated one
      valid.replace('abc123', 'abc124'), // another id, same signature
      valid.slice(2), // without `s:`
      `${valid} `,
    ];
    for (const forgery of forgeries) expect(cache.verify(forgery, [secret])).toBeUndefined();
    expect(checked).toEqual([valid, ...forgeries]);
    // A failure is never remembered: asked again, the forgery is checked again.
    expect(cache.verify(forgeries[0]!, [secret])).toBeUndefined();
    expect(checked).toHaveLength(forgeries.length + 2);
    expect(cache.size).toBe(1);
  });

  it('keeps uncached values on the timing-safe path: every value not remembered goes to the HMAC comparison', () => {
    const { cache, checked } = countingCache();
    const values = ['one', 'two', 'three'].map((id) => signSessionId(id, secret));
    for (const value of values) cache.verify(value, [secret]);
    expect(checked).toEqual(values);
    // Only a byte-identical value is a hit; the default check is cookie-signature's
    // (crypto.timingSafeEqual since 1.2), the same function as without the cache.
    expect(new VerifiedCookieCache().verify(values[0]!, [secret])).toMatchObject(verifySessionCookieValue(values[0]!, [secret])!);
  });

  describe('is keyed by the secret set', () => {
    it('a rotation that drops the signing secret makes cached values fail', () => {
      const { cache } = countingCache();
      const signedWithOld = signSessionId('abc', 'old-secret');
      expect(cache.verify(signedWithOld, ['old-secret'])?.sessionId).toBe('abc');
      expect(cache.verify(signedWithOld, ['new-secret'])).toBeUndefined();
      expect(cache.size).toBe(0);
    });

    it('reordered secrets are another set: a cached value then reports the secret that signs it now', () => {
      const { cache } = countingCache();
      const signedWithOld = signSessionId('abc', 'old-secret');
      expect(cache.verify(signedWithOld, ['old-secret', 'new-secret'])?.isSignedWithCurrentSecret).toBe(true);
      expect(cache.verify(signedWithOld, ['new-secret', 'old-secret'])).toMatchObject({
        sessionId: 'abc',
        isSignedWithCurrentSecret: false,
      });
    });

    it('notices an array changed in place, and a Buffer secret whose bytes changed', () => {
      const { cache } = countingCache();
      const secrets: SessionSecret[] = ['old-secret'];
      const cookieValue = signSessionId('abc', 'old-secret');
      expect(cache.verify(cookieValue, secrets)?.sessionId).toBe('abc');
      secrets[0] = 'new-secret';
      expect(cache.verify(cookieValue, secrets)).toBeUndefined();

      const bufferSecret = Buffer.from('buffer-secret');
      const signedWithBuffer = signSessionId('def', bufferSecret);
      expect(cache.verify(signedWithBuffer, [bufferSecret])?.sessionId).toBe('def');
      bufferSecret.write('X');
      expect(cache.verify(signedWithBuffer, [bufferSecret])).toBeUndefined();
    });

    it('equal secrets in new arrays (req.secret read per request) share the cache', () => {
      const { cache, checked } = countingCache();
      const cookieValue = signSessionId('abc', secret);
      cache.verify(cookieValue, [`${secret.slice(0, 4)}${secret.slice(4)}`]);
      cache.verify(cookieValue, [secret]);
      expect(checked).toHaveLength(1);
    });
  });

  describe('is bounded', () => {
    it('holds at most `capacity` values, dropping the oldest, which is then checked again', () => {
      const { cache, checked } = countingCache(3);
      const values = ['a', 'b', 'c', 'd', 'e'].map((id) => signSessionId(id, secret));
      for (const value of values) cache.verify(value, [secret]);
      expect(cache.size).toBe(3);
      expect(values.map((value) => cache.has(value))).toEqual([false, false, true, true, true]);
      expect(cache.verify(values[0]!, [secret])?.sessionId).toBe('a');
      expect(checked).toEqual([...values, values[0]]);
      expect(cache.size).toBe(3);
    });

    it('keeps no raw id past the cap: what it holds is the last `capacity` values only', () => {
      const cache = new VerifiedCookieCache(100);
      const values = Array.from({ length: 1_000 }, (_, index) => signSessionId(`id-${index}`, secret));
      for (const value of values) cache.verify(value, [secret]);
      expect(cache.size).toBe(100);
      expect(values.filter((value) => cache.has(value))).toEqual(values.slice(-100));
    });

    it('with capacity 0 remembers nothing and still verifies', () => {
      const { cache, checked } = countingCache(0);
      const cookieValue = signSessionId('abc', secret);
      expect(cache.verify(cookieValue, [secret])?.sessionId).toBe('abc');
      expect(cache.verify(cookieValue, [secret])?.sessionId).toBe('abc');
      expect(checked).toHaveLength(2);
      expect(cache.size).toBe(0);
    });
  });

  it('is keyed by the text as carried: a returning encoded cookie is decoded and verified once, and keeps its encoded form', () => {
    const { cache, checked } = countingCache();
    const signed = signSessionId('abc', secret);
    const decoded: string[] = [];
    const decode = (text: string) => (decoded.push(text), decodeURIComponent(text));
    const first = cache.verify(encodeURIComponent(signed), [secret], decode);
    const second = cache.verify(encodeURIComponent(signed), [secret], decode);
    expect(second).toBe(first);
    expect(first).toEqual({ sessionId: 'abc', isSignedWithCurrentSecret: true, signedValue: signed, encodedValue: encodeURIComponent(signed) });
    expect(decoded).toEqual([encodeURIComponent(signed)]);
    expect(checked).toEqual([signed]);
    // Another text of the same value is its own entry, checked with the HMAC, without an encoded form to reuse.
    expect(cache.verify(signed, [secret], decode)).toMatchObject({ sessionId: 'abc', encodedValue: undefined });
    expect(checked).toEqual([signed, signed]);
  });

  it('returns ids equal to the uncached check for ids with dots and for URL-decoded values', () => {
    const cache = new VerifiedCookieCache();
    const dotted = 's:' + sign('a.b.c', secret);
    expect(cache.verify(dotted, [secret])?.sessionId).toBe('a.b.c');
    expect(cache.verify(dotted, [secret])?.sessionId).toBe('a.b.c');
    const header = `connect.sid=${encodeURIComponent(dotted)}`;
    expect(readSessionCookie(header, 'connect.sid', [secret], cache)).toEqual({ sessionId: 'a.b.c', currentSignedValue: dotted, currentEncodedValue: encodeURIComponent(dotted) });
  });
});
