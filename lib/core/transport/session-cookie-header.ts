import type { SessionSecret } from '../cookie/cookie-signing.js';
import { verifySessionCookieValue } from '../cookie/cookie-signing.js';
import { cookieHeaderValue } from '../cookie/cookie-header-value.js';
import type { SessionResponse } from '../http/http-types.js';
import type { VerifiedCookieCache } from '../cookie/verified-cookie-cache.js';
import type { ReceivedSessionId } from './session-id-transport.js';

/**
 * The verified session cookie from a `Cookie` header, or `undefined` when there is none or it
 * is unsigned, tampered with or malformed (the request then gets a new session). With
 * `verifiedCookies`, a value that verified before is not checked with the HMAC again.
 */
export function readSessionCookie(
  cookieHeader: string | undefined,
  cookieName: string,
  secrets: readonly SessionSecret[],
  verifiedCookies?: VerifiedCookieCache,
): ReceivedSessionId | undefined {
  // Cheap pre-check: most requests of a cookie-less client need no parsing at all.
  if (!cookieHeader || !cookieHeader.includes(cookieName)) return undefined;
  // Only our cookie is looked at: the others (analytics, preferences...) are not parsed.
  const rawValue = cookieHeaderValue(cookieHeader, cookieName);
  if (!rawValue) return undefined;
  if (!verifiedCookies) {
    const cookieValue = decodedCookieValue(rawValue);
    const verified = verifySessionCookieValue(cookieValue, secrets);
    if (!verified) return undefined;
    return { sessionId: verified.sessionId, currentSignedValue: verified.isSignedWithCurrentSecret ? cookieValue : undefined, currentEncodedValue: undefined };
  }
  const verified = verifiedCookies.verify(rawValue, secrets, decodedCookieValue);
  if (!verified) return undefined;
  return verified.isSignedWithCurrentSecret
    ? { sessionId: verified.sessionId, currentSignedValue: verified.signedValue, currentEncodedValue: verified.encodedValue }
    : { sessionId: verified.sessionId, currentSignedValue: undefined, currentEncodedValue: undefined };
}

/** The signed value a cookie's text carries: URL-decoded, unquoted. */
function decodedCookieValue(rawValue: string): string {
  return unquote(decodeCookieValue(rawValue));
}

/** cookie's own decoder: percent-decoding when there is a `%`, the raw value if it is malformed. */
export function decodeCookieValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** cookie 1.x keeps the double quotes of `name="value"`; express-session's cookie 0.7 strips them. */
function unquote(cookieValue: string): string {
  return cookieValue.length > 1 && cookieValue.startsWith('"') && cookieValue.endsWith('"')
    ? cookieValue.slice(1, -1)
    : cookieValue;
}

/** Adds a `Set-Cookie` header value, keeping any other cookies the response already sets. */
export function appendSetCookie(response: SessionResponse, setCookieValue: string): void {
  if (response.appendSetCookie !== undefined) return response.appendSetCookie(setCookieValue);
  response.setHeader('Set-Cookie', withSetCookie(response.getHeader('Set-Cookie'), setCookieValue));
}

/** The `Set-Cookie` header's values (`existing`, as `getHeader` gives them) with `setCookieValue` after them. */
export function withSetCookie(existing: number | string | string[] | undefined, setCookieValue: string): string | string[] {
  if (existing === undefined) return setCookieValue;
  return Array.isArray(existing) ? [...existing, setCookieValue] : [String(existing), setCookieValue];
}
