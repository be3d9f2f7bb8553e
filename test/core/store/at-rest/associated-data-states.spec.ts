import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { associatedDataV2, AssociatedDataStates } from '../../../../lib/core/store/at-rest/associated-data-states.js';
import { Poly1305 } from '../../../../lib/core/store/at-rest/poly1305.js';

const R = randomBytes(16);

/** The tag of the associated data of `keyId` and `storageKey` and `message`, computed from the start on a Poly1305 of its own. */
function tagFromScratch(s: Uint8Array, keyId: string, storageKey: string, message: Buffer): Buffer {
  const associated = Buffer.from(associatedDataV2(keyId, storageKey), 'utf8');
  const tag = Buffer.alloc(16);
  new Poly1305(R).begin(s).update(associated).update(message).tagInto(tag, 0, associated.length, message.length);
  return tag;
}

/** The tag `states` gives: its `begin`, then `message`. */
function tagOf(poly1305: Poly1305, states: AssociatedDataStates, keyId: string, storageKey: string, s: Uint8Array, sOffset: number, message: Buffer): Buffer {
  const tag = Buffer.alloc(16);
  const associatedBytes = states.begin(keyId, storageKey, s, sOffset);
  expect(associatedBytes).toBe(Buffer.byteLength(associatedDataV2(keyId, storageKey), 'utf8'));
  poly1305.update(message).tagInto(tag, 0, associatedBytes, message.length);
  return tag;
}

describe('AssociatedDataStates', () => {
  it('begins a message as if the associated data were taken in: the first time, every later time, and under another key id', () => {
    const poly1305 = new Poly1305(R);
    const states = new AssociatedDataStates(poly1305);
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.constantFrom('k1', 'k2', 'ключ'),
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 0, max: 16 }),
        (storageKey, keyId, bytes, sOffset) => {
          const masks = randomBytes(32);
          const message = Buffer.from(bytes);
          const expected = tagFromScratch(masks.subarray(sOffset, sOffset + 16), keyId, storageKey, message);
          for (let time = 0; time < 2; time++) expect(tagOf(poly1305, states, keyId, storageKey, masks, sOffset, message)).toEqual(expected);
        },
      ),
    );
  });

  it('stays right past its bound: the oldest sessions are dropped and taken in again when they return', () => {
    const poly1305 = new Poly1305(R);
    const states = new AssociatedDataStates(poly1305);
    const s = randomBytes(16);
    const message = Buffer.from('{"n":1}');
    const storageKeys = Array.from({ length: 10_050 }, (_, index) => `session-${index}`);
    for (const storageKey of storageKeys) tagOf(poly1305, states, 'k', storageKey, s, 0, message);
    for (const storageKey of [storageKeys[0]!, storageKeys[49]!, storageKeys[50]!, storageKeys[10_049]!]) {
      expect(tagOf(poly1305, states, 'k', storageKey, s, 0, message)).toEqual(tagFromScratch(s, 'k', storageKey, message));
    }
  });
});
