import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { COUNTER_BLOCK_BYTES, Keystream, counterBlockAfter } from '../../../../lib/core/store/at-rest/keystream.js';

const KEY = randomBytes(32);
const MASK_KEY = randomBytes(32);

/** The keystream a fresh AES-256-CTR cipher makes from `counterBlock`: what an opener computes. */
function keystreamFrom(counterBlock: Buffer, length: number, key = KEY): Buffer {
  return createCipheriv('aes-256-ctr', key, counterBlock).update(Buffer.alloc(length));
}

const asBigInt = (bytes: Buffer) => BigInt(`0x${bytes.toString('hex')}`);

describe('counterBlockAfter', () => {
  it('adds a block count to a 128-bit big-endian counter, modulo 2^128', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.maxSafeNat(), (initial, blocks) => {
        const expected = (asBigInt(Buffer.from(initial)) + BigInt(blocks)) % 2n ** 128n;
        expect(asBigInt(counterBlockAfter(Buffer.from(initial), blocks))).toBe(expected);
      }),
    );
  });

  it('counts as OpenSSL does across a carry and past the top', () => {
    for (const initialHex of ['00000000000000000000ffffffffffff', 'ffffffffffffffffffffffffffffffff', '7fffffffffffffffffffffffffffffff']) {
      const initial = Buffer.from(initialHex, 'hex');
      const stream = keystreamFrom(initial, 4 * COUNTER_BLOCK_BYTES);
      expect(keystreamFrom(counterBlockAfter(initial, 3), COUNTER_BLOCK_BYTES)).toEqual(stream.subarray(3 * COUNTER_BLOCK_BYTES));
    }
  });
});

describe('Keystream', () => {
  it('hands out each stretch once, each the keystreams of the counter block it names', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 30 }), (lengths) => {
        const keystream = new Keystream(KEY, MASK_KEY);
        const counters = new Set<bigint>();
        const blocksUsed: Array<[bigint, bigint]> = [];
        for (const length of lengths) {
          const { counterBlock, bytes, tagMasks, offset } = keystream.take(length);
          expect(bytes.subarray(offset, offset + length)).toEqual(keystreamFrom(counterBlock, length));
          // The tag mask: the second key's block at the same counter.
          expect(tagMasks.subarray(offset, offset + COUNTER_BLOCK_BYTES)).toEqual(keystreamFrom(counterBlock, COUNTER_BLOCK_BYTES, MASK_KEY));
          const start = asBigInt(counterBlock);
          expect(counters.has(start)).toBe(false);
          counters.add(start);
          blocksUsed.push([start, start + BigInt(Math.ceil(length / COUNTER_BLOCK_BYTES))]);
        }
        // No two stretches share a block (a random start this far from 2^128 does not wrap).
        blocksUsed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        for (let index = 1; index < blocksUsed.length; index++) expect(blocksUsed[index]![0] >= blocksUsed[index - 1]![1]).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('starts from a random counter block in each keystream', () => {
    expect(new Keystream(KEY, MASK_KEY).take(1).counterBlock).not.toEqual(new Keystream(KEY, MASK_KEY).take(1).counterBlock);
  });

  it('goes on counting across refills from where it started', () => {
    const initial = Buffer.from('fffffffffffffffffffffffffffffff0', 'hex');
    const keystream = new Keystream(KEY, MASK_KEY, initial);
    const first = keystream.take(10);
    expect(first.counterBlock).toEqual(initial);
    let last = first;
    // 16 KiB a refill: 2,000 takes of 100 bytes cross twelve refills and the counter's top.
    for (let index = 0; index < 2_000; index++) last = keystream.take(100);
    expect(last.bytes.subarray(last.offset, last.offset + 100)).toEqual(keystreamFrom(last.counterBlock, 100));
    expect(asBigInt(last.counterBlock)).toBeLessThan(asBigInt(initial));
  });
});
