import { pooledRandomBytes } from '../../lib/core/random-bytes.js';

// Session ids and the IVs of sealed records come from this pool: a byte handed out twice
// would repeat an IV under the same key (which breaks AES-GCM) or an id.
describe('pooledRandomBytes', () => {
  it('hands out the length asked for, and never the same bytes twice across many refills of the pool', () => {
    const seen = new Set<string>();
    for (let draw = 0; draw < 10_000; draw++) {
      const bytes = pooledRandomBytes(12);
      expect(bytes).toHaveLength(12);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(10_000);
  });

  it('a draw that does not fit in what is left of the pool comes whole from a refill', () => {
    pooledRandomBytes(4000);
    const straddling = pooledRandomBytes(200);
    expect(straddling).toHaveLength(200);
    expect(straddling.equals(Buffer.alloc(200))).toBe(false);
  });

  it('the bytes look random: each of the 256 values turns up in 64 KB of draws', () => {
    const counts = new Array<number>(256).fill(0);
    for (let draw = 0; draw < 2048; draw++) for (const byte of pooledRandomBytes(32)) counts[byte]! += 1;
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });
});
