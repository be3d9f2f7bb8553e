/**
 * `text.startsWith(search, position)`, by slicing and comparing. V8 up to 11 (Node.js 20)
 * runs `startsWith` one character at a time in generic code, some 50 instructions a
 * character (~1,800 for a cookie's 37-character prefix), and `indexOf` goes through the
 * runtime (~600); a slice and `===` take ~100 (bench/PROFILE.md has the counts).
 */
export function hasTextAt(text: string, search: string, position: number): boolean {
  return text.slice(position, position + search.length) === search;
}
