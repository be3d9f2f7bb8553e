/**
 * Whether a request may change state, in the order OWASP's CSRF cheat sheet and Go's
 * CrossOriginProtection use: the method, then Fetch Metadata (`Sec-Fetch-Site`), then the
 * `Origin` / `Referer` against the request's own origin, then the session-bound token.
 * Pure functions over untrusted header values: nothing here throws.
 */

/** Why a request was let through. */
export type CsrfAllowedReason = 'ignored-method' | 'header-token' | 'same-origin' | 'trusted-origin' | 'valid-token';

/** Why a request was refused (published with the `csrfRefused` event). */
export type CsrfRefusedReason = 'cross-site' | 'foreign-origin' | 'missing-token' | 'invalid-token';

export type CsrfDecision = { readonly allowed: true; readonly reason: CsrfAllowedReason } | { readonly allowed: false; readonly reason: CsrfRefusedReason };

/** What the decision reads of one request; header values as Node hands them over. */
export interface CsrfRequestFacts {
  readonly method: string | undefined;
  readonly secFetchSite: string | string[] | undefined;
  readonly origin: string | string[] | undefined;
  readonly referer: string | string[] | undefined;
  /** The request's own origin (`https://host:port`, see `requestOrigin`): asked only when an Origin or Referer must be compared. */
  ownOrigin(): string | undefined;
  /** Whether the request is safe to not check: its method is one of `ignoreMethods`. */
  readonly isIgnoredMethod: boolean;
  /** The token the request carried, if any (checked only when the decision comes to it). */
  readonly token: unknown;
  /**
   * The request's session was named by a valid token in the `header` option's header (not a
   * request that merely carries the header). A browser cannot be made to send a custom header
   * (or `Authorization`) to another site without a CORS preflight that site must allow, and it
   * never adds one by itself as it adds cookies: such a request cannot be forged cross-site.
   */
  readonly isHeaderAuthenticated?: boolean;
}

/** What the decision needs of the options and the session. */
export interface CsrfDecisionContext {
  readonly trustedOrigins: ReadonlySet<string>;
  /** Checks a token against the request's session (`isValidCsrfToken`). */
  isValidToken(token: unknown): boolean;
}

/**
 * 1. an ignored method (GET, HEAD, OPTIONS by default) passes, then a request authenticated by
 *    a valid header token (`isHeaderAuthenticated`);
 * 2. `Sec-Fetch-Site: same-origin` or `none` passes; any other value is refused unless the
 *    `Origin` is trusted;
 * 3. without it, an `Origin` (else a `Referer`) that is neither the request's own origin nor
 *    trusted is refused, even with a valid token; a trusted one passes;
 * 4. otherwise (a matching or absent `Origin`) the token must be present and valid.
 */
export function decideCsrf(facts: CsrfRequestFacts, context: CsrfDecisionContext): CsrfDecision {
  if (facts.isIgnoredMethod) return { allowed: true, reason: 'ignored-method' };
  if (facts.isHeaderAuthenticated === true) return { allowed: true, reason: 'header-token' };
  const origin = singleHeader(facts.origin);
  const isTrusted = origin !== undefined && context.trustedOrigins.has(normalizeOrigin(origin) ?? '');
  const secFetchSite = singleHeader(facts.secFetchSite)?.trim().toLowerCase();
  if (secFetchSite) {
    if (secFetchSite === 'same-origin' || secFetchSite === 'none') return { allowed: true, reason: 'same-origin' };
    return isTrusted ? { allowed: true, reason: 'trusted-origin' } : { allowed: false, reason: 'cross-site' };
  }
  if (isTrusted) return { allowed: true, reason: 'trusted-origin' };
  const claimedOrigin = origin !== undefined ? normalizeOrigin(origin) : refererOrigin(singleHeader(facts.referer));
  if (claimedOrigin !== undefined && !context.trustedOrigins.has(claimedOrigin) && claimedOrigin !== facts.ownOrigin()) {
    return { allowed: false, reason: 'foreign-origin' };
  }
  if (facts.token === undefined || facts.token === '') return { allowed: false, reason: 'missing-token' };
  return context.isValidToken(facts.token) ? { allowed: true, reason: 'valid-token' } : { allowed: false, reason: 'invalid-token' };
}

/**
 * An origin as browsers serialize it: lower-case scheme and host, no default port, no path.
 * `null` (an opaque origin), text that is no http(s) URL, or a value with a path or
 * credentials yields the empty string, which matches nothing; undefined only for no value.
 */
export function normalizeOrigin(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const url = parsedHttpUrl(value.trim());
  if (!url || url.username || url.password || url.pathname !== '/' || url.search || url.hash) return '';
  return url.origin;
}

/** The origin of a `Referer` URL, or the empty string (matching nothing) when it is not one. */
export function refererOrigin(referer: string | undefined): string | undefined {
  if (referer === undefined || referer === '') return undefined;
  return parsedHttpUrl(referer.trim())?.origin ?? '';
}

function parsedHttpUrl(text: string): URL | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

/** A header sent twice arrives as an array (or joined by the platform): only a single value counts. */
function singleHeader(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : '';
  return value;
}

/**
 * Whether a WebSocket handshake came from a page of another origin (Cross-Site WebSocket
 * Hijacking): browsers always send `Origin` there, so one that is neither the request's own
 * nor trusted is refused; none at all is a client outside a browser.
 */
export function isForeignHandshake(origin: string | string[] | undefined, ownOrigin: string | undefined, trustedOrigins: ReadonlySet<string>): boolean {
  const value = singleHeader(origin);
  if (value === undefined) return false;
  const claimedOrigin = normalizeOrigin(value);
  return claimedOrigin !== ownOrigin && !trustedOrigins.has(claimedOrigin ?? '');
}
