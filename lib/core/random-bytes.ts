import { randomFillSync } from 'node:crypto';

/** Bytes drawn from the CSPRNG at once: one call per 4 KB instead of one per id or IV. */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let nextOffset = POOL_BYTES;

/**
 * `length` (≤ 4096) bytes from `crypto.randomFillSync`, drawn in 4 KB batches as
 * `crypto.randomUUID` does: a synchronous `randomBytes` call costs more than the bytes. Each
 * byte is handed out once. The view is valid until the next call refills the pool: use it
 * (encode it, pass it to a cipher) before calling again.
 */
export function pooledRandomBytes(length: number): Buffer {
  if (nextOffset + length > POOL_BYTES) {
    randomFillSync(pool);
    nextOffset = 0;
  }
  const bytes = pool.subarray(nextOffset, nextOffset + length);
  nextOffset += length;
  return bytes;
}
