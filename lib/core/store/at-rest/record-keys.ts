import { hkdfSync } from 'node:crypto';
import { AssociatedDataStates } from './associated-data-states.js';
import { Keystream } from './keystream.js';
import { Poly1305 } from './poly1305.js';

/** The keys a sealed record (version 2) takes, derived from one configured key. */
export interface RecordKeys {
  /** AES-256-CTR's key for the data. */
  readonly encryptionKey: Buffer;
  /** AES-256's key for each record's Poly1305 mask, `s` = AES(tagMaskKey, counter block). */
  readonly tagMaskKey: Buffer;
  /** Poly1305 with this key's `r`; one at a time (sealing and opening are synchronous). */
  readonly poly1305: Poly1305;
  /** That Poly1305 begun after a record's associated data, its state remembered per storage key. */
  readonly associatedData: AssociatedDataStates;
  /** The keystreams this process seals with, made on the first seal. */
  keystream(): Keystream;
}

/** HKDF's `info`: names what the derived bytes are for, so they serve nothing else. */
const DERIVATION_INFO = 'nest-sessions sealed record v2: aes-256-ctr key, aes-256 tag mask key, poly1305 r';
const derivedByKey = new WeakMap<Buffer, RecordKeys>();

/**
 * The keys of a configured key: HKDF-SHA256 (RFC 5869, no salt) of it into 80 bytes, the first
 * 32 for AES-256-CTR, the next 32 for the tag masks, the last 16 Poly1305's `r`. No key serves
 * two purposes. Derived once per key (a ring's keys live as long as the module).
 */
export function recordKeysOf(key: Buffer): RecordKeys {
  let keys = derivedByKey.get(key);
  if (keys === undefined) {
    const derived = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), DERIVATION_INFO, 80));
    const encryptionKey = derived.subarray(0, 32);
    const tagMaskKey = derived.subarray(32, 64);
    let keystream: Keystream | undefined;
    const poly1305 = new Poly1305(derived.subarray(64));
    keys = {
      encryptionKey,
      tagMaskKey,
      poly1305,
      associatedData: new AssociatedDataStates(poly1305),
      keystream: () => (keystream ??= new Keystream(encryptionKey, tagMaskKey)),
    };
    derivedByKey.set(key, keys);
  }
  return keys;
}
