import type { SessionSecret } from '../cookie/cookie-signing.js';
import { isCallbackSessionStore, toSessionStore } from '../store/callback-store-adapter.js';
import { domainProblem, expiresProblem, lifetimeProblem, pathProblem, PRIORITY, toPriority, toSameSite, warnDateMaxAgeOnce } from '../cookie/cookie-attributes.js';
import { SessionCookieError, SessionOptionsError } from '../errors.js';
import { aFunction, BOOLEAN, checkedOption, describeValue, oneOf, positiveNumber, problemOf } from '../option-checks.js';
import type { SessionRequest } from '../http/http-types.js';
import { generateSessionId } from '../session/session-id.js';
import type {
  SameSiteOption,
  SessionCookieOptions,
  SessionOptions,
  StoreUnavailableBehaviour,
  UnsetBehaviour,
} from './session-options.js';
import { resolveOwnerOptions } from '../store/session-owner-index.js';
import type { ResolvedOwnerOptions } from '../store/session-owner-index.js';
import { SessionStore } from '../store/session-store.js';

/** Cookie attributes after validation, `'auto'` values still to be resolved per request. */
export interface CheckedCookieOptions extends Omit<SessionCookieOptions, 'sameSite' | 'secure'> {
  path: string;
  httpOnly: boolean;
  secure: boolean | 'auto';
  maxAge: number | null;
  sameSite?: SameSiteOption;
}

/** Options with defaults applied and every value checked; computed once at start-up. */
export interface ResolvedSessionOptions extends ResolvedOwnerOptions {
  /** Signing secrets, first one signs; `undefined` means "use req.secret". */
  secrets: SessionSecret[] | undefined;
  cookieName: string;
  /** Static cookie attributes, or a function returning them per request (checked each time). */
  cookieOptions: CheckedCookieOptions | ((request: SessionRequest) => CheckedCookieOptions);
  generateId: (request: SessionRequest) => string;
  trustProxy: boolean | undefined;
  resave: boolean;
  rolling: boolean;
  saveUninitialized: boolean;
  unset: UnsetBehaviour;
  storeUnavailable: StoreUnavailableBehaviour;
  /** Maximum session age in ms, or undefined for none. */
  absoluteTimeout: number | undefined;
  /** The store given in the options, as a `SessionStore`, or undefined (caller picks a default). */
  store: SessionStore | undefined;
  /**
   * Reports a problem found while serving requests (Nest: its Logger), once per `key` for the
   * application: a misconfiguration shows on every request, the log should not.
   */
  warnOnce: (key: string, message: string) => void;
}

/** A cookie name is an RFC 6265 token: no separators, spaces or control characters. */
const COOKIE_NAME_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const KNOWN_COOKIE_KEYS = new Set(['path', 'domain', 'httpOnly', 'secure', 'maxAge', 'expires', 'partitioned', 'priority', 'sameSite']);
/** `secure`: `'auto'` follows the request's protocol. */
const SECURE_OPTION = oneOf<boolean | 'auto'>([true, false, 'auto']);
/** A cookie's `sameSite` values plus `'auto'` (resolved per request), any casing. */
const SAME_SITE_OPTION = oneOf<SameSiteOption>([true, false, 'lax', 'strict', 'none', 'auto'], { ignoreCase: true });
const KNOWN_OPTIONS = new Set([
  'secret', 'secretFromRequest', 'name', 'key', 'cookie', 'genid', 'proxy', 'resave', 'rolling',
  'saveUninitialized', 'store', 'unset', 'storeUnavailable', 'absoluteTimeout',
  'sessionOwner', 'trackClient',
]);

/**
 * Validates the options and applies the defaults. Throws `SessionOptionsError` naming the
 * option; passes doubtful but working values (a `maxAge` of 0, unknown `cookie` keys) to `warn`.
 */
export function resolveSessionOptions(options: SessionOptions, warn: OptionsWarning = emitOptionsWarning): ResolvedSessionOptions {
  if (typeof options !== 'object' || options === null) {
    throw new SessionOptionsError('options', 'expected an object such as { secret: process.env.SESSION_SECRET }');
  }
  const cookieOptions = options.cookie;
  const warnOnce = onceByKey(warn);
  return {
    secrets: resolveSecrets(options.secret, options.secretFromRequest, warn),
    cookieName: resolveCookieNameOption(options, warn),
    cookieOptions:
      typeof cookieOptions === 'function'
        ? (request) => checkRequestCookieOptions(cookieOptions(request), warnOnce)
        : checkCookieOptions(cookieOptions ?? {}, 'cookie', warn),
    generateId: checkedOption('genid', options.genid, aFunction<(request: SessionRequest) => string>('(req) => string')) ?? generateSessionId,
    trustProxy: checkedOption('proxy', options.proxy, BOOLEAN),
    resave: checkedOption('resave', options.resave, BOOLEAN) ?? false,
    rolling: checkedOption('rolling', options.rolling, BOOLEAN) ?? false,
    saveUninitialized: checkedOption('saveUninitialized', options.saveUninitialized, BOOLEAN) ?? false,
    unset: checkedOption('unset', options.unset, oneOf<UnsetBehaviour>(['keep', 'destroy'])) ?? 'keep',
    storeUnavailable: checkedOption('storeUnavailable', options.storeUnavailable, oneOf<StoreUnavailableBehaviour>(['error', 'continue'])) ?? 'error',
    absoluteTimeout: checkedOption('absoluteTimeout', options.absoluteTimeout, positiveNumber('milliseconds')),
    store: resolveStore(options.store),
    warnOnce,
    ...resolveOwnerOptions(options),
  };
}

