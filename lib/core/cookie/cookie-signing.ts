import { sign, unsign } from 'cookie-signature';

/**
 * Session-id cookie signing in express-session's format: `s:` + cookie-signature's
 * `<value>.<base64 HMAC-SHA256 without padding>`. Cookies therefore move between
 * express-session and nest-sessions in both directions when the secrets match.
 */

const SIGNED_PREFIX = 's:';

/**
 * A signed value cannot be longer than this: a real one is about 80 characters. Longer input
 * is rejected before any HMAC is computed, so oversized cookies cost nothing.
 */
const MAX_SIGNED_VALUE_LENGTH = 1024;

/** Length of cookie-signature's signature: a SHA-256 HMAC in base64 without padding. */
const SIGNATURE_LENGTH = 43;

/**
 * The longest session id a cookie can carry and have accepted back: `s:` + id + `.` +
 * signature must fit in `MAX_SIGNED_VALUE_LENGTH`.
 */
export const MAX_SESSION_ID_LENGTH = MAX_SIGNED_VALUE_LENGTH - SIGNED_PREFIX.length - 1 - SIGNATURE_LENGTH;

/** A signing secret, as cookie-signature takes it. */
export type SessionSecret = string | Buffer;

/** `s:<sessionId>.<signature>`, signed with the first (current) secret. */
export function signSessionId(sessionId: string, secret: SessionSecret): string {
  return SIGNED_PREFIX + sign(sessionId, secret);
}

/**
 * The session id inside a cookie value, or `undefined` when the value is unsigned, malformed
 * or signed with none of the secrets. Every secret is tried so that secrets can be rotated:
 * new cookies are signed with the first, cookies signed with an older one still verify.
 * cookie-signature >= 1.2 compares with `crypto.timingSafeEqual`.
 */
export function unsignSessionId(
  cookieValue: string,
  secrets: readonly SessionSecret[],
): string | undefined {
  return verifySessionCookieValue(cookieValue, secrets)?.sessionId;
}

/** A cookie value that verified, and whether the current secret signed it. */
export interface VerifiedCookieValue {
  sessionId: string;
  /**
   * Signed with the first secret: the value is then exactly what `signSessionId` would give
   * for this id, and can be sent back without computing the HMAC again.
   */
  isSignedWithCurrentSecret: boolean;
}

/** `unsignSessionId`, also telling which secret signed the value. */
export function verifySessionCookieValue(
  cookieValue: string,
  secrets: readonly SessionSecret[],
): VerifiedCookieValue | undefined {
  if (!cookieValue.startsWith(SIGNED_PREFIX) || cookieValue.length > MAX_SIGNED_VALUE_LENGTH) {
    return undefined;
  }
  const signedValue = cookieValue.slice(SIGNED_PREFIX.length);
  for (let index = 0; index < secrets.length; index++) {
    const sessionId = unsign(signedValue, secrets[index]!);
    if (sessionId !== false && sessionId !== '') return { sessionId, isSignedWithCurrentSecret: index === 0 };
  }
  return undefined;
}
