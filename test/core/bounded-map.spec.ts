import { setWithinBound } from '../../lib/core/bounded-map.js';

describe('setWithinBound', () => {
  it('keeps at most `max` entries, dropping the oldest, and makes a key set again the newest', () => {
    const map = new Map<string, number>();
    for (const key of ['a', 'b', 'c']) setWithinBound(map, key, 1, 3);
    setWithinBound(map, 'a', 2, 3);
    setWithinBound(map, 'd', 1, 3);
    expect([...map]).toEqual([['c', 1], ['a', 2], ['d', 1]]);
  });

  it('shrinks a map already past a lowered bound', () => {
    const map = new Map([['a', 1], ['b', 2], ['c', 3]]);
    setWithinBound(map, 'd', 4, 2);
    expect([...map.keys()]).toEqual(['c', 'd']);
  });
});
