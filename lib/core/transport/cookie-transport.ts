import type { SessionSecret } from '../cookie/cookie-signing.js';
import type { ResolvedCookieAttributes, SessionCookie } from '../cookie/session-cookie.js';
import { VerifiedCookieCache } from '../cookie/verified-cookie-cache.js';
import type { SessionRequest, SessionResponse } from '../http/http-types.js';
import { isSecureRequest } from '../http/request-security.js';
import type { Session } from '../session/session.js';
import { appendSetCookie, readSessionCookie } from './session-cookie-header.js';
import { signedSessionId } from './session-id-transport.js';
import type { ConfiguredCookieAttributes, ReceivedSessionId, SessionIdTransport } from './session-id-transport.js';

const SECURE_COOKIE_OVER_HTTP =
  'nest-sessions: the session cookie is Secure (cookie.secure: true) but the request did not arrive over HTTPS, so no cookie ' +
  'was sent and no new session was stored. Behind a proxy that terminates TLS (nginx, a load balancer), trust it: ' +
  "Express's app.set('trust proxy', 1), Fastify's trustProxy, or the session option proxy: true (reads X-Forwarded-Proto); " +
  "or use cookie.secure: 'auto' to send the cookie Secure over HTTPS only. (Logged once.)";

/** The options the cookie transport reads (ResolvedSessionOptions has them). */
export interface CookieTransportOptions {
  readonly cookieName: string;
  /** The `proxy` option: whether `X-Forwarded-Proto` says if a request is secure. */
  readonly trustProxy: boolean | undefined;
  readonly warnOnce: (key: string, message: string) => void;
}

/** The session id in a signed cookie, express-session's way: `Cookie` in, `Set-Cookie` out. */
export class CookieTransport implements SessionIdTransport {
  readonly #cookieName: string;
  readonly #trustProxy: boolean | undefined;
  readonly #warnOnce: (key: string, message: string) => void;
  /** Cookie values that passed the HMAC check: one HMAC per distinct cookie, not per request. */
  readonly #verifiedCookies = new VerifiedCookieCache();

  constructor(options: CookieTransportOptions) {
    this.#cookieName = options.cookieName;
    this.#trustProxy = options.trustProxy;
    this.#warnOnce = options.warnOnce;
  }

  read(request: SessionRequest, secrets: readonly SessionSecret[]): ReceivedSessionId | undefined {
    return readSessionCookie(request.headers.cookie, this.#cookieName, secrets, this.#verifiedCookies);
  }

  cookieAttributes(request: SessionRequest, configured: ConfiguredCookieAttributes): ResolvedCookieAttributes {
    return resolveAutoAttributes(request, configured, this.#trustProxy);
  }

  /**
   * Not a Secure cookie on a request that did not arrive over HTTPS: the browser would drop it
   * (express-session skips it too). The misconfiguration behind it (usually a TLS-terminating
   * proxy the app does not trust) is reported once.
   */
  canWrite(request: SessionRequest, session: Session): boolean {
    if (!session.cookie.secure || isSecureRequest(request, this.#trustProxy)) return true;
    this.#warnOnce('secure-cookie-over-http', SECURE_COOKIE_OVER_HTTP);
    return false;
  }

  write(response: SessionResponse, sessionId: string, cookie: SessionCookie, secrets: readonly SessionSecret[], received?: ReceivedSessionId): void {
    // The cookie the request carried, when it names this id, goes back exactly as it came.
    const encodedValue = sessionId === received?.sessionId ? received.currentEncodedValue : undefined;
    const setCookie = encodedValue !== undefined
      ? cookie.serialize(this.#cookieName, encodedValue, true)
      : cookie.serialize(this.#cookieName, signedSessionId(sessionId, secrets, received));
    appendSetCookie(response, setCookie);
  }

  expire(response: SessionResponse, cookie: SessionCookie): void {
    appendSetCookie(response, cookie.serializeExpired(this.#cookieName));
  }
}

/** `secure: 'auto'` and `sameSite: 'auto'` resolved by the request's protocol (see `proxy`). */
export function resolveAutoAttributes(
  request: SessionRequest,
  configured: ConfiguredCookieAttributes,
  trustProxy: boolean | undefined,
): ResolvedCookieAttributes {
  const { secure, sameSite, ...attributes } = configured;
  const isRequestSecure = (secure === 'auto' || sameSite === 'auto') && isSecureRequest(request, trustProxy);
  return {
    ...attributes,
    secure: secure === 'auto' ? isRequestSecure : secure,
    sameSite: sameSite === 'auto' ? (isRequestSecure ? 'none' : 'lax') : sameSite,
  };
}
