import type { SessionSecret } from '../cookie/cookie-signing.js';
import { isCallbackSessionStore, toSessionStore } from '../store/callback-store-adapter.js';
import { SessionOptionsError } from '../errors.js';
import { aFunction, BOOLEAN, checkedOption, describeValue, nonNegativeNumber, oneOf, positiveNumber } from '../option-checks.js';
import { checkCookieOptions, checkRequestCookieOptions } from './cookie-options.js';
import type { CheckedCookieOptions } from './cookie-options.js';
import { resolveHeaderOptions } from './header-options.js';
import type { ResolvedHeaderOptions } from './header-options.js';
import { emitOptionsWarning } from './options-warning.js';
import type { OptionsWarning } from './options-warning.js';
import type { SessionRequest } from '../http/http-types.js';
import { generateSessionId } from '../session/session-id.js';
import type { HashIdsMode } from '../session/session-storage-key.js';
import type {
  SessionOptions,
  StoreUnavailableBehaviour,
  UnsetBehaviour,
} from './session-options.js';
import { resolveOwnerOptions } from '../store/session-owner-index.js';
import type { ResolvedOwnerOptions } from '../store/session-owner-index.js';
import { SessionStore } from '../store/session-store.js';
import { resolveEncryptionKeys } from '../store/at-rest/encryption-keys.js';
import type { EncryptionKeyRing } from '../store/at-rest/encryption-keys.js';

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
  /** Lazy touch interval in ms (`touchAfter`), or undefined: every request touches. */
  touchAfter: number | undefined;
  saveUninitialized: boolean;
  unset: UnsetBehaviour;
  storeUnavailable: StoreUnavailableBehaviour;
  /** Maximum session age in ms, or undefined for none. */
  absoluteTimeout: number | undefined;
  /** Stores receive the hash of the id (`true`), also moving sessions stored under plain ids (`'migrate'`), or the id (`false`). */
  hashIds: HashIdsMode;
  /** The store given in the options, as a `SessionStore`, or undefined (caller picks a default). */
  store: SessionStore | undefined;
  /** The `header` option: how a request carries its session id in a header; undefined when off. */
  header: ResolvedHeaderOptions | undefined;
  /** The `encryption` keys checked, or undefined when session data is kept in clear. */
  encryption: EncryptionKeyRing | undefined;
  /** Whether requests whose session loaded at once continue in cohorts (`requestCohorts`). */
  requestCohorts: boolean;
  /**
   * Reports a problem found while serving requests (Nest: its Logger), once per `key` for the
   * application: a misconfiguration shows on every request, the log should not.
   */
  warnOnce: (key: string, message: string) => void;
}

/** A cookie name is an RFC 6265 token: no separators, spaces or control characters. */
const COOKIE_NAME_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const KNOWN_OPTIONS = new Set([
  'secret', 'secretFromRequest', 'name', 'key', 'cookie', 'genid', 'proxy', 'resave', 'rolling',
  'saveUninitialized', 'store', 'unset', 'storeUnavailable', 'absoluteTimeout',
  'sessionOwner', 'trackClient', 'hashIds', 'encryption',
  'touchAfter', 'header', 'requestCohorts',
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
  const checkedCookieOptions =
    typeof cookieOptions === 'function'
      ? (request: SessionRequest) => checkRequestCookieOptions(cookieOptions(request), warnOnce)
      : checkCookieOptions(cookieOptions ?? {}, 'cookie', warn);
  return {
    secrets: resolveSecrets(options.secret, options.secretFromRequest, warn),
    cookieName: resolveCookieNameOption(options, warn),
    cookieOptions: checkedCookieOptions,
    generateId: checkedOption('genid', options.genid, aFunction<(request: SessionRequest) => string>('(req) => string')) ?? generateSessionId,
    trustProxy: checkedOption('proxy', options.proxy, BOOLEAN),
    resave: checkedOption('resave', options.resave, BOOLEAN) ?? false,
    rolling: checkedOption('rolling', options.rolling, BOOLEAN) ?? false,
    touchAfter: resolveTouchAfter(options.touchAfter, checkedCookieOptions, warn),
    saveUninitialized: checkedOption('saveUninitialized', options.saveUninitialized, BOOLEAN) ?? false,
    unset: checkedOption('unset', options.unset, oneOf<UnsetBehaviour>(['keep', 'destroy'])) ?? 'keep',
    storeUnavailable: checkedOption('storeUnavailable', options.storeUnavailable, oneOf<StoreUnavailableBehaviour>(['error', 'continue'])) ?? 'error',
    absoluteTimeout: checkedOption('absoluteTimeout', options.absoluteTimeout, positiveNumber('milliseconds')),
    hashIds: checkedOption('hashIds', options.hashIds, oneOf<HashIdsMode>([true, false, 'migrate'])) ?? false,
    store: resolveStore(options.store),
    header: resolveHeaderOptions(options.header, warn),
    encryption: resolveEncryptionKeys(options.encryption),
    requestCohorts: checkedOption('requestCohorts', options.requestCohorts, BOOLEAN) ?? true,
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

/**
 * `touchAfter` must be shorter than the cookie's `maxAge`: a session would otherwise never be
 * due for a touch and would expire while in use (an error, not a warning). Without a static
 * `maxAge` to compare with, a browser-session cookie is warned about (it has no expiry to move).
 */
function resolveTouchAfter(
  touchAfter: unknown,
  cookieOptions: CheckedCookieOptions | ((request: SessionRequest) => CheckedCookieOptions),
  warn: OptionsWarning,
): number | undefined {
  const interval = checkedOption('touchAfter', touchAfter, nonNegativeNumber('milliseconds'));
  if (interval === undefined || typeof cookieOptions === 'function') return interval;
  const { maxAge } = cookieOptions;
  if (typeof maxAge !== 'number') {
    warn('nest-sessions: option `touchAfter` has no effect without `cookie.maxAge`: a browser-session cookie has no expiry to move, its sessions are touched on every request.');
  } else if (interval >= maxAge) {
    throw new SessionOptionsError('touchAfter', `must be less than cookie.maxAge (${maxAge} ms), got ${describeValue(interval)}: sessions would expire before their touch is due`);
  }
  return interval;
}

function resolveStore(store: unknown): SessionStore | undefined {
  if (store === undefined) return undefined;
  if (store instanceof SessionStore || isCallbackSessionStore(store)) return toSessionStore(store);
  throw new SessionOptionsError('store', 'must be a SessionStore or an express-session store with get, set and destroy methods');
}
