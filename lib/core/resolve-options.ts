import type { SessionSecret } from './cookie-signing.js';
import { isCallbackSessionStore, toSessionStore } from './callback-store-adapter.js';
import { SessionOptionsError } from './errors.js';
import type { SessionRequest } from './http-types.js';
import { generateSessionId } from './session-id.js';
import type {
  SameSiteOption,
  SessionCookieOptions,
  SessionOptions,
  StoreUnavailableBehaviour,
  UnsetBehaviour,
} from './session-options.js';
import { resolveOwnerOptions } from './session-owner.js';
import type { ResolvedOwnerOptions } from './session-owner.js';
import { SessionStore } from './session-store.js';

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
}

/** A cookie name is an RFC 6265 token: no separators, spaces or control characters. */
const COOKIE_NAME_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const SAME_SITE_VALUES = ['lax', 'strict', 'none', 'auto'];
const PRIORITY_VALUES = ['low', 'medium', 'high'];
const KNOWN_OPTIONS = new Set([
  'secret', 'secretFromRequest', 'name', 'cookie', 'genid', 'proxy', 'resave', 'rolling',
  'saveUninitialized', 'store', 'unset', 'storeUnavailable', 'absoluteTimeout',
  'sessionOwner', 'trackClient',
]);

/** Validates the options and applies the defaults. Throws `SessionOptionsError` naming the option. */
export function resolveSessionOptions(options: SessionOptions): ResolvedSessionOptions {
  if (typeof options !== 'object' || options === null) {
    throw new SessionOptionsError('options', 'expected an object such as { secret: process.env.SESSION_SECRET }');
  }
  const cookieOptions = options.cookie;
  return {
    secrets: resolveSecrets(options.secret, options.secretFromRequest),
    cookieName: resolveCookieName(options.name),
    cookieOptions:
      typeof cookieOptions === 'function'
        ? (request) => checkCookieOptions(cookieOptions(request), 'cookie() result')
        : checkCookieOptions(cookieOptions ?? {}, 'cookie'),
    generateId: resolveFunction(options.genid, 'genid') ?? generateSessionId,
    trustProxy: optionalBoolean(options.proxy, 'proxy'),
    resave: optionalBoolean(options.resave, 'resave') ?? false,
    rolling: optionalBoolean(options.rolling, 'rolling') ?? false,
    saveUninitialized: optionalBoolean(options.saveUninitialized, 'saveUninitialized') ?? false,
    unset: oneOf(options.unset, 'unset', ['keep', 'destroy'] as const) ?? 'keep',
    storeUnavailable: oneOf(options.storeUnavailable, 'storeUnavailable', ['error', 'continue'] as const) ?? 'error',
    absoluteTimeout: resolveAbsoluteTimeout(options.absoluteTimeout),
    store: resolveStore(options.store),
    ...resolveOwnerOptions(options),
  };
}

/** Names of options not known here: probably typos (`saveUnitialized`), reported as warnings. */
export function unknownOptionNames(options: object): string[] {
  return Object.keys(options).filter((key) => !KNOWN_OPTIONS.has(key));
}

function resolveSecrets(secret: unknown, secretFromRequest: unknown): SessionSecret[] | undefined {
  if (secret === undefined) {
    if (optionalBoolean(secretFromRequest, 'secretFromRequest')) return undefined;
    throw new SessionOptionsError(
      'secret',
      'a secret is required to sign the session cookie; pass a long random string, e.g. { secret: process.env.SESSION_SECRET } ' +
        '(or set secretFromRequest: true to use cookie-parser\'s req.secret)',
    );
  }
  const secrets = Array.isArray(secret) ? secret : [secret];
  if (secrets.length === 0) {
    throw new SessionOptionsError('secret', 'the array of secrets is empty; give at least one secret');
  }
  secrets.forEach((candidate, index) => {
    const isUsable =
      (typeof candidate === 'string' && candidate.length > 0) || (Buffer.isBuffer(candidate) && candidate.length > 0);
    if (!isUsable) {
      const where = Array.isArray(secret) ? `secret[${index}]` : 'secret';
      throw new SessionOptionsError(where, 'must be a non-empty string or Buffer');
    }
  });
  return secrets as SessionSecret[];
}

