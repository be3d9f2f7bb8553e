import { MAX_SESSION_ID_LENGTH } from '../cookie/cookie-signing.js';
import { pooledRandomBytes } from '../random-bytes.js';

/** Bytes of randomness in a generated session id: 192 bits, as express-session's uid-safe(24). */
export const SESSION_ID_BYTES = 24;

/** A new unguessable, URL-safe session id (32 characters of base64url). */
export function generateSessionId(): string {
  return pooledRandomBytes(SESSION_ID_BYTES).toString('base64url');
}

/** A UTF-16 surrogate without its other half: no URI encoding (so no cookie) can carry it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The longest the id may be once URI-encoded, as it goes into the cookie: browsers drop
 * cookies over 4096 bytes (name, value and attributes), which leaves room for the signature,
 * the name and the attributes.
 */
export const MAX_ENCODED_SESSION_ID_LENGTH = 3_500;

/**
 * What is wrong with an id from `genid`, or undefined. Any text is accepted, as by
 * express-session: the cookie carries it URI-encoded (`;`, `=`, spaces, U+2028…), and it is
 * decoded when read back. An id that a cookie cannot carry back (too long, or a lone
 * surrogate, which has no encoding) would give the client a cookie that is never accepted:
 * every request would silently start an orphan session.
 */
export function sessionIdProblem(sessionId: unknown): string | undefined {
  if (typeof sessionId !== 'string' || sessionId.length === 0) return 'must return a non-empty string';
  if (sessionId.length > MAX_SESSION_ID_LENGTH) {
    return `returned an id of ${sessionId.length} characters; a cookie carries at most ${MAX_SESSION_ID_LENGTH}`;
  }
  if (LONE_SURROGATE.test(sessionId)) {
    return 'returned an id with a lone UTF-16 surrogate, which no cookie can carry: return well-formed text (e.g. base64url or hex)';
  }
  const encodedLength = encodeURIComponent(sessionId).length;
  if (encodedLength > MAX_ENCODED_SESSION_ID_LENGTH) {
    return `returned an id of ${encodedLength} characters once URI-encoded for the cookie; browsers keep at most ${MAX_ENCODED_SESSION_ID_LENGTH} (use ASCII ids)`;
  }
  return undefined;
}
