import type { SessionSecret } from '../cookie/cookie-signing.js';
import { signSessionId } from '../cookie/cookie-signing.js';
import type { ResolvedCookieAttributes, SessionCookie } from '../cookie/session-cookie.js';
import type { SessionRequest, SessionResponse } from '../http/http-types.js';
import type { Session } from '../session/session.js';

/** The session id a request carried, its signature verified. */
export interface ReceivedSessionId {
  sessionId: string;
  /**
   * The signed value as received (`s:<id>.<signature>`) when the current secret signed it:
   * writing the same id back sends it as is instead of signing again.
   */
  currentSignedValue: string | undefined;
  /**
   * That value exactly as the request carried it, when that is its URL-encoded form: a cookie
   * writing the same id back sends this text without encoding it again.
   */
  currentEncodedValue: string | undefined;
}

/** Cookie attributes as configured: `secure` and `sameSite` may still be `'auto'`. */
export interface ConfiguredCookieAttributes extends Omit<ResolvedCookieAttributes, 'secure' | 'sameSite'> {
  secure: boolean | 'auto';
  sameSite?: ResolvedCookieAttributes['sameSite'] | 'auto';
}

/**
 * How the session id travels between the client and the server: read from the request at
 * attach, written to the response (or expired) as its head goes out. One instance serves an
 * application; what differs per request (its secrets, the id it carried) is passed in.
 */
export interface SessionIdTransport {
  /** The verified id the request carries; undefined when it has none, or an unsigned, forged or malformed one. */
  read(request: SessionRequest, secrets: readonly SessionSecret[]): ReceivedSessionId | undefined;
  /** The attributes of a new session's cookie on this request, `'auto'` resolved. */
  cookieAttributes(request: SessionRequest, configured: ConfiguredCookieAttributes): ResolvedCookieAttributes;
  /** Whether `session`'s id can reach the client on this request's response (reports once why not). */
  canWrite(request: SessionRequest, session: Session): boolean;
  /** Writes `sessionId`, signed with the first secret, to the response. */
  write(
    response: SessionResponse,
    sessionId: string,
    cookie: SessionCookie,
    secrets: readonly SessionSecret[],
    received: ReceivedSessionId | undefined,
  ): void;
  /** Tells the client to forget the id of a session destroyed in this request. */
  expire(response: SessionResponse, cookie: SessionCookie): void;
}

/**
 * `sessionId` signed with the current secret: the value the request carried when it is that
 * already (one HMAC saved per request), else signed now.
 */
export function signedSessionId(
  sessionId: string,
  secrets: readonly SessionSecret[],
  received: ReceivedSessionId | undefined,
): string {
  return sessionId === received?.sessionId && received.currentSignedValue !== undefined
    ? received.currentSignedValue
    : signSessionId(sessionId, secrets[0]!);
}
