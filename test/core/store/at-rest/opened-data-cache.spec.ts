import { OpenedDataCache } from '../../../../lib/core/store/at-rest/opened-data-cache.js';

describe('OpenedDataCache', () => {
  it('gives the JSON back only for the very sealed value remembered under that storage key', () => {
    const cache = new OpenedDataCache(1_000);
    cache.remember('key-a', 'v1.k.iv1.sealed1', '{"n":1}', 'k');
    expect(cache.known('key-a', 'v1.k.iv1.sealed1')).toMatchObject({ text: '{"n":1}', keyId: 'k' });
    expect(cache.known('key-a', 'v1.k.iv2.sealed2')).toBeUndefined();
    expect(cache.known('key-b', 'v1.k.iv1.sealed1')).toBeUndefined();
    cache.remember('key-a', 'v1.k.iv2.sealed2', '{"n":2}', 'k');
    expect(cache.known('key-a', 'v1.k.iv1.sealed1')).toBeUndefined();
    expect(cache.known('key-a', 'v1.k.iv2.sealed2')?.text).toBe('{"n":2}');
  });

  it('holds at most its size in characters, the oldest going first; an entry over the size is not kept', () => {
    const entrySize = 'key-0'.length + 'sealed-0'.length + 'text-0'.length;
    const cache = new OpenedDataCache(entrySize * 3);
    for (let index = 0; index < 5; index++) cache.remember(`key-${index}`, `sealed-${index}`, `text-${index}`, 'k');
    expect(cache.heldSize).toBe(entrySize * 3);
    expect([0, 1, 2, 3, 4].map((index) => cache.known(`key-${index}`, `sealed-${index}`)?.text)).toEqual([undefined, undefined, 'text-2', 'text-3', 'text-4']);
    cache.remember('key-3', 'x'.repeat(entrySize * 3), 'text', 'k');
    expect(cache.known('key-3', 'sealed-3')).toBeUndefined();
    expect(cache.heldSize).toBe(entrySize * 2);
  });

  it('keeps nothing with size 0; forgets one key, or all', () => {
    const none = new OpenedDataCache(0);
    none.remember('key-a', 'sealed', 'text', 'k');
    expect(none.known('key-a', 'sealed')).toBeUndefined();
    expect(none.heldSize).toBe(0);
    const cache = new OpenedDataCache(1_000);
    cache.remember('key-a', 'sealed-a', 'text', 'k');
    cache.remember('key-b', 'sealed-b', 'text', 'k');
    cache.forget('key-a');
    expect(cache.known('key-a', 'sealed-a')).toBeUndefined();
    expect(cache.known('key-b', 'sealed-b')).toBeDefined();
    cache.clear();
    expect(cache.known('key-b', 'sealed-b')).toBeUndefined();
    expect(cache.heldSize).toBe(0);
  });
});
