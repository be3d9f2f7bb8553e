import fc from 'fast-check';
import { cookieEndOfEntry, expiryOf, jsonOf, MAX_EXPIRES_AT, memoryEntry } from '../../../lib/stores/memory/memory-entry.js';

describe('the MemoryStore entry', () => {
  it('gives back the expiry (whole ms), the cookie end and the JSON it was made of', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: MAX_EXPIRES_AT, noNaN: true }), fc.integer({ min: 0, max: 65_535 }), fc.string({ unit: 'binary' }), (expiresAt, cookieEnd, json) => {
        const entry = memoryEntry(expiresAt, json, cookieEnd);
        expect(expiryOf(entry)).toBe(Math.floor(expiresAt));
        expect(cookieEndOfEntry(entry)).toBe(cookieEnd);
        expect(jsonOf(entry)).toBe(json);
      }),
    );
  });

  it('records an unknown cookie end (out of range) as 0', () => {
    for (const cookieEnd of [-1, 65_536, Number.NaN]) expect(cookieEndOfEntry(memoryEntry(Date.now(), '{}', cookieEnd))).toBe(0);
  });

  it('keeps expiries in order of time, including the latest it can hold', () => {
    const now = Date.now();
    expect(expiryOf(memoryEntry(MAX_EXPIRES_AT, '{}', 0))).toBe(MAX_EXPIRES_AT);
    expect(expiryOf(memoryEntry(now + 1, '{}', 0))).toBeGreaterThan(expiryOf(memoryEntry(now, '{}', 0)));
  });
});
