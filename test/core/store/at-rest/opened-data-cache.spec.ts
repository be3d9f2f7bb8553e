import fc from 'fast-check';
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

  it('agrees with a model under any sequence of calls: what it answers, and never more held than its size', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd');
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('remember' as const), key, sealed: fc.string({ maxLength: 12 }), text: fc.string({ maxLength: 12 }) }),
      fc.record({ kind: fc.constant('forget' as const), key }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.array(operation, { maxLength: 40 }), (maxSize, operations) => {
        const cache = new OpenedDataCache(maxSize);
        // The model: entries in the order remembered, the oldest dropped first while over the size.
        let model: Array<{ key: string; sealed: string; text: string; size: number }> = [];
        const held = () => model.reduce((sum, entry) => sum + entry.size, 0);
        for (const step of operations) {
          if (step.kind === 'clear') {
            cache.clear();
            model = [];
            continue;
          }
          model = model.filter((entry) => entry.key !== step.key);
          if (step.kind === 'forget') {
            cache.forget(step.key);
            continue;
          }
          cache.remember(step.key, step.sealed, step.text, 'k');
          const size = step.key.length + step.sealed.length + step.text.length;
          if (size <= maxSize) model.push({ key: step.key, sealed: step.sealed, text: step.text, size });
          while (held() > maxSize) model.shift();
          expect(cache.heldSize).toBe(held());
          expect(cache.heldSize).toBeLessThanOrEqual(maxSize);
          for (const entry of model) expect(cache.known(entry.key, entry.sealed)?.text).toBe(entry.text);
        }
      }),
    );
  });
});
