/**
 * Poly1305 (RFC 8439 §2.5) in JavaScript: a MAC that needs no call into OpenSSL, so sealing a
 * record makes none (bench/PROFILE.md, "Version 2 of sealed records"). The accumulator and `r`
 * are ten 13-bit limbs held in doubles: a product of two limbs (one times 5) stays below 2^30
 * and a sum of ten below 2^34, exact far below 2^53, so no step rounds.
 *
 * `update` takes the message as RFC 8439's AEAD construction lays it out (§2.8): each piece
 * padded with zeros to whole 16-byte blocks, every block with 2^128 added. `tagInto` adds the
 * block of the two lengths and `s`. One instance per `r`, reused message after message (`begin`):
 * its state is a few small arrays made once.
 */
const LIMBS = 10;
const LIMB_BITS = 13;
const LIMB = 1 << LIMB_BITS;
const LIMB_MASK = LIMB - 1;
/** 2^128 in the top limb (bits 117..129). */
const HIGH_BIT = 1 << (128 - 9 * LIMB_BITS);
const BLOCK_BYTES = 16;

export class Poly1305 {
  readonly #r = new Float64Array(LIMBS);
  /** `r` times 5: 2^130 ≡ 5 (mod 2^130 − 5), so a product past the top limb folds back times 5. */
  readonly #r5 = new Float64Array(LIMBS);
  readonly #s = new Uint8Array(BLOCK_BYTES);
  readonly #h = new Float64Array(LIMBS);
  readonly #block = new Uint8Array(BLOCK_BYTES);

