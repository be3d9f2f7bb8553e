import { jest } from '@jest/globals';
import { SessionStateError, SessionStoreError, SessionStoreUnavailableError } from '../../../lib/core/errors.js';
import type { SessionRequest } from '../../../lib/core/http/http-types.js';
import { resolveSessionOptions } from '../../../lib/core/options/resolve-options.js';
import type { CheckedCookieOptions } from '../../../lib/core/options/cookie-options.js';
import { takeFlash } from '../../../lib/core/session/flash.js';
import type { Session } from '../../../lib/core/session/session.js';
import { SessionLifecycle } from '../../../lib/core/lifecycle/session-lifecycle.js';
import { CookieTransport } from '../../../lib/core/transport/cookie-transport.js';
import type { SessionOptions } from '../../../lib/core/options/session-options.js';
import type { SessionRecord } from '../../../lib/core/store/session-store.js';
import { MemoryStore } from '../../../lib/stores/memory/memory-store.js';
import { fakeRequest, fakeResponse } from '../../support/fake-http.js';
import { TEST_SECRET } from '../../support/test-secret.js';

const secret = TEST_SECRET;
const NOW = Date.UTC(2030, 0, 1);
type Data = Record<string, unknown>;

let store: MemoryStore;

beforeEach(() => {
  jest.useFakeTimers({ now: NOW });
  store = new MemoryStore({ checkPeriod: 0 });
});
afterEach(() => {
  jest.useRealTimers();
});

function lifecycleFor(options: Partial<SessionOptions> = {}, request: SessionRequest = fakeRequest(), cookieSessionId?: string) {
  const resolved = resolveSessionOptions({ secret, ...options });
  const cookieOptions = resolved.cookieOptions as CheckedCookieOptions | ((request: SessionRequest) => CheckedCookieOptions);
  const checked = typeof cookieOptions === 'function' ? cookieOptions(request) : cookieOptions;
  const received = cookieSessionId === undefined ? undefined : { sessionId: cookieSessionId, currentSignedValue: undefined, currentEncodedValue: undefined };
  return { request, lifecycle: new SessionLifecycle(request, resolved, store, new CookieTransport(resolved), checked, [secret], received) };
}

/** Ends the request the way the response hooks do: store step first, then the headers. */
async function finish(lifecycle: SessionLifecycle) {
  const response = fakeResponse();
  await lifecycle.commitAtEnd();
  lifecycle.writeSessionId(response);
  return response.setCookies();
}

function storedRecord(data: Data = {}, maxAge: number | null = 60_000): SessionRecord {
  return {
    cookie: { originalMaxAge: maxAge, expires: maxAge === null ? null : new Date(Date.now() + maxAge).toISOString(), path: '/', httpOnly: true },
    ...data,
  };
}

/** A lifecycle over a session that is already in the store, as loaded from its cookie. */
async function loaded(options: Partial<SessionOptions> = {}, data: Data = { n: 1 }, maxAge: number | null = 60_000) {
  await store.set('sid', storedRecord(data, maxAge));
  const { request, lifecycle } = lifecycleFor(options, fakeRequest(), 'sid');
  lifecycle.inflate('sid', (await store.get('sid'))!);
  return { request, lifecycle, session: request.session as Session & Data };
}