/** `warn`, passing each key's first message only. */
function onceByKey(warn: OptionsWarning): (key: string, message: string) => void {
  const warnedKeys = new Set<string>();
  return (key, message) => {
    if (warnedKeys.has(key)) return;
    warnedKeys.add(key);
    warn(message);
  };
}

/** Names of options not known here: probably typos (`saveUnitialized`), reported as warnings. */
export function unknownOptionNames(options: object): string[] {
  return Object.keys(options).filter((key) => !KNOWN_OPTIONS.has(key));
}

/** Shortest secret not warned about: 32 random characters are beyond guessing an HMAC key. */
const MIN_SECRET_LENGTH = 32;

function resolveSecrets(secret: unknown, secretFromRequest: unknown, warn: OptionsWarning): SessionSecret[] | undefined {
  if (secret === undefined) {
    if (checkedOption('secretFromRequest', secretFromRequest, BOOLEAN)) return undefined;
    throw new SessionOptionsError(
      'secret',
      'secret option required for sessions: pass a long random string that signs the session cookie, e.g. { secret: process.env.SESSION_SECRET } ' +
        '(or set secretFromRequest: true to use cookie-parser\'s req.secret)',
    );
  }
  const secrets = Array.isArray(secret) ? secret : [secret];
  if (secrets.length === 0) {
    throw new SessionOptionsError('secret', 'secret option array must contain one or more strings (it is empty)');
  }
  secrets.forEach((candidate, index) => {
    const where = Array.isArray(secret) ? `secret[${index}]` : 'secret';
    const isUsable =
      (typeof candidate === 'string' && candidate.length > 0) || (Buffer.isBuffer(candidate) && candidate.length > 0);
    if (!isUsable) throw new SessionOptionsError(where, 'must be a non-empty string or Buffer');
    warnIfShortSecret(candidate as SessionSecret, where, warn);
  });
  return secrets as SessionSecret[];
}

/**
 * A short secret is accepted (an app moving from express-session keeps its secret, so its
 * users stay signed in), but said so once at start-up, with the way to replace it.
 */
function warnIfShortSecret(secret: SessionSecret, where: string, warn: OptionsWarning): void {
  if (secret.length >= MIN_SECRET_LENGTH) return;
  const unit = typeof secret === 'string' ? 'characters' : 'bytes';
  warn(
    `nest-sessions: \`${where}\` is ${secret.length} ${unit} long: a secret should be at least ${MIN_SECRET_LENGTH} random ${unit} ` +
      '(e.g. `openssl rand -base64 48`), or the cookie signature can be guessed offline. It is used as it is. To replace it ' +
      'without signing anyone out, put the new secret first and keep this one after it (secret: [newSecret, oldSecret]) ' +
      'until the cookies it signed have expired.',
  );
}

/**
 * `name`, or express-session's legacy `key` when `name` is not given (express-session reads
 * `name || key`): ignoring `key` would rename the cookie and sign every user out.
 */
function resolveCookieNameOption(options: SessionOptions, warn: OptionsWarning): string {
  if (options.key === undefined) return resolveCookieName(options.name, 'name');
  if (options.name !== undefined) {
    warn('nest-sessions: option `key` ignored: `name` is given (`key` is express-session\'s old name for `name`). Remove `key`.');
    return resolveCookieName(options.name, 'name');
  }
  warn('nest-sessions: option `key` is express-session\'s old name for `name`: the cookie is named from it. Rename it to `name`.');
  return resolveCookieName(options.key, 'key');
}

function resolveCookieName(name: unknown, optionName: 'name' | 'key'): string {
  if (name === undefined) return 'connect.sid';
  if (typeof name !== 'string' || !COOKIE_NAME_TOKEN.test(name)) {
    throw new SessionOptionsError(optionName, `must be a cookie name without spaces or separators, got ${describeValue(name)}`);
  }
  return name;
}

function resolveStore(store: unknown): SessionStore | undefined {
  if (store === undefined) return undefined;
  if (store instanceof SessionStore || isCallbackSessionStore(store)) return toSessionStore(store);
  throw new SessionOptionsError('store', 'must be a SessionStore or an express-session store with get, set and destroy methods');
}

/** Reports a problem with the options that does not stop them from working (Nest: the logger). */
export type OptionsWarning = (message: string) => void;

/** Outside Nest, warnings go where Node's own go (stderr, `process.on('warning')`). */
export function emitOptionsWarning(message: string): void {
  process.emitWarning(message, { code: 'NEST_SESSIONS_OPTIONS' });
}

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
