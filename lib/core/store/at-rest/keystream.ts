import { createCipheriv } from 'node:crypto';
import type { Cipher } from 'node:crypto';
import { pooledRandomBytes } from '../../random-bytes.js';

export const COUNTER_BLOCK_BYTES = 16;
/** Keystream made per call of the long-lived cipher: one native call per ~100 small sessions. */
const REFILL_BYTES = 16 * 1024;
const ZEROS = Buffer.alloc(REFILL_BYTES);

/** A stretch of keystream nothing else was given: the counter block it starts at, and its bytes. */
export interface KeystreamSegment {
  readonly counterBlock: Buffer;
  /** The encryption keystream from `offset`, at least the length asked for; valid until the next `take`. */
  readonly bytes: Buffer;
  /** The second key's block at the same counter is at the same `offset` here: the record's tag mask. */
  readonly tagMasks: Buffer;
  readonly offset: number;
}

/**
 * AES-256-CTR keystreams under two keys, in step, made 16 KiB at a time by two ciphers kept for
 * the life of the process, from one random 128-bit initial counter block. Node 20 can neither
 * re-key nor re-IV a cipher, and making one per record was most of a GCM seal's time
 * (bench/PROFILE.md, "Version 2 of sealed records"); a CTR cipher's `update` goes on from where
 * it stopped, so one object per key serves every seal. Each `take` starts at a fresh block and
 * no block is handed out twice; the bytes left in a refill too short for a record are skipped,
 * never reused.
 * The first key's stream encrypts; the second's block at a record's first counter is that
 * record's Poly1305 mask (`s` = AES(k2, counter), as in Poly1305-AES).
 */
export class Keystream {
  readonly #cipher: Cipher;
  readonly #tagMaskCipher: Cipher;
  readonly #initialCounter: Buffer;
  #bytes = Buffer.alloc(0);
  #tagMasks = Buffer.alloc(0);
  /** Blocks the cipher made before `#bytes`. */
  #blocksBefore = 0;
  #nextOffset = 0;

  constructor(encryptionKey: Buffer, tagMaskKey: Buffer, initialCounter: Buffer = pooledRandomBytes(COUNTER_BLOCK_BYTES)) {
    // A copy: the pooled bytes are reused by the next draw.
    this.#initialCounter = Buffer.from(initialCounter);
    this.#cipher = createCipheriv('aes-256-ctr', encryptionKey, this.#initialCounter);
    this.#tagMaskCipher = createCipheriv('aes-256-ctr', tagMaskKey, this.#initialCounter);
  }

  /** `length` bytes of keystream (rounded up to whole blocks) and the counter block they start at. */
  take(length: number): KeystreamSegment {
    const blocks = Math.ceil(length / COUNTER_BLOCK_BYTES);
    const bytes = blocks * COUNTER_BLOCK_BYTES;
    if (this.#nextOffset + bytes > this.#bytes.length) this.#refill(bytes);
    const offset = this.#nextOffset;
    this.#nextOffset += bytes;
    const counterBlock = counterBlockAfter(this.#initialCounter, this.#blocksBefore + offset / COUNTER_BLOCK_BYTES);
    return { counterBlock, bytes: this.#bytes, tagMasks: this.#tagMasks, offset };
  }

  #refill(atLeast: number): void {
    this.#blocksBefore += this.#bytes.length / COUNTER_BLOCK_BYTES;
    const zeros = atLeast <= REFILL_BYTES ? ZEROS : Buffer.alloc(atLeast);
    this.#bytes = this.#cipher.update(zeros);
    this.#tagMasks = this.#tagMaskCipher.update(zeros);
    this.#nextOffset = 0;
  }
}

/** `initial` + `blocks` as a 128-bit big-endian number, modulo 2^128 (how OpenSSL's CTR mode counts). */
export function counterBlockAfter(initial: Buffer, blocks: number): Buffer {
  const counter = Buffer.from(initial);
  let carry = blocks;
  for (let index = COUNTER_BLOCK_BYTES - 1; index >= 0 && carry > 0; index--) {
    const sum = counter[index]! + (carry % 256);
    counter[index] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum > 0xff ? 1 : 0);
  }
  return counter;
}