  /** `r`: 16 bytes, little-endian, clamped here as §2.5.1 says. */
  constructor(r: Uint8Array) {
    const clamped = Uint8Array.from(r.subarray(0, BLOCK_BYTES));
    for (const index of [3, 7, 11, 15]) clamped[index]! &= 15;
    for (const index of [4, 8, 12]) clamped[index]! &= 252;
    limbsOf(clamped, 0, this.#r);
    for (let index = 0; index < LIMBS; index++) this.#r5[index] = this.#r[index]! * 5;
  }

  /** Starts a message whose tag adds `s` (the 16 bytes at `sOffset`, little-endian). */
  begin(s: Uint8Array, sOffset = 0): this {
    this.#h.fill(0);
    const own = this.#s;
    for (let index = 0; index < BLOCK_BYTES; index++) own[index] = s[sOffset + index]!;
    return this;
  }

  /** The accumulator as it stands, to take a message up again from here (`resume`). */
  state(): number[] {
    return Array.from(this.#h);
  }

  /** Starts a message whose first pieces left the accumulator at `state` (from `state()`), its tag adding `s`. */
  resume(state: readonly number[], s: Uint8Array, sOffset = 0): this {
    this.begin(s, sOffset);
    const h = this.#h;
    for (let index = 0; index < LIMBS; index++) h[index] = state[index]!;
    return this;
  }

  /** Adds `bytes[start, end)` as whole blocks, the last one padded with zeros. */
  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    const wholeBlocks = Math.floor((end - start) / BLOCK_BYTES);
    this.#addBlocks(bytes, start, wholeBlocks);
    const rest = start + wholeBlocks * BLOCK_BYTES;
    if (rest < end) {
      const block = this.#block;
      for (let index = 0; index < BLOCK_BYTES; index++) block[index] = rest + index < end ? bytes[rest + index]! : 0;
      this.#addBlocks(block, 0, 1);
    }
    return this;
  }

  /** Writes the 16-byte tag at `out[at]`, after the block of the lengths (each 64-bit little-endian). */
  tagInto(out: Uint8Array, at: number, associatedBytes: number, ciphertextBytes: number): void {
    const block = this.#block;
    block.fill(0);
    writeLength(block, 0, associatedBytes);
    writeLength(block, 8, ciphertextBytes);
    this.#addBlocks(block, 0, 1);
    this.#finishInto(out, at);
  }

  /** h = (h + block + 2^128) · r  mod 2^130 − 5 for `count` blocks from `at`; the limbs end below 2^13 (h1 a little above). */
  #addBlocks(bytes: Uint8Array, at: number, count: number): void {
    // Written out limb by limb on locals: the same steps as loops over typed arrays cost
    // ~29,000 more instructions per request in the app (bench/PROFILE.md, "Version 2").
    const r = this.#r;
    const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!, r4 = r[4]!, r5 = r[5]!, r6 = r[6]!, r7 = r[7]!, r8 = r[8]!, r9 = r[9]!;
    // s_j = 5 · r_j: a product past the top limb folds back times 5 (2^130 ≡ 5).
    const s = this.#r5;
    const s1 = s[1]!, s2 = s[2]!, s3 = s[3]!, s4 = s[4]!, s5 = s[5]!, s6 = s[6]!, s7 = s[7]!, s8 = s[8]!, s9 = s[9]!;
    const h = this.#h;
    let h0 = h[0]!, h1 = h[1]!, h2 = h[2]!, h3 = h[3]!, h4 = h[4]!, h5 = h[5]!, h6 = h[6]!, h7 = h[7]!, h8 = h[8]!, h9 = h[9]!;
    for (let block = 0; block < count; block++, at += BLOCK_BYTES) {
      // The block's 16 bytes as eight 16-bit words, then as ten 13-bit limbs, 2^128 added.
      const t0 = bytes[at]! | (bytes[at + 1]! << 8);
      const t1 = bytes[at + 2]! | (bytes[at + 3]! << 8);
      const t2 = bytes[at + 4]! | (bytes[at + 5]! << 8);
      const t3 = bytes[at + 6]! | (bytes[at + 7]! << 8);
      const t4 = bytes[at + 8]! | (bytes[at + 9]! << 8);
      const t5 = bytes[at + 10]! | (bytes[at + 11]! << 8);
      const t6 = bytes[at + 12]! | (bytes[at + 13]! << 8);
      const t7 = bytes[at + 14]! | (bytes[at + 15]! << 8);
      h0 += t0 & LIMB_MASK;
      h1 += ((t0 >>> 13) | (t1 << 3)) & LIMB_MASK;
      h2 += ((t1 >>> 10) | (t2 << 6)) & LIMB_MASK;
      h3 += ((t2 >>> 7) | (t3 << 9)) & LIMB_MASK;
      h4 += ((t3 >>> 4) | (t4 << 12)) & LIMB_MASK;
      h5 += (t4 >>> 1) & LIMB_MASK;
      h6 += ((t4 >>> 14) | (t5 << 2)) & LIMB_MASK;
      h7 += ((t5 >>> 11) | (t6 << 5)) & LIMB_MASK;
      h8 += ((t6 >>> 8) | (t7 << 8)) & LIMB_MASK;
      h9 += (t7 >>> 5) | HIGH_BIT;
      const d0 = h0 * r0 + h1 * s9 + h2 * s8 + h3 * s7 + h4 * s6 + h5 * s5 + h6 * s4 + h7 * s3 + h8 * s2 + h9 * s1;
      const d1 = h0 * r1 + h1 * r0 + h2 * s9 + h3 * s8 + h4 * s7 + h5 * s6 + h6 * s5 + h7 * s4 + h8 * s3 + h9 * s2;
      const d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s9 + h4 * s8 + h5 * s7 + h6 * s6 + h7 * s5 + h8 * s4 + h9 * s3;
      const d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s9 + h5 * s8 + h6 * s7 + h7 * s6 + h8 * s5 + h9 * s4;
      const d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * s9 + h6 * s8 + h7 * s7 + h8 * s6 + h9 * s5;
      const d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0 + h6 * s9 + h7 * s8 + h8 * s7 + h9 * s6;
      const d6 = h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2 + h5 * r1 + h6 * r0 + h7 * s9 + h8 * s8 + h9 * s7;
      const d7 = h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3 + h5 * r2 + h6 * r1 + h7 * r0 + h8 * s9 + h9 * s8;
      const d8 = h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4 + h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * s9;
      const d9 = h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5 + h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
      // Each d below 2^35: the quotient fits 32 bits, and the low 13 bits survive ToInt32.
      let carry = (d0 / LIMB) | 0;
      h0 = d0 & LIMB_MASK;
      const e1 = d1 + carry;
      carry = (e1 / LIMB) | 0;
      h1 = e1 & LIMB_MASK;
      const e2 = d2 + carry;
      carry = (e2 / LIMB) | 0;
      h2 = e2 & LIMB_MASK;
      const e3 = d3 + carry;
      carry = (e3 / LIMB) | 0;
      h3 = e3 & LIMB_MASK;
      const e4 = d4 + carry;
      carry = (e4 / LIMB) | 0;
      h4 = e4 & LIMB_MASK;
      const e5 = d5 + carry;
      carry = (e5 / LIMB) | 0;
      h5 = e5 & LIMB_MASK;
      const e6 = d6 + carry;
      carry = (e6 / LIMB) | 0;
      h6 = e6 & LIMB_MASK;
      const e7 = d7 + carry;
      carry = (e7 / LIMB) | 0;
      h7 = e7 & LIMB_MASK;
      const e8 = d8 + carry;
      carry = (e8 / LIMB) | 0;
      h8 = e8 & LIMB_MASK;
      const e9 = d9 + carry;
      carry = (e9 / LIMB) | 0;
      h9 = e9 & LIMB_MASK;
      h0 += carry * 5;
      carry = h0 >>> LIMB_BITS;
      h0 &= LIMB_MASK;
      h1 += carry;
    }
    h[0] = h0;
    h[1] = h1;
    h[2] = h2;
    h[3] = h3;
    h[4] = h4;
    h[5] = h5;
    h[6] = h6;
    h[7] = h7;
    h[8] = h8;
    h[9] = h9;
  }

