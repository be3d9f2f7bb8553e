/**
 * The \`cookie\` option's checks: static attributes at start-up (errors name the attribute),
 * and what a \`cookie\` function returns per request (a bad attribute takes its default).
 */
import { domainProblem, expiresProblem, lifetimeProblem, pathProblem, PRIORITY, toPriority, toSameSite, warnDateMaxAgeOnce } from '../cookie/cookie-attributes.js';
import { SessionCookieError, SessionOptionsError } from '../errors.js';
import { BOOLEAN, describeValue, oneOf, problemOf } from '../option-checks.js';
import { emitOptionsWarning } from './options-warning.js';
import type { OptionsWarning } from './options-warning.js';
import type { SameSiteOption, SessionCookieOptions } from './session-options.js';

/** Cookie attributes after validation, `'auto'` values still to be resolved per request. */
export interface CheckedCookieOptions extends Omit<SessionCookieOptions, 'sameSite' | 'secure'> {
  path: string;
  httpOnly: boolean;
  secure: boolean | 'auto';
  maxAge: number | null;
  sameSite?: SameSiteOption;
}

const KNOWN_COOKIE_KEYS = new Set(['path', 'domain', 'httpOnly', 'secure', 'maxAge', 'expires', 'partitioned', 'priority', 'sameSite']);
/** `secure`: `'auto'` follows the request's protocol. */
const SECURE_OPTION = oneOf<boolean | 'auto'>([true, false, 'auto']);
/** A cookie's `sameSite` values plus `'auto'` (resolved per request), any casing. */
const SAME_SITE_OPTION = oneOf<SameSiteOption>([true, false, 'lax', 'strict', 'none', 'auto'], { ignoreCase: true });

/**
 * What to do about a bad cookie attribute (`undefined`: the attributes as a whole): throw the
 * error of the context, or return so the attribute takes its default. A problem with the
 * attributes as a whole always throws.
 */
type CookieProblem = (attribute: string | undefined, problem: string) => void;

/**
 * Checks static cookie attributes at start-up (a bad one is a `SessionOptionsError` naming
 * `cookie.<attribute>`; doubtful ones are warned about). `where` names the option.
 */
export function checkCookieOptions(
  cookie: SessionCookieOptions,
  where = 'cookie',
  warn: OptionsWarning = emitOptionsWarning,
): CheckedCookieOptions {
  const checked = checkCookieAttributes(cookie, (attribute, problem) => {
    throw new SessionOptionsError(attribute === undefined ? where : `${where}.${attribute}`, problem);
  });
  const unknownKeys = Object.keys(cookie).filter((key) => !KNOWN_COOKIE_KEYS.has(key));
  if (unknownKeys.length > 0) {
    warn(`nest-sessions: unknown \`${where}\` attribute(s) ignored: ${unknownKeys.join(', ')}. Check the spelling.`);
  }
  if (checked.maxAge !== null && checked.maxAge <= 0) {
    warn(`nest-sessions: \`${where}.maxAge\` is ${checked.maxAge} ms: the cookie expires as soon as it is set, and browsers drop it.`);
  } else if (checked.maxAge === null && checked.expires && checked.expires.getTime() <= Date.now()) {
    const option = cookie.maxAge instanceof Date ? 'maxAge' : 'expires';
    warn(`nest-sessions: \`${where}.${option}\` is in the past: the cookie expires as soon as it is set, and browsers drop it.`);
  }
  if (checked.sameSite === 'none' && checked.secure !== true) {
    warn(
      `nest-sessions: \`${where}.sameSite\` is 'none' but \`${where}.secure\` is not true: browsers drop SameSite=None ` +
        "cookies that are not Secure. Set secure: true, or sameSite: 'auto'.",
    );
  }
  return checked;
}

/**
 * Checks what a `cookie` function returned for one request. Its values often come from the
 * request (`domain: req.hostname`, a lifetime from a header), so anyone could turn a bad one
 * into an error at will: a bad attribute is left out of this response's cookie instead (it
 * takes its default; `secure` becomes `'auto'`), and `warnOnce` reports it once per attribute.
 * A result that is not an object of attributes at all is a `SessionCookieError` (500).
 */