function resolveCookieName(name: unknown): string {
  if (name === undefined) return 'connect.sid';
  if (typeof name !== 'string' || !COOKIE_NAME_TOKEN.test(name)) {
    throw new SessionOptionsError('name', `must be a cookie name without spaces or separators, got ${JSON.stringify(name)}`);
  }
  return name;
}

function resolveAbsoluteTimeout(timeout: unknown): number | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new SessionOptionsError('absoluteTimeout', `must be a positive number of milliseconds, got ${JSON.stringify(timeout)}`);
  }
  return timeout;
}

function resolveStore(store: unknown): SessionStore | undefined {
  if (store === undefined) return undefined;
  if (store instanceof SessionStore || isCallbackSessionStore(store)) return toSessionStore(store);
  throw new SessionOptionsError('store', 'must be a SessionStore or an express-session store with get, set and destroy methods');
}

/** Checks cookie attributes; `where` names the option in messages (`cookie` or `cookie() result`). */
export function checkCookieOptions(cookie: SessionCookieOptions, where: string): CheckedCookieOptions {
  if (typeof cookie !== 'object' || cookie === null) {
    throw new SessionOptionsError(where, 'must be an object of cookie attributes or a function returning one');
  }
  const path = cookie.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new SessionOptionsError(`${where}.path`, `must be a string starting with "/", got ${JSON.stringify(path)}`);
  }
  const maxAge = cookie.maxAge ?? null;
  if (maxAge !== null && (typeof maxAge !== 'number' || !Number.isFinite(maxAge))) {
    throw new SessionOptionsError(`${where}.maxAge`, 'must be a number of milliseconds or null');
  }
  if (cookie.expires != null && !(cookie.expires instanceof Date && !Number.isNaN(cookie.expires.getTime()))) {
    throw new SessionOptionsError(`${where}.expires`, 'must be a valid Date or null');
  }
  if (cookie.domain !== undefined && typeof cookie.domain !== 'string') {
    throw new SessionOptionsError(`${where}.domain`, 'must be a string');
  }
  const secure = cookie.secure ?? false;
  if (typeof secure !== 'boolean' && secure !== 'auto') {
    throw new SessionOptionsError(`${where}.secure`, "must be true, false or 'auto'");
  }
  return {
    ...cookie,
    path,
    maxAge,
    secure,
    httpOnly: optionalBoolean(cookie.httpOnly, `${where}.httpOnly`) ?? true,
    partitioned: optionalBoolean(cookie.partitioned, `${where}.partitioned`),
    sameSite: checkSameSite(cookie.sameSite, `${where}.sameSite`),
    priority: lowerCaseOneOf(cookie.priority, `${where}.priority`, PRIORITY_VALUES) as CheckedCookieOptions['priority'],
  };
}

function checkSameSite(sameSite: unknown, where: string): SameSiteOption | undefined {
  if (sameSite === undefined || typeof sameSite === 'boolean') return sameSite;
  return lowerCaseOneOf(sameSite, where, SAME_SITE_VALUES) as SameSiteOption;
}

function lowerCaseOneOf(value: unknown, where: string, allowed: string[]): string | undefined {
  if (value === undefined) return undefined;
  const lowerCased = typeof value === 'string' ? value.toLowerCase() : value;
  if (typeof lowerCased !== 'string' || !allowed.includes(lowerCased)) {
    throw new SessionOptionsError(where, `must be one of ${allowed.map((v) => `'${v}'`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return lowerCased;
}

function optionalBoolean(value: unknown, option: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new SessionOptionsError(option, `must be true or false, got ${JSON.stringify(value)}`);
}

function oneOf<T extends string>(value: unknown, option: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw new SessionOptionsError(option, `must be one of ${allowed.map((v) => `'${v}'`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function resolveFunction<T>(value: T | undefined, option: string): T | undefined {
  if (value === undefined || typeof value === 'function') return value;
  throw new SessionOptionsError(option, 'must be a function');
}
