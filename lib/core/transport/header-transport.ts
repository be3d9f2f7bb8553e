import type { SessionSecret } from '../cookie/cookie-signing.js';
import type { ResolvedCookieAttributes, SessionCookie } from '../cookie/session-cookie.js';
import { VerifiedCookieCache } from '../cookie/verified-cookie-cache.js';
import type { SessionRequest, SessionResponse } from '../http/http-types.js';
import { resolveAutoAttributes } from './cookie-transport.js';
import { decodeCookieValue } from './session-cookie-header.js';
import { signedSessionId } from './session-id-transport.js';
import type { ConfiguredCookieAttributes, ReceivedSessionId, SessionIdTransport } from './session-id-transport.js';

/**
 * Longest header value read at all: a real token is about 80 characters (`s:` + 32 + `.` + 43);
 * anything far longer is refused before it is decoded or signed, however the client padded it.
 */
const MAX_TOKEN_TEXT_LENGTH = 4096;

/** Which header carries the token (the `header` option, checked). */
export interface HeaderTransportOptions {
  /** The request header, lower-case (as Node names `req.headers`' keys). */
  readonly name: string;
  /** The scheme before the token, `''` for none. */
  readonly scheme: string;
  /** The response header a new or changed token goes out in. */
  readonly responseHeader: string;
}

/**
 * The session id in a request header, for clients without a cookie jar: `Authorization: Bearer
 * <token>` by default, where the token is the signed id exactly as the cookie carries it
 * (`s:<id>.<signature>`, express-session's signature) without the cookie's URL-encoding. The
 * same secrets verify it; a new or changed token goes back in the response header
 * (`Session-Token`), never in a `Set-Cookie`.
 */
export class HeaderTransport implements SessionIdTransport {
  readonly #header: HeaderTransportOptions;
  readonly #trustProxy: boolean | undefined;
  /** `scheme` + a space, lower-case: what the value starts with (schemes are case-insensitive). */
  readonly #schemePrefix: string;
  /** Tokens that passed the HMAC check: one HMAC per distinct token, not per request. */
  readonly #verifiedTokens = new VerifiedCookieCache();

  constructor(header: HeaderTransportOptions, trustProxy: boolean | undefined) {
    this.#header = header;
    this.#trustProxy = trustProxy;
    this.#schemePrefix = header.scheme === '' ? '' : `${header.scheme.toLowerCase()} `;
  }

  /** The `WWW-Authenticate` challenge of a 401 to a header client: its scheme; undefined without one. */
  get challenge(): string | undefined {
    return this.#header.scheme === '' ? undefined : this.#header.scheme;
  }

  /**
   * Whether the request carries the header (with the scheme, when there is one), valid or not:
   * such a request is served through this transport, whatever cookie it also carries.
   */
  isCarriedBy(request: SessionRequest): boolean {
    return this.#tokenText(request) !== undefined;
  }

  read(request: SessionRequest, secrets: readonly SessionSecret[]): ReceivedSessionId | undefined {
    const tokenText = this.#tokenText(request);
    if (!tokenText || tokenText.length > MAX_TOKEN_TEXT_LENGTH) return undefined;
    // URL-decoded too, as the cookie is: a token copied from a cookie (`s%3A…`) works as well.
    const verified = this.#verifiedTokens.verify(tokenText, secrets, decodeCookieValue);
    if (!verified) return undefined;
    return { sessionId: verified.sessionId, currentSignedValue: verified.isSignedWithCurrentSecret ? verified.signedValue : undefined, currentEncodedValue: undefined };
  }

  /** The session's cookie is never sent, but its attributes still say how long the session lives. */
  cookieAttributes(request: SessionRequest, configured: ConfiguredCookieAttributes): ResolvedCookieAttributes {
    return resolveAutoAttributes(request, configured, this.#trustProxy);
  }

  /** A header reaches the client over HTTP too (a Secure cookie would not). */
  canWrite(): boolean {
    return true;
  }

  /**
   * Sends the token when it is new or changed: another id than the request's (a new session,
   * `regenerate()`, `rotate()`), or the same id signed with an older secret (the client gets it
   * signed with the current one). The token the client holds is not repeated.
   */
  write(response: SessionResponse, sessionId: string, _cookie: SessionCookie, secrets: readonly SessionSecret[], received?: ReceivedSessionId): void {
    if (sessionId === received?.sessionId && received.currentSignedValue !== undefined) return;
    response.setHeader(this.#header.responseHeader, signedSessionId(sessionId, secrets, received));
  }

  /** After `destroy()`: the response header, empty, tells the client to forget its token. */
  expire(response: SessionResponse): void {
    response.setHeader(this.#header.responseHeader, '');
  }

  /** The token text after the scheme, trimmed; undefined when the request does not carry the header. */
  #tokenText(request: SessionRequest): string | undefined {
    const raw = request.headers[this.#header.name];
    if (raw === undefined) return undefined;
    // A header sent twice arrives joined (or as an array): carried, and no valid token.
    const value = (Array.isArray(raw) ? raw.join(', ') : raw).trim();
    if (this.#schemePrefix === '') return value === '' ? undefined : value;
    if (value.length === this.#schemePrefix.length - 1) {
      return value.toLowerCase() === this.#schemePrefix.trimEnd() ? '' : undefined;
    }
    if (value.length < this.#schemePrefix.length) return undefined;
    if (value.slice(0, this.#schemePrefix.length).toLowerCase() !== this.#schemePrefix) return undefined;
    return value.slice(this.#schemePrefix.length).trim();
  }
}
