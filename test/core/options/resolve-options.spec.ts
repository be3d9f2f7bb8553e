import session from 'express-session';
import { resolveSessionOptions, unknownOptionNames } from '../../../lib/core/options/resolve-options.js';
import { SessionCookieError, SessionOptionsError } from '../../../lib/core/errors.js';
import type { SessionOptions } from '../../../lib/core/options/session-options.js';
import type { SessionRequest } from '../../../lib/core/http/http-types.js';
import { CallbackStoreAdapter } from '../../../lib/core/store/callback-store-adapter.js';
import { MemoryStore } from '../../../lib/stores/memory/memory-store.js';
import { TEST_SECRET } from '../../support/test-secret.js';

const secret = TEST_SECRET;
const request: SessionRequest = { headers: {}, url: '/' };

/** The SessionOptionsError thrown for `options`, to check which option it names. */
function optionsError(options: unknown): SessionOptionsError {
  try {
    resolveSessionOptions(options as SessionOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(SessionOptionsError);
    return error as SessionOptionsError;
  }
  throw new Error('expected resolveSessionOptions to throw');
}

describe('resolveSessionOptions', () => {
  it('applies the defaults', () => {
    const resolved = resolveSessionOptions({ secret });
    expect(resolved).toMatchObject({
      secrets: [secret],
      cookieName: 'connect.sid',
      resave: false,
      rolling: false,
      saveUninitialized: false,
      unset: 'keep',
      storeUnavailable: 'error',
      trustProxy: undefined,
      store: undefined,
    });
    expect(resolved.cookieOptions).toEqual({ path: '/', httpOnly: true, secure: false, maxAge: null });
    expect(resolved.generateId(request)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(resolved.generateId(request)).not.toBe(resolved.generateId(request));
  });

  it('keeps given values', () => {
    const genid = () => 'fixed';
    const resolved = resolveSessionOptions({
      secret: [secret, Buffer.from('old')],
      name: 'app.sid',
      genid,
      proxy: true,
      resave: true,
      rolling: true,
      saveUninitialized: true,
      unset: 'destroy',
      storeUnavailable: 'continue',
      cookie: { path: '/app', maxAge: 1000, secure: 'auto', sameSite: 'Strict' as 'strict', priority: 'HIGH' as 'high', domain: 'example.com', httpOnly: false, partitioned: true },
    });
    expect(resolved).toMatchObject({ cookieName: 'app.sid', generateId: genid, trustProxy: true, resave: true, rolling: true, saveUninitialized: true, unset: 'destroy', storeUnavailable: 'continue' });
    expect(resolved.secrets).toEqual([secret, Buffer.from('old')]);
    expect(resolved.cookieOptions).toEqual({ path: '/app', maxAge: 1000, secure: 'auto', sameSite: 'strict', priority: 'high', domain: 'example.com', httpOnly: false, partitioned: true });
  });

  it('accepts sameSite booleans and any casing of its names', () => {
    for (const [given, expected] of [[true, true], [false, false], ['LAX', 'lax'], ['None', 'none'], ['AUTO', 'auto']] as const) {
      const resolved = resolveSessionOptions({ secret, cookie: { sameSite: given as never } });
      expect(resolved.cookieOptions).toMatchObject({ sameSite: expected });
    }
  });

  it('passes SessionStore instances through and wraps express-session stores', () => {
    const memoryStore = new MemoryStore({ checkPeriod: 0 });
    expect(resolveSessionOptions({ secret, store: memoryStore }).store).toBe(memoryStore);
    const expressStore = new session.MemoryStore();
    const wrapped = resolveSessionOptions({ secret, store: expressStore as never }).store;
    expect(wrapped).toBeInstanceOf(CallbackStoreAdapter);
    expect((wrapped as CallbackStoreAdapter).wrapped).toBe(expressStore);
  });

  it('secretFromRequest: true without secret leaves secrets to the request', () => {
    expect(resolveSessionOptions({ secretFromRequest: true }).secrets).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ['not an object', null, 'options'],
    ['missing secret', {}, 'secret'],
    ['secretFromRequest false without secret', { secretFromRequest: false }, 'secret'],
    ['secretFromRequest not a boolean', { secretFromRequest: 'yes' }, 'secretFromRequest'],
    ['empty secret array', { secret: [] }, 'secret'],
    ['empty string secret', { secret: '' }, 'secret'],
    ['empty Buffer secret', { secret: Buffer.alloc(0) }, 'secret'],
    ['number secret', { secret: 42 }, 'secret'],
    ['empty string in the secret array', { secret: ['a', ''] }, 'secret[1]'],
    ['non-string in the secret array', { secret: [null, 'a'] }, 'secret[0]'],
    ['name with a space', { secret, name: 'my sid' }, 'name'],
    ['name with a separator', { secret, name: 'sid;' }, 'name'],
    ['empty name', { secret, name: '' }, 'name'],
    ['name not a string', { secret, name: 3 }, 'name'],
    ['bad unset', { secret, unset: 'remove' }, 'unset'],
    ['bad storeUnavailable', { secret, storeUnavailable: 'retry' }, 'storeUnavailable'],
    ['resave not a boolean', { secret, resave: 'false' }, 'resave'],
    ['rolling not a boolean', { secret, rolling: 1 }, 'rolling'],
    ['saveUninitialized not a boolean', { secret, saveUninitialized: null }, 'saveUninitialized'],
    ['proxy not a boolean', { secret, proxy: 'true' }, 'proxy'],
    ['genid not a function', { secret, genid: 'uuid' }, 'genid'],
    ['store without destroy', { secret, store: { get() {}, set() {} } }, 'store'],
    ['store null', { secret, store: null }, 'store'],
    ['cookie not an object', { secret, cookie: 'secure' }, 'cookie'],
    ['cookie.sameSite unknown', { secret, cookie: { sameSite: 'relaxed' } }, 'cookie.sameSite'],
    ['cookie.sameSite a number', { secret, cookie: { sameSite: 1 } }, 'cookie.sameSite'],
    ['cookie.priority unknown', { secret, cookie: { priority: 'urgent' } }, 'cookie.priority'],
    ['cookie.secure a string', { secret, cookie: { secure: 'true' } }, 'cookie.secure'],
    ['cookie.maxAge a string', { secret, cookie: { maxAge: '1h' } }, 'cookie.maxAge'],
    ['cookie.maxAge NaN', { secret, cookie: { maxAge: Number.NaN } }, 'cookie.maxAge'],
    ['cookie.maxAge Infinity', { secret, cookie: { maxAge: Infinity } }, 'cookie.maxAge'],
    ['cookie.path relative', { secret, cookie: { path: 'app' } }, 'cookie.path'],
    ['cookie.path not a string', { secret, cookie: { path: 1 } }, 'cookie.path'],
    ['cookie.expires a string', { secret, cookie: { expires: '2030-01-01' } }, 'cookie.expires'],
    ['cookie.expires an invalid Date', { secret, cookie: { expires: new Date('nope') } }, 'cookie.expires'],
    ['cookie.domain not a string', { secret, cookie: { domain: true } }, 'cookie.domain'],
    ['cookie.httpOnly not a boolean', { secret, cookie: { httpOnly: 'yes' } }, 'cookie.httpOnly'],
    ['cookie.partitioned not a boolean', { secret, cookie: { partitioned: 1 } }, 'cookie.partitioned'],
  ])('throws SessionOptionsError naming the option: %s', (_label, options, option) => {
    const error = optionsError(options);
    expect(error.option).toBe(option);
    expect(error.message).toContain(`\`${option}\``);
  });

  describe('cookie function', () => {
    it('is called per request and its result checked each time', () => {
      const seen: SessionRequest[] = [];
      const resolved = resolveSessionOptions({
        secret,
        cookie: (req) => {
          seen.push(req);
          return req.url === '/bad' ? { sameSite: 'sideways' as never } : { maxAge: 5, sameSite: 'Lax' as never };
        },
      }, () => undefined);
      expect(seen).toHaveLength(0);
      const cookieOptions = resolved.cookieOptions as (request: SessionRequest) => unknown;
      expect(typeof cookieOptions).toBe('function');
      expect(cookieOptions(request)).toEqual({ path: '/', httpOnly: true, secure: false, maxAge: 5, sameSite: 'lax' });
      expect(seen).toEqual([request]);
      // A bad attribute is left out of that request's cookie (see cookie-options-validation.spec.ts).
      expect(cookieOptions({ headers: {}, url: '/bad' })).toMatchObject({ sameSite: undefined, path: '/' });
    });

    it('rejects a result that is not an object', () => {
      const resolved = resolveSessionOptions({ secret, cookie: () => undefined as never });
      expect(() => (resolved.cookieOptions as (request: SessionRequest) => unknown)(request)).toThrow(SessionCookieError);
    });
  });
});

describe('unknownOptionNames', () => {
  it('lists misspelt options only', () => {
    expect(unknownOptionNames({ secret, saveUnitialized: true, resave: false, cokie: {} })).toEqual(['saveUnitialized', 'cokie']);
    expect(unknownOptionNames({ secret, name: 'x', store: {}, storeUnavailable: 'error' })).toEqual([]);
  });

  describe('touchAfter', () => {
    it('is kept when a non-negative number less than cookie.maxAge', () => {
      expect(resolveSessionOptions({ secret, touchAfter: 60_000, cookie: { maxAge: 3_600_000 } }).touchAfter).toBe(60_000);
      expect(resolveSessionOptions({ secret, touchAfter: 0, cookie: { maxAge: 1_000 } }).touchAfter).toBe(0);
      expect(resolveSessionOptions({ secret }).touchAfter).toBeUndefined();
    });

    it.each([-1, Number.NaN, Infinity, '60000', null])('refuses %p', (touchAfter) => {
      const error = optionsError({ secret, touchAfter, cookie: { maxAge: 3_600_000 } });
      expect(error.option).toBe('touchAfter');
      expect(error.message).toContain('must be a number of milliseconds (0 or more)');
    });

    it('refuses an interval of cookie.maxAge or more: sessions would expire before their touch is due', () => {
      const error = optionsError({ secret, touchAfter: 3_600_000, cookie: { maxAge: 3_600_000 } });
      expect(error.option).toBe('touchAfter');
      expect(error.message).toContain('must be less than cookie.maxAge (3600000 ms)');
    });

    it('warns that a browser-session cookie has no expiry to move', () => {
      const warnings: string[] = [];
      expect(resolveSessionOptions({ secret, touchAfter: 1_000 }, (message) => warnings.push(message)).touchAfter).toBe(1_000);
      expect(warnings).toEqual([expect.stringContaining('`touchAfter` has no effect without `cookie.maxAge`')]);
    });
  });
});
