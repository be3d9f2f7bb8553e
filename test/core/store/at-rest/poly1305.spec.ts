import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { Poly1305 } from '../../../../lib/core/store/at-rest/poly1305.js';

/**
 * Node's ChaCha20-Poly1305 (OpenSSL) as the oracle: its tag is Poly1305 under the one-time key
 * r ‖ s made by ChaCha20's block 0, over the AEAD layout `Poly1305.update` and `tag` take.
 */
function opensslAead(key: Uint8Array, nonce: Uint8Array, associated: Uint8Array, plaintext: Uint8Array) {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  cipher.setAAD(associated, { plaintextLength: plaintext.length });
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const counterZero = Buffer.concat([Buffer.alloc(4), nonce]);
  const oneTimeKey = createCipheriv('chacha20', key, counterZero).update(Buffer.alloc(32));
  return { ciphertext, tag: cipher.getAuthTag(), r: oneTimeKey.subarray(0, 16), s: oneTimeKey.subarray(16) };
}

function ourTag(r: Uint8Array, s: Uint8Array, associated: Uint8Array, ciphertext: Uint8Array, poly = new Poly1305(r)): Buffer {
  const tag = Buffer.alloc(16);
  poly.begin(s).update(associated).update(ciphertext).tagInto(tag, 0, associated.length, ciphertext.length);
  return tag;
}

describe('Poly1305', () => {
  it('gives the tag OpenSSL gives in ChaCha20-Poly1305, for any key, data and lengths', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 300 }),
        (key, nonce, associated, plaintext) => {
          const { ciphertext, tag, r, s } = opensslAead(key, nonce, associated, plaintext);
          expect(ourTag(r, s, associated, ciphertext)).toEqual(tag);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('starts each message afresh when reused for another s', () => {
    const r = Buffer.alloc(16, 7);
    const poly = new Poly1305(r);
    const first = ourTag(r, Buffer.alloc(16, 1), Buffer.from('aad'), Buffer.from('first message'), poly);
    ourTag(r, Buffer.alloc(16, 2), Buffer.from('other'), Buffer.from('another message entirely'), poly);
    expect(ourTag(r, Buffer.alloc(16, 1), Buffer.from('aad'), Buffer.from('first message'), poly)).toEqual(first);
  });

  it('reduces and carries at the edges: limbs all ones, r at its clamp, s overflowing 2^128', () => {
    const ones = new Uint8Array(64).fill(0xff);
    for (const [r, s] of [
      [new Uint8Array(16).fill(0xff), new Uint8Array(16).fill(0xff)],
      [new Uint8Array(16), new Uint8Array(16).fill(0xff)],
      [new Uint8Array(16).fill(0xff), new Uint8Array(16)],
    ] as const) {
      // The same one-time key through OpenSSL: ChaCha20's block 0 cannot be chosen, so compare
      // against the definition in BigInt arithmetic instead.
      const expected = poly1305ByDefinition(r, s, ones, 64);
      expect(ourTag(r, s, new Uint8Array(0), ones)).toEqual(expected);
    }
  });

  it("matches RFC 8439's AEAD test vector (§2.8.2)", () => {
    const key = Buffer.from('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f', 'hex');
    const nonce = Buffer.from('070000004041424344454647', 'hex');
    const associated = Buffer.from('50515253c0c1c2c3c4c5c6c7', 'hex');
    const plaintext = Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const { ciphertext, r, s } = opensslAead(key, nonce, associated, plaintext);
    expect(ourTag(r, s, associated, ciphertext).toString('hex')).toBe('1ae10b594f09e26a7e902ecbd0600691');
  });
});

/** Poly1305 over the AEAD layout (here: no associated data, `ciphertext`) straight from RFC 8439, in BigInt. */
function poly1305ByDefinition(r: Uint8Array, s: Uint8Array, ciphertext: Uint8Array, length: number): Buffer {
  const littleEndian = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);
  const clamped = Uint8Array.from(r);
  for (const index of [3, 7, 11, 15]) clamped[index]! &= 15;
  for (const index of [4, 8, 12]) clamped[index]! &= 252;
  const p = 2n ** 130n - 5n;
  const rNumber = littleEndian(clamped);
  let h = 0n;
  const lengths = Buffer.alloc(16);
  lengths.writeUInt32LE(length, 8);
  const padded = Buffer.concat([ciphertext, Buffer.alloc((16 - (ciphertext.length % 16)) % 16), lengths]);
  for (let at = 0; at < padded.length; at += 16) h = ((h + littleEndian(padded.subarray(at, at + 16)) + 2n ** 128n) * rNumber) % p;
  const tag = (h + littleEndian(s)) % 2n ** 128n;
  return Buffer.from(tag.toString(16).padStart(32, '0'), 'hex').reverse();
}
