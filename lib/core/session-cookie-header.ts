import { parseCookie } from 'cookie';
import type { SessionSecret } from './cookie-signing.js';
import { unsignSessionId } from './cookie-signing.js';
import type { SessionResponse } from './http-types.js';

/**
 * The verified session id from a `Cookie` header, or `undefined` when there is no session
 * cookie or it is unsigned, tampered with or malformed (the request then gets a new session).
 */
export function readSessionIdCookie(
  cookieHeader: string | undefined,
  cookieName: string,
  secrets: readonly SessionSecret[],
): string | undefined {
  // Cheap pre-check: most requests of a cookie-less client need no parsing at all.
  if (!cookieHeader || !cookieHeader.includes(cookieName)) return undefined;
  const cookieValue = parseCookie(cookieHeader)[cookieName];
  return cookieValue ? unsignSessionId(unquote(cookieValue), secrets) : undefined;
}

/** cookie 1.x keeps the double quotes of `name="value"`; express-session's cookie 0.7 strips them. */
function unquote(cookieValue: string): string {
  return cookieValue.length > 1 && cookieValue.startsWith('"') && cookieValue.endsWith('"')
    ? cookieValue.slice(1, -1)
    : cookieValue;
}

/** Adds a `Set-Cookie` header value, keeping any other cookies the response already sets. */
export function appendSetCookie(response: SessionResponse, setCookieValue: string): void {
  const existing = response.getHeader('Set-Cookie');
  if (existing === undefined) response.setHeader('Set-Cookie', setCookieValue);
  else if (Array.isArray(existing)) response.setHeader('Set-Cookie', [...existing, setCookieValue]);
  else response.setHeader('Set-Cookie', [String(existing), setCookieValue]);
}
