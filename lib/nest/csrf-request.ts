// What the CSRF guard reads of a request and writes to its response, on Express and Fastify.
import type { SessionRequest, SessionResponse } from '../core/http/http-types.js';
import { isSecureRequest } from '../core/http/request-security.js';
import type { ResolvedCsrfOptions } from '../core/csrf/csrf-options.js';
import type { ResolvedSessionOptions } from '../core/options/resolve-options.js';
import { setCookieText } from '../core/cookie/set-cookie-text.js';
import { toSameSite } from '../core/cookie/cookie-attributes.js';
import { appendSetCookie } from '../core/transport/session-cookie-header.js';

/**
 * The token a request carries: the first of the configured headers present, else the body
 * field (a parsed urlencoded or JSON body, on either platform). Whatever the client sent:
 * the check refuses what is not a token.
 */
export function csrfTokenOf(request: SessionRequest, options: ResolvedCsrfOptions): unknown {
  for (const header of options.headers) {
    const value = request.headers[header];
    if (value !== undefined) return value;
  }
  const body = (request as { body?: unknown }).body;
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, options.field)) return undefined;
  return (body as Record<string, unknown>)[options.field];
}

/** The methods as Node's parser writes them: already upper-case, no copy needed. */
const UPPER_CASE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** The request's method, upper-case (`''` when the platform gives none). */
export function methodOf(request: SessionRequest): string {
  const method = (request as { method?: unknown }).method;
  if (typeof method !== 'string') return '';
  return UPPER_CASE_METHODS.has(method) ? method : method.toUpperCase();
}

/** A Fastify reply (as guards get it): its `header()` appends Set-Cookie values. */
interface FastifyReplyLike {
  raw: object;
  header(name: string, value: string): unknown;
}

/**
 * Sets the readable token cookie (`XSRF-TOKEN`) with the session cookie's path, domain,
 * `secure` and `sameSite`, but without `HttpOnly`: the page's script copies it into a header.
 */
export function setCsrfCookie(
  coreRequest: SessionRequest,
  platformResponse: unknown,
  cookieName: string,
  token: string,
  sessionOptions: ResolvedSessionOptions,
): void {
  const { cookieOptions, trustProxy } = sessionOptions;
  const cookie = typeof cookieOptions === 'function' ? cookieOptions(coreRequest) : cookieOptions;
  const isSecure = (cookie.secure === 'auto' || cookie.sameSite === 'auto') && isSecureRequest(coreRequest, trustProxy);
  const text = setCookieText(
    cookieName,
    token,
    {
      path: cookie.path,
      domain: cookie.domain,
      httpOnly: false,
      secure: cookie.secure === 'auto' ? isSecure : cookie.secure,
      sameSite: cookie.sameSite === 'auto' ? (isSecure ? 'none' : 'lax') : toSameSite(cookie.sameSite),
      partitioned: cookie.partitioned,
      priority: undefined,
    },
    undefined,
  );
  const reply = platformResponse as Partial<FastifyReplyLike> | undefined;
  if (reply && typeof reply.header === 'function' && reply.raw) reply.header('set-cookie', text);
  else if (platformResponse) appendSetCookie(platformResponse as SessionResponse, text);
}