  /** (h mod 2^130 − 5) + s, modulo 2^128, as 16 little-endian bytes at `out[at]`. */
  #finishInto(out: Uint8Array, at: number): void {
    // Written out on locals, as `#addBlocks` is: the loops over typed arrays cost 2,113 instructions a seal, this 565 (bench/PROFILE.md).
    const h = this.#h;
    let h0 = h[0]!, h1 = h[1]!, h2 = h[2]!, h3 = h[3]!, h4 = h[4]!, h5 = h[5]!, h6 = h[6]!, h7 = h[7]!, h8 = h[8]!, h9 = h[9]!;
    // Carried twice around the top: every limb below 2^13, so h < 2^130 (the limbs enter below 2^14).
    for (let pass = 0; pass < 2; pass++) {
      h1 += h0 >>> LIMB_BITS;
      h0 &= LIMB_MASK;
      h2 += h1 >>> LIMB_BITS;
      h1 &= LIMB_MASK;
      h3 += h2 >>> LIMB_BITS;
      h2 &= LIMB_MASK;
      h4 += h3 >>> LIMB_BITS;
      h3 &= LIMB_MASK;
      h5 += h4 >>> LIMB_BITS;
      h4 &= LIMB_MASK;
      h6 += h5 >>> LIMB_BITS;
      h5 &= LIMB_MASK;
      h7 += h6 >>> LIMB_BITS;
      h6 &= LIMB_MASK;
      h8 += h7 >>> LIMB_BITS;
      h7 &= LIMB_MASK;
      h9 += h8 >>> LIMB_BITS;
      h8 &= LIMB_MASK;
      h0 += (h9 >>> LIMB_BITS) * 5;
      h9 &= LIMB_MASK;
    }
    // h ≥ p exactly when h + 5 reaches 2^130: then h − p is h + 5 without that bit.
    let g = h0 + 5;
    const g0 = g & LIMB_MASK;
    g = h1 + (g >>> LIMB_BITS);
    const g1 = g & LIMB_MASK;
    g = h2 + (g >>> LIMB_BITS);
    const g2 = g & LIMB_MASK;
    g = h3 + (g >>> LIMB_BITS);
    const g3 = g & LIMB_MASK;
    g = h4 + (g >>> LIMB_BITS);
    const g4 = g & LIMB_MASK;
    g = h5 + (g >>> LIMB_BITS);
    const g5 = g & LIMB_MASK;
    g = h6 + (g >>> LIMB_BITS);
    const g6 = g & LIMB_MASK;
    g = h7 + (g >>> LIMB_BITS);
    const g7 = g & LIMB_MASK;
    g = h8 + (g >>> LIMB_BITS);
    const g8 = g & LIMB_MASK;
    g = h9 + (g >>> LIMB_BITS);
    const g9 = g & LIMB_MASK;
    if (g >>> LIMB_BITS === 1) {
      [h0, h1, h2, h3, h4, h5, h6, h7, h8, h9] = [g0, g1, g2, g3, g4, g5, g6, g7, g8, g9];
    }
    // The limbs' 128 low bits as four 32-bit words (shifts past bit 31 drop out), s added with its carry.
    const s = this.#s;
    let sum = ((h0 | (h1 << 13) | (h2 << 26)) >>> 0) + wordAt(s, 0);
    writeWord(out, at, sum);
    sum = (((h2 >>> 6) | (h3 << 7) | (h4 << 20)) >>> 0) + wordAt(s, 4) + (sum > 0xffffffff ? 1 : 0);
    writeWord(out, at + 4, sum);
    sum = (((h4 >>> 12) | (h5 << 1) | (h6 << 14) | (h7 << 27)) >>> 0) + wordAt(s, 8) + (sum > 0xffffffff ? 1 : 0);
    writeWord(out, at + 8, sum);
    sum = (((h7 >>> 5) | (h8 << 8) | (h9 << 21)) >>> 0) + wordAt(s, 12) + (sum > 0xffffffff ? 1 : 0);
    writeWord(out, at + 12, sum);
  }
}

