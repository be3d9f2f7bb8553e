import { randomBytes } from 'node:crypto';
import { MAX_SESSION_ID_LENGTH } from './cookie-signing.js';

/** Bytes of randomness in a generated session id: 192 bits, as express-session's uid-safe(24). */
export const SESSION_ID_BYTES = 24;

/** A new unguessable, URL-safe session id (32 characters of base64url). */
export function generateSessionId(): string {
  return randomBytes(SESSION_ID_BYTES).toString('base64url');
}

/** RFC 6265 cookie-octets: printable ASCII without space, `"`, `,`, `;` and `\`. */
const COOKIE_SAFE_ID = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/;

/**
 * What is wrong with an id from `genid`, or undefined. An id that a cookie cannot carry back
 * (too long, or characters outside the cookie-safe set) would give the client a cookie that
 * is never accepted: every request would silently start an orphan session.
 */
export function sessionIdProblem(sessionId: unknown): string | undefined {
  if (typeof sessionId !== 'string' || sessionId.length === 0) return 'must return a non-empty string';
  if (sessionId.length > MAX_SESSION_ID_LENGTH) {
    return `returned an id of ${sessionId.length} characters; a cookie carries at most ${MAX_SESSION_ID_LENGTH}`;
  }
  if (!COOKIE_SAFE_ID.test(sessionId)) {
    return 'returned an id with characters a cookie cannot carry: use printable ASCII without spaces, quotes, commas, semicolons or backslashes (e.g. base64url or hex)';
  }
  return undefined;
}
