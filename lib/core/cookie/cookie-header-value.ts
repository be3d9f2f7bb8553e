import { hasTextAt } from '../text-at.js';

/**
 * The raw (still encoded) value of the first cookie named `name` in a `Cookie` header, found
 * as `cookie`'s `parseCookie` finds it (pairs split on `;`, pairs without `=` skipped, name
 * and value trimmed of spaces and tabs, the first pair of a name wins) without building the
 * object of every cookie the request carries. Undefined when there is no such cookie.
 */
export function cookieHeaderValue(header: string, name: string): string | undefined {
  const length = header.length;
  let pairStart = 0;
  while (pairStart < length) {
    const semicolon = header.indexOf(';', pairStart);
    const pairEnd = semicolon === -1 ? length : semicolon;
    const equals = header.indexOf('=', pairStart);
    if (equals === -1) return undefined;
    if (equals < pairEnd) {
      const nameStart = skipBlanks(header, pairStart, equals);
      const nameEnd = trimBlanks(header, nameStart, equals);
      if (nameEnd - nameStart === name.length && hasTextAt(header, name, nameStart)) {
        const valueStart = skipBlanks(header, equals + 1, pairEnd);
        return header.slice(valueStart, trimBlanks(header, valueStart, pairEnd));
      }
    }
    pairStart = pairEnd + 1;
  }
  return undefined;
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** The first index in [start, end) that is not a space or tab (end if none). */
function skipBlanks(text: string, start: number, end: number): number {
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  return start;
}

/** The end of [start, end) without its trailing spaces and tabs. */
function trimBlanks(text: string, start: number, end: number): number {
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  return end;
}