/** The 32-bit little-endian word at `bytes[at]`. */
function wordAt(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** The low 32 bits of `word` as 4 little-endian bytes at `out[at]`. */
function writeWord(out: Uint8Array, at: number, word: number): void {
  out[at] = word & 0xff;
  out[at + 1] = (word >>> 8) & 0xff;
  out[at + 2] = (word >>> 16) & 0xff;
  out[at + 3] = (word >>> 24) & 0xff;
}

/** The 16 bytes at `at` as a little-endian number in ten 13-bit limbs. */
function limbsOf(bytes: Uint8Array, at: number, limbs: Float64Array): void {
  let bits = 0;
  let pending = 0;
  let limb = 0;
  for (let index = at; index < at + BLOCK_BYTES; index++) {
    pending |= bytes[index]! << bits;
    bits += 8;
    if (bits >= LIMB_BITS) {
      limbs[limb++] = pending & LIMB_MASK;
      pending >>>= LIMB_BITS;
      bits -= LIMB_BITS;
    }
  }
  // 128 = 9 · 13 + 11: the top limb holds the last 11 bits.
  limbs[limb] = pending;
}

function writeLength(block: Uint8Array, at: number, length: number): void {
  // The low 32 bits by shifts (bitwise operators take a number modulo 2^32), the rest by division.
  block[at] = length & 0xff;
  block[at + 1] = (length >>> 8) & 0xff;
  block[at + 2] = (length >>> 16) & 0xff;
  block[at + 3] = (length >>> 24) & 0xff;
  let high = Math.floor(length / 2 ** 32);
  for (let index = at + 4; index < at + 8; index++, high = Math.floor(high / 256)) block[index] = high % 256;
}
