import fc from 'fast-check';
import { hasTextAt } from '../../lib/core/text-at.js';

describe('hasTextAt', () => {
  it('answers as startsWith for any text, search and position within the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary', maxLength: 8 }), fc.nat(), (text, search, at) => {
        const position = at % (text.length + 1);
        expect(hasTextAt(text, search, position)).toBe(text.startsWith(search, position));
        // A search taken from the text itself is found where it was taken.
        const taken = text.slice(position, position + search.length);
        expect(hasTextAt(text, taken, position)).toBe(true);
      }),
    );
  });

  it('does not find a search that runs past the end of the text', () => {
    expect(hasTextAt('{"cookie":{', '{"cookie":{}', 0)).toBe(false);
    expect(hasTextAt('abc', 'cd', 2)).toBe(false);
    expect(hasTextAt('abc', '', 3)).toBe(true);
  });
});
