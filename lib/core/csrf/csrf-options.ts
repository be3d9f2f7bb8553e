import { SessionOptionsError } from '../errors.js';
import { arrayOf, BOOLEAN, checkedOption, describeValue, NON_EMPTY_STRING } from '../option-checks.js';
import type { ValueRule } from '../option-checks.js';
import { normalizeOrigin } from './csrf-decision.js';

/** Options of the CSRF protection (the module's `csrf` option; `true` takes every default). */
export interface CsrfOptions {
  /** Methods never checked (they must not change state). Default `['GET', 'HEAD', 'OPTIONS']`. */
  ignoreMethods?: string[];
  /**
   * Other origins allowed to send state-changing requests with the session cookie, e.g.
   * `['https://app.example.com']` (scheme, host and port; no path). Default none.
   */
  trustedOrigins?: string[];
  /** The request header carrying the token. Default `'x-csrf-token'`; `'x-xsrf-token'` is always read too. */
  header?: string;
  /** The body field (urlencoded or JSON) carrying the token. Default `'_csrf'`. */
  field?: string;
  /**
   * Also send the token in a readable `XSRF-TOKEN` cookie on requests of ignored methods, for
   * SPAs whose HTTP client copies it into `X-XSRF-TOKEN` (Angular, axios). Creates a session
   * for every visitor that makes such a request. Default `false`.
   */
  cookie?: boolean;
}

/** The CSRF options checked, with their defaults. */
export interface ResolvedCsrfOptions {
  /** Upper-case method names never checked. */
  readonly ignoreMethods: ReadonlySet<string>;
  /** Normalized origins (see `normalizeOrigin`). */
  readonly trustedOrigins: ReadonlySet<string>;
  /** Lower-case header names read for the token, in order. */
  readonly headers: readonly string[];
  readonly field: string;
  /** The readable token cookie's name, or undefined without `cookie: true`. */
  readonly cookieName: string | undefined;
}

export const XSRF_HEADER = 'x-xsrf-token';
export const XSRF_COOKIE = 'XSRF-TOKEN';
const KNOWN_CSRF_OPTIONS = new Set(['ignoreMethods', 'trustedOrigins', 'header', 'field', 'cookie']);
/** RFC 9110 tokens: method and header names. */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const HTTP_TOKEN_RULE: ValueRule<string> = {
  expected: 'an HTTP token (letters, digits, -), e.g. x-csrf-token',
  accepts: (value): value is string => typeof value === 'string' && HTTP_TOKEN.test(value),
};

const ORIGIN_RULE: ValueRule<string> = {
  expected: 'an origin',
  accepts: (value): value is string => typeof value === 'string' && normalizeOrigin(value) !== '',
};

/**
 * The `csrf` option checked: undefined or `false` turn the protection off (undefined is
 * returned), `true` or an object turn it on. A bad value throws a `SessionOptionsError`
 * naming `csrf.<option>`.
 */
export function resolveCsrfOptions(value: unknown): ResolvedCsrfOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value !== true && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new SessionOptionsError('csrf', `must be true, false or an object of CSRF options, got ${describeValue(value)}`);
  }
  const options: CsrfOptions = value === true ? {} : (value as CsrfOptions);
  const unknownNames = Object.keys(options).filter((name) => !KNOWN_CSRF_OPTIONS.has(name));
  if (unknownNames.length > 0) {
    throw new SessionOptionsError(`csrf.${unknownNames[0]}`, `is not a CSRF option (known: ${[...KNOWN_CSRF_OPTIONS].join(', ')})`);
  }
  const ignoreMethods = checkedOption('csrf.ignoreMethods', options.ignoreMethods, arrayOf(HTTP_TOKEN_RULE, "an array of method names, e.g. ['GET', 'HEAD', 'OPTIONS']")) ?? ['GET', 'HEAD', 'OPTIONS'];
  const trustedOrigins = checkedOption('csrf.trustedOrigins', options.trustedOrigins, arrayOf(ORIGIN_RULE, "an array of origins, e.g. ['https://app.example.com'] (scheme and host, no path)")) ?? [];
  const header = (checkedOption('csrf.header', options.header, HTTP_TOKEN_RULE) ?? 'x-csrf-token').toLowerCase();
  return {
    ignoreMethods: new Set(ignoreMethods.map((method) => method.toUpperCase())),
    trustedOrigins: new Set(trustedOrigins.map((origin) => normalizeOrigin(origin)!)),
    headers: header === XSRF_HEADER ? [header] : [header, XSRF_HEADER],
    field: checkedOption('csrf.field', options.field, NON_EMPTY_STRING) ?? '_csrf',
    cookieName: checkedOption('csrf.cookie', options.cookie, BOOLEAN) ? XSRF_COOKIE : undefined,
  };
}
