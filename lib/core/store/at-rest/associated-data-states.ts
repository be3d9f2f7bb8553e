import { setWithinBound } from '../../bounded-map.js';
import type { Poly1305 } from './poly1305.js';

/** Sessions whose state is remembered per key, at most (~200 bytes each). */
const MAX_REMEMBERED_STATES = 10_000;

/** The associated data of a version 2 record: what binds its sealed data to its key id and storage key. */
export function associatedDataV2(keyId: string, storageKey: string): string {
  return `nest-sessions:v2:${keyId}:${storageKey}`;
}

/** Poly1305's accumulator after one record's associated data, and that data's length in UTF-8 bytes. */
interface AssociatedDataState {
  readonly keyId: string;
  readonly limbs: readonly number[];
  readonly bytes: number;
}

/**
 * Poly1305's accumulator after a record's associated data (`associatedDataV2`), by storage key:
 * it is the same for every seal and open of one session under one key, as nothing enters the
 * MAC before it, so a session's next seal or open starts from it instead of taking in those ~4
 * blocks again (of ~6 for a small session). Looked up by the storage key, whose hash a string
 * used as a Map key already carries, not by the associated text, which would be built and
 * hashed anew each time. Bounded, the oldest dropped first; the states follow from the key's
 * `r`, kept in this process's memory as `r` is.
 */
export class AssociatedDataStates {
  readonly #states = new Map<string, AssociatedDataState>();

  constructor(private readonly poly1305: Poly1305) {}

  /**
   * Begins a message on the key's Poly1305 whose tag adds `s` (16 bytes at `sOffset`), the
   * associated data of `keyId` and `storageKey` taken in; its length in bytes.
   */
  begin(keyId: string, storageKey: string, s: Uint8Array, sOffset: number): number {
    const { poly1305 } = this;
    const known = this.#states.get(storageKey);
    if (known !== undefined && known.keyId === keyId) {
      poly1305.resume(known.limbs, s, sOffset);
      return known.bytes;
    }
    const associated = Buffer.from(associatedDataV2(keyId, storageKey), 'utf8');
    poly1305.begin(s, sOffset).update(associated);
    setWithinBound(this.#states, storageKey, { keyId, limbs: poly1305.state(), bytes: associated.length }, MAX_REMEMBERED_STATES);
    return associated.length;
  }
}