describe('SessionLifecycle', () => {
  describe('generate', () => {
    it('puts a new session with genid’s id on the request', () => {
      const genid = jest.fn((_request: SessionRequest) => 'generated-id');
      const { request, lifecycle } = lifecycleFor({ genid, cookie: { maxAge: 1_000, path: '/', domain: 'example.com' } });
      lifecycle.generate();
      expect(genid).toHaveBeenCalledWith(request);
      expect(request.sessionID).toBe('generated-id');
      expect(request.session!.id).toBe('generated-id');
      expect(request.session!.cookie).toMatchObject({ path: '/', domain: 'example.com', originalMaxAge: 1_000, httpOnly: true, secure: false });
    });

    it.each([[''], [undefined], [42]])('rejects a genid result of %p with SessionStateError', (generated) => {
      const { lifecycle } = lifecycleFor({ genid: () => generated as never });
      expect(() => lifecycle.generate()).toThrow(SessionStateError);
    });

    it.each([
      ['HTTPS (req.secure)', { secure: true }, true, 'none'],
      ['HTTP', { secure: false }, false, 'lax'],
    ] as const)("resolves 'auto' secure and sameSite over %s", (_label, requestFields, secure, sameSite) => {
      const { request, lifecycle } = lifecycleFor({ cookie: { secure: 'auto', sameSite: 'auto' } }, fakeRequest(undefined, requestFields));
      lifecycle.generate();
      expect(request.session!.cookie).toMatchObject({ secure, sameSite });
    });

    it("resolves 'auto' for a cookie function's result too", () => {
      const { request, lifecycle } = lifecycleFor(
        { cookie: () => ({ secure: 'auto', sameSite: 'auto' }), proxy: true },
        fakeRequest(undefined, { headers: { 'x-forwarded-proto': 'https' } }),
      );
      lifecycle.generate();
      expect(request.session!.cookie).toMatchObject({ secure: true, sameSite: 'none' });
    });
  });

  describe('commit of a new session', () => {
    it('an unmodified one is not saved and gets no cookie', async () => {
      const { lifecycle } = lifecycleFor();
      lifecycle.generate();
      expect(await finish(lifecycle)).toEqual([]);
      expect(await store.length()).toBe(0);
    });

    it("saveUninitialized saves it with mode 'create' and sends the cookie", async () => {
      const setSpy = jest.spyOn(store, 'set');
      const { request, lifecycle } = lifecycleFor({ saveUninitialized: true });
      lifecycle.generate();
      expect(await finish(lifecycle)).toHaveLength(1);
      expect(setSpy).toHaveBeenCalledWith(request.sessionID, expect.anything(), expect.objectContaining({ mode: 'create' }));
    });

    it('a Secure cookie is not sent over plain HTTP, and the new session it names is not stored', async () => {
      const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const { request, lifecycle } = lifecycleFor({ cookie: { secure: true } });
      lifecycle.generate();
      (request.session as Session & Data).userId = 'u1';
      expect(await finish(lifecycle)).toEqual([]);
      expect(await store.length()).toBe(0);
      const secureWarnings = emitWarning.mock.calls.filter(([message]) => /Secure/i.test(String(message)));
      expect(secureWarnings).toHaveLength(1);
      emitWarning.mockRestore();
    });

    it('a save during the request then an unchanged end writes once', async () => {
      const setSpy = jest.spyOn(store, 'set');
      const { request, lifecycle } = lifecycleFor();
      lifecycle.generate();
      (request.session as Session & Data).userId = 'u1';
      await request.session!.save();
      expect(await finish(lifecycle)).toHaveLength(1);
      expect(setSpy).toHaveBeenCalledTimes(1);
      expect(setSpy.mock.calls[0]![2]).toMatchObject({ mode: 'create' });
    });
  });

  describe('commit of a loaded session', () => {
    it('unmodified: touched in the store (expiry reset, data kept), no cookie', async () => {
      const { lifecycle, session } = await loaded();
      const touchSpy = jest.spyOn(store, 'touch');
      const setSpy = jest.spyOn(store, 'set');
      jest.setSystemTime(NOW + 30_000);
      expect(session.cookie.maxAge).toBe(30_000);
      expect(await finish(lifecycle)).toEqual([]);
      expect(setSpy).not.toHaveBeenCalled();
      expect(touchSpy).toHaveBeenCalledTimes(1);
      expect((await store.get('sid'))!.cookie.expires).toBe(new Date(NOW + 90_000).toISOString());
    });

    it('modified, persistent cookie: its changes merged into the stored session and the cookie re-sent', async () => {
      const { lifecycle, session } = await loaded();
      const mergeSpy = jest.spyOn(store, 'merge');
      session.n = 2;
      expect(await finish(lifecycle)).toHaveLength(1);
      expect(mergeSpy).toHaveBeenCalledWith('sid', expect.objectContaining({ n: 2 }), expect.objectContaining({ setKeys: new Map([['n', '2']]), deletedKeys: [] }), expect.anything());
    });

    it("on a store without merge: written whole with mode 'update'", async () => {
      const { lifecycle, session } = await loaded();
      Object.defineProperty(store, 'merge', { value: undefined });
      const setSpy = jest.spyOn(store, 'set');
      session.n = 2;
      expect(await finish(lifecycle)).toHaveLength(1);
      expect(setSpy).toHaveBeenCalledWith('sid', expect.objectContaining({ n: 2 }), expect.objectContaining({ mode: 'update' }));
    });

    it('modified, browser-session cookie: saved, no cookie (express-session)', async () => {
      const { lifecycle, session } = await loaded({}, { n: 1 }, null);
      session.n = 2;
      expect(await finish(lifecycle)).toEqual([]);
      expect((await store.get('sid'))!.n).toBe(2);
    });

    it('rolling re-sends the cookie of an unmodified session', async () => {
      const { lifecycle } = await loaded({ rolling: true });
      expect(await finish(lifecycle)).toHaveLength(1);
    });

    it('resave writes an unmodified session', async () => {
      const { lifecycle } = await loaded({ resave: true });
      const mergeSpy = jest.spyOn(store, 'merge');
      expect(await finish(lifecycle)).toEqual([]);
      expect(mergeSpy).toHaveBeenCalledWith('sid', expect.anything(), expect.objectContaining({ setKeys: new Map(), deletedKeys: [] }), expect.anything());
    });

    it('a changed cookie lifetime counts as a modification', async () => {
      const { lifecycle, session } = await loaded();
      const mergeSpy = jest.spyOn(store, 'merge');
      session.cookie.maxAge = 3_600_000;
      expect(await finish(lifecycle)).toHaveLength(1);
      expect(mergeSpy).toHaveBeenCalledTimes(1);
      expect((await store.get('sid'))!.cookie.originalMaxAge).toBe(3_600_000);
    });

    it("with unset 'destroy', setting req.session to null destroys it and expires the cookie", async () => {
      const { request, lifecycle } = await loaded({ unset: 'destroy' });
      request.session = null;
      const setCookies = await finish(lifecycle);
      expect(await store.get('sid')).toBeUndefined();
      expect(setCookies).toHaveLength(1);
      expect(setCookies[0]).toContain('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    });

    it("with unset 'keep' (default), setting req.session to null keeps it", async () => {
      const { request, lifecycle } = await loaded();
      request.session = null;
      expect(await finish(lifecycle)).toEqual([]);
      expect(await store.get('sid')).toBeDefined();
    });
  });

  describe('flash messages', () => {
    const stored = { n: 1, __flash: { m1: { key: 'notice', value: 'one' } } };

    it('read on a store that takes them: removed there at once, and nothing more is saved (the session is touched)', async () => {
      const { lifecycle, session } = await loaded({}, stored);
      const mergeSpy = jest.spyOn(store, 'merge');
      const touchSpy = jest.spyOn(store, 'touch');
      expect(await takeFlash(session, 'notice')).toEqual(['one']);
      expect(await store.get('sid')).not.toHaveProperty('__flash');
      expect(await finish(lifecycle)).toEqual([]);
      expect(mergeSpy).not.toHaveBeenCalled();
      expect(touchSpy).toHaveBeenCalledTimes(1);
    });

    it('read in a request that ends in a 5xx: saved back, with what the request flashed', async () => {
      const { lifecycle, session } = await loaded({}, stored);
      expect(await takeFlash(session)).toEqual({ notice: ['one'] });
      session.flash('error', 'two');
      await lifecycle.commitAtEnd(500);
      const messages = Object.values((await store.get('sid'))!.__flash as object);
      expect(messages).toHaveLength(2);
      expect(messages).toEqual(expect.arrayContaining([{ key: 'notice', value: 'one' }, { key: 'error', value: 'two' }]));
    });

    it('rotate() moves the messages another request flashed meanwhile along with its own', async () => {
      const { lifecycle, session } = await loaded({}, stored);
      session.flash('notice', 'mine');
      // Another request flashed and saved while this one ran.
      await store.set('sid', storedRecord({ ...stored, __flash: { ...stored.__flash, m2: { key: 'notice', value: 'theirs' } } }));
      const rotated = await session.rotate();
      await finish(lifecycle);
      const messages = Object.values((await store.get(rotated.id))!.__flash as object).map((message: { value: string }) => message.value);
      expect(messages.sort()).toEqual(['mine', 'one', 'theirs']);
    });

    it('read on a store that cannot take them: removed with the save', async () => {
      const { lifecycle, session } = await loaded({}, stored);
      Object.defineProperty(store, 'takeFlashMessages', { value: undefined });
      expect(await takeFlash(session, 'notice')).toEqual(['one']);
      expect((await store.get('sid'))!.__flash).toEqual(stored.__flash);
      await finish(lifecycle);
      expect(await store.get('sid')).not.toHaveProperty('__flash');
    });
  });

  describe('session methods', () => {
    it('reload replaces req.session with the stored copy', async () => {
      const { request, session } = await loaded();
      session.n = 99;
      const reloaded = (await session.reload()) as Session & Data;
      expect(reloaded).not.toBe(session);
      expect(request.session).toBe(reloaded);
      expect(reloaded.n).toBe(1);
    });

    it('reload of a session gone from the store rejects with SessionStateError', async () => {
      const { session } = await loaded();
      await store.destroy('sid');
      await expect(session.reload()).rejects.toBeInstanceOf(SessionStateError);
      // express-session's wording, which apps and logs match on.
      await expect(session.reload()).rejects.toThrow('failed to load session');
    });

    it('destroy removes req.session and the stored session; a later save is ignored', async () => {
      const { request, lifecycle, session } = await loaded();
      await session.destroy();
      expect(request.session).toBeUndefined();
      await session.save();
      expect(await store.get('sid')).toBeUndefined();
      const setCookies = await finish(lifecycle);
      expect(setCookies[0]).toMatch(/^connect\.sid=;/);
    });

    it('regenerate puts a new session in place even when destroying the old one fails', async () => {
      const { request, session } = await loaded();
      jest.spyOn(store, 'destroy').mockRejectedValueOnce(new Error('destroy failed'));
      await expect(session.regenerate()).rejects.toThrow('destroy failed');
      expect(request.sessionID).not.toBe('sid');
      expect(request.session).not.toBe(session);
      expect((request.session as Session & Data).n).toBeUndefined();
    });

    it('a regenerated session is saved with mode create and the cookie carries the new id', async () => {
      const { request, lifecycle, session } = await loaded();
      const setSpy = jest.spyOn(store, 'set');
      const fresh = (await session.regenerate()) as Session & Data;
      fresh.userId = 'u2';
      const setCookies = await finish(lifecycle);
      expect(setSpy).toHaveBeenCalledWith(request.sessionID, expect.objectContaining({ userId: 'u2' }), expect.objectContaining({ mode: 'create' }));
      expect(setCookies).toHaveLength(1);
      expect(setCookies[0]).toContain(encodeURIComponent(request.sessionID!));
      expect(await store.get('sid')).toBeUndefined();
    });
  });

  describe('rotate', () => {
    it('keeps the data, cookie settings and absolute-timeout start under a new id; regenerate empties', async () => {
      await store.set('sid', { ...storedRecord({ n: 1, cart: ['a'] }), cookie: { ...storedRecord().cookie, createdAt: NOW - 5_000 } });
      const { request, lifecycle } = lifecycleFor({ absoluteTimeout: 60_000 }, fakeRequest(), 'sid');
      lifecycle.inflate('sid', (await store.get('sid'))!);
      const session = request.session as Session & Data;
      const rotated = (await session.rotate()) as Session & Data;
      expect(request.session).toBe(rotated);
      expect(request.sessionID).toBe(rotated.id);
      expect(rotated.id).not.toBe('sid');
      expect({ n: rotated.n, cart: rotated.cart }).toEqual({ n: 1, cart: ['a'] });
      // A rotation does not restart the absolute timeout.
      expect(rotated.cookie.createdAt).toBe(NOW - 5_000);
      expect(rotated.cookie.toJSON()).toEqual(session.cookie.toJSON());
      expect(await store.get('sid')).toBeUndefined();
      expect(await store.get(rotated.id)).toMatchObject({ n: 1, cart: ['a'] });
      const regenerated = (await rotated.regenerate()) as Session & Data;
      expect(regenerated.n).toBeUndefined();
      expect(await store.get(rotated.id)).toBeUndefined();
    });

    it('the response carries the cookie of the new id', async () => {
      const { request, lifecycle, session } = await loaded();
      await session.rotate();
      const setCookies = await finish(lifecycle);
      expect(setCookies).toHaveLength(1);
      expect(setCookies[0]).toContain(encodeURIComponent(request.sessionID!));
      expect(request.sessionID).not.toBe('sid');
    });

    it('a failed write of the new id leaves the request with its session, and the old id stored', async () => {
      const { request, session } = await loaded();
      jest.spyOn(store, 'set').mockRejectedValueOnce(new Error('write failed'));
      await expect(session.rotate()).rejects.toBeInstanceOf(SessionStoreError);
      expect(request.session).toBe(session);
      expect(request.sessionID).toBe('sid');
      expect(await store.get('sid')).toMatchObject({ n: 1 });
    });

    it('a failed take of the old id leaves the request with its session, the old id stored and no new id', async () => {
      const { request, lifecycle, session } = await loaded();
      jest.spyOn(store, 'take').mockRejectedValueOnce(new Error('connection reset'));
      await expect(session.rotate()).rejects.toBeInstanceOf(SessionStoreError);
      expect(request.session).toBe(session);
      expect(await store.ids()).toEqual(['sid']);
      session.n = 2;
      const setCookies = await finish(lifecycle);
      expect(setCookies).toHaveLength(1);
      expect(await store.get('sid')).toMatchObject({ n: 2 });
      expect(await store.ids()).toEqual(['sid']);
    });

    it('a failed rewrite of the new id, once the old one is taken, leaves the request with the new session, saved at the end', async () => {
      await store.set('sid', storedRecord({ n: 1 }));
      const { request, lifecycle } = lifecycleFor({}, fakeRequest(), 'sid');
      lifecycle.inflate('sid', (await store.get('sid'))!);
      const session = request.session as Session & Data;
      // Another request's write, confirmed after this one loaded the session.
      await store.set('sid', storedRecord({ n: 1, confirmed: true }));
      jest.spyOn(store, 'merge').mockRejectedValueOnce(new Error('connection reset'));
      await expect(session.rotate()).rejects.toBeInstanceOf(SessionStoreError);
      const rotated = request.session as Session & Data;
      expect(rotated.id).not.toBe('sid');
      expect(request.sessionID).toBe(rotated.id);
      const setCookies = await finish(lifecycle);
      expect(setCookies[0]).toContain(encodeURIComponent(rotated.id));
      expect(await store.ids()).toEqual([rotated.id]);
      expect(await store.get(rotated.id)).toMatchObject({ n: 1, confirmed: true });
    });

    it('destroy() of the object rotate() replaced, after rotating twice, ends the newest id and expires the cookie', async () => {
      const { request, lifecycle, session } = await loaded();
      const rotated = await session.rotate();
      await rotated.rotate();
      await session.destroy();
      expect(request.session).toBeUndefined();
      expect(await store.ids()).toEqual([]);
      const setCookies = await finish(lifecycle);
      expect(setCookies).toHaveLength(1);
      expect(setCookies[0]).toContain('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
      expect(await store.ids()).toEqual([]);
    });

    it('a session ended elsewhere meanwhile (revoked, logged out) does not live on under a new id', async () => {
      const { request, lifecycle, session } = await loaded();
      await store.destroy('sid');
      await expect(session.rotate()).rejects.toThrow('no longer exists');
      expect(await store.length()).toBe(0);
      expect(request.session).toBe(session);
      expect(await finish(lifecycle)).toEqual([]);
      expect(await store.length()).toBe(0);
    });

    it('refuses a destroyed session, and a late save of the old object cannot bring the old id back', async () => {
      const destroyed = await loaded();
      await destroyed.session.destroy();
      await expect(destroyed.session.rotate()).rejects.toBeInstanceOf(SessionStateError);

      const { session } = await loaded();
      await session.rotate();
      session.n = 5;
      await session.save();
      expect(await store.get('sid')).toBeUndefined();
    });
  });

  describe('a session the store no longer has', () => {
    it('a touch that finds nothing (destroyed elsewhere) sends no cookie, even with rolling', async () => {
      const { lifecycle } = await loaded({ rolling: true });
      await store.destroy('sid');
      expect(await finish(lifecycle)).toEqual([]);
      expect(await store.get('sid')).toBeUndefined();
    });

    it('a refused update (destroyed elsewhere) sends no cookie for the changed session', async () => {
      const { lifecycle, session } = await loaded();
      session.n = 2;
      await store.destroy('sid');
      expect(await finish(lifecycle)).toEqual([]);
      expect(await store.get('sid')).toBeUndefined();
    });

    it('control: the same requests with the session still stored send the cookie', async () => {
      const rolling = await loaded({ rolling: true });
      expect(await finish(rolling.lifecycle)).toHaveLength(1);
    });
  });

  describe('store failures in session methods', () => {
    it('a failed destroy leaves the session on the request and the cookie unexpired, with a SessionStoreError', async () => {
      const { request, lifecycle, session } = await loaded();
      jest.spyOn(store, 'destroy').mockRejectedValueOnce(new SessionStoreUnavailableError('down'));
      await expect(session.destroy()).rejects.toBeInstanceOf(SessionStoreUnavailableError);
      expect(request.session).toBe(session);
      expect(await finish(lifecycle)).toEqual([]);
      expect(await store.get('sid')).toBeDefined();
    });

    it("a store's own error is wrapped in a SessionStoreError with it as cause", async () => {
      const { session } = await loaded();
      const cause = new Error('connection reset');
      jest.spyOn(store, 'destroy').mockRejectedValueOnce(cause);
      const failure = await session.destroy().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SessionStoreError);
      expect((failure as Error).cause).toBe(cause);
    });
  });

  it('abandon() keeps the cookie off an error response', async () => {
    const { request, lifecycle } = lifecycleFor();
    lifecycle.generate();
    (request.session as Session & Data).userId = 'u1';
    lifecycle.abandon();
    expect(await finish(lifecycle)).toEqual([]);
  });
});