export function checkRequestCookieOptions(
  cookie: SessionCookieOptions,
  warnOnce: (key: string, message: string) => void = (_key, message) => emitOptionsWarning(message),
): CheckedCookieOptions {
  return checkCookieAttributes(cookie, (attribute, problem) => {
    if (attribute === undefined) throw new SessionCookieError('cookie', `${problem} (returned by the \`cookie\` function)`);
    warnOnce(
      `cookie-function:${attribute}`,
      `nest-sessions: the \`cookie\` function returned an invalid \`${attribute}\`: it ${problem}. The attribute is left out of ` +
        'the cookie of each response where this happens (logged once per attribute); check the request values it is derived from.',
    );
  });
}

function checkCookieAttributes(cookie: SessionCookieOptions, onProblem: CookieProblem): CheckedCookieOptions {
  if (typeof cookie !== 'object' || cookie === null || Array.isArray(cookie)) {
    onProblem(undefined, `must be an object of cookie attributes or a function returning one, got ${describeValue(cookie)}`);
  }
  if (typeof (cookie as { then?: unknown }).then === 'function') {
    onProblem(undefined, 'must give the attributes synchronously, not a Promise');
  }
  /** The value when it passes its check, else (once the problem is reported) the default. */
  const checkedValue = <T>(attribute: string, problem: string | undefined, value: T, fallback: T): T => {
    if (problem === undefined) return value;
    onProblem(attribute, problem);
    return fallback;
  };
  const path = checkedValue('path', pathProblem(cookie.path ?? '/'), cookie.path ?? '/', '/');
  const domain = cookie.domain == null ? cookie.domain : checkedValue('domain', domainProblem(cookie.domain), cookie.domain, undefined);
  let maxAge: number | Date | null = cookie.maxAge ?? null;
  let expires = cookie.expires ?? undefined;
  if (maxAge instanceof Date) {
    // express-session's deprecated form: the cookie expires at that date, its maxAge counted from when it is made.
    const dateProblem = expiresProblem(maxAge);
    if (dateProblem === undefined) {
      warnDateMaxAgeOnce();
      expires = maxAge;
    } else {
      onProblem('maxAge', dateProblem);
    }
    maxAge = null;
  } else if (maxAge !== null) {
    maxAge = checkedValue('maxAge', lifetimeProblem(maxAge), maxAge, null);
  }
  if (expires != null) {
    const expiresError = expires instanceof Date ? expiresProblem(expires) : `must be a valid Date or null, got ${describeValue(expires)}`;
    expires = checkedValue('expires', expiresError, expires, undefined);
  }
  const secure = cookie.secure ?? false;
  return {
    ...cookie,
    path,
    domain,
    maxAge,
    expires,
    // An invalid `secure` falls back to following the request's protocol, never to a cookie sent over HTTP by mistake.
    secure: checkedValue<boolean | 'auto'>('secure', problemOf(secure, SECURE_OPTION), secure, 'auto'),
    httpOnly: cookie.httpOnly === undefined ? true : checkedValue('httpOnly', problemOf(cookie.httpOnly, BOOLEAN), cookie.httpOnly, true),
    partitioned: cookie.partitioned === undefined ? undefined : checkedValue('partitioned', problemOf(cookie.partitioned, BOOLEAN), cookie.partitioned, undefined),
    sameSite: cookie.sameSite === undefined ? undefined : checkedValue('sameSite', problemOf(cookie.sameSite, SAME_SITE_OPTION), toSameSiteOption(cookie.sameSite), undefined),
    priority: cookie.priority === undefined ? undefined : checkedValue('priority', problemOf(cookie.priority, PRIORITY), toPriority(cookie.priority), undefined),
  };
}

/** A cookie's `sameSite` values plus `'auto'` (resolved per request), any casing. */
function toSameSiteOption(value: unknown): SameSiteOption | undefined {
  return typeof value === 'string' && value.toLowerCase() === 'auto' ? 'auto' : toSameSite(value);
}
