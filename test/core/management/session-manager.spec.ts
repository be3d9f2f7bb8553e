import diagnosticsChannel from 'node:diagnostics_channel';
import { jest } from '@jest/globals';
import { SESSION_CHANNELS } from '../../../lib/core/lifecycle/session-events.js';
import { sign } from 'cookie-signature';
import { SessionOptionsError, SessionStoreError, SessionStoreUnavailableError } from '../../../lib/core/errors.js';
import type { SessionRequest } from '../../../lib/core/http/http-types.js';
import { resolveSessionOptions } from '../../../lib/core/options/resolve-options.js';
import { Session } from '../../../lib/core/session/session.js';
import { SessionManager, attachOutcomeOf } from '../../../lib/core/management/session-manager.js';
import type { SessionOptions } from '../../../lib/core/options/session-options.js';
import { MemoryStore } from '../../../lib/stores/memory/memory-store.js';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import { RequestLoad, offerRequestLoad } from '../../../lib/core/store/request-load.js';
import { SessionStore } from '../../../lib/core/store/session-store.js';
import type { SessionRecord } from '../../../lib/core/store/session-store.js';
import { cookieHeaderFrom, fakeRequest, fakeResponse } from '../../support/fake-http.js';
import { TEST_SECRET } from '../../support/test-secret.js';

const secret = TEST_SECRET;
const signedCookie = (sessionId: string) => `connect.sid=${encodeURIComponent('s:' + sign(sessionId, secret))}`;

type Data = Record<string, unknown>;
type Handler = (request: SessionRequest) => unknown;

let store: MemoryStore;
let manager: SessionManager;

function setUp(options: Partial<SessionOptions> = {}): void {
  store = new MemoryStore({ checkPeriod: 0 });
  manager = new SessionManager(resolveSessionOptions({ secret, ...options }), store);
}

/** One request through the manager: attach, run the handler, end the response, wait for the commit. */
async function roundTrip(cookieHeader?: string, handler: Handler = () => undefined, request = fakeRequest(cookieHeader)) {
  const response = fakeResponse();
  const outcome = await manager.attach(request, response);
  await handler(request);
  response.end('body');
  const endArgs = await response.finished;
  const setCookies = response.setCookies();
  return { request, response, outcome, endArgs, setCookies, nextCookie: setCookies[0] ? cookieHeaderFrom(setCookies[0]) : cookieHeader };
}

const session = (request: SessionRequest) => request.session as Session & Data;

beforeEach(() => setUp());
afterEach(() => manager.dispose());

describe('SessionManager', () => {
  it('generates a new session when the request has no cookie; an unmodified one is neither saved nor sent', async () => {
    const { request, outcome, setCookies, endArgs } = await roundTrip(undefined, (req) => {
      expect(req.session).toBeInstanceOf(Session);
      expect(req.sessionID).toBe(req.session!.id);
      // The store behind a view whose methods also take callbacks (request-store.spec.ts).
      expect(req.sessionStore).toBeInstanceOf(MemoryStore);
    });
    expect(outcome).toBe('attached');
    expect(attachOutcomeOf(request)).toBe('attached');
    expect(setCookies).toEqual([]);
    expect(await store.length()).toBe(0);
    expect(endArgs).toEqual(['body']);
  });

  it("saves a modified new session with mode 'create' and sends a signed cookie", async () => {
    const setSpy = jest.spyOn(store, 'set');
    const { request, setCookies } = await roundTrip(undefined, (req) => {
      session(req).userId = 'u1';
    });
    expect(setSpy).toHaveBeenCalledWith(request.sessionID, expect.objectContaining({ userId: 'u1' }), expect.objectContaining({ mode: 'create' }));
    expect(setCookies).toHaveLength(1);
    expect(setCookies[0]).toMatch(new RegExp(`^connect\\.sid=s%3A${request.sessionID}\\.`));
    expect(await store.get(request.sessionID!)).toMatchObject({ userId: 'u1' });
  });

  it('loads the stored session from the cookie and saves the changed keys into it (a merge)', async () => {
    const first = await roundTrip(undefined, (req) => {
      session(req).visits = 1;
    });
    const setSpy = jest.spyOn(store, 'set');
    const mergeSpy = jest.spyOn(store, 'merge');
    const touchSpy = jest.spyOn(store, 'touch');
    const second = await roundTrip(first.nextCookie, (req) => {
      expect(req.sessionID).toBe(first.request.sessionID);
      expect(session(req).visits).toBe(1);
    });
    expect(setSpy).not.toHaveBeenCalled();
    expect(touchSpy).toHaveBeenCalledTimes(1);
    expect(second.setCookies).toEqual([]);
    await roundTrip(first.nextCookie, (req) => {
      session(req).visits = 2;
    });
    expect(setSpy).not.toHaveBeenCalled();
    expect(mergeSpy).toHaveBeenCalledWith(
      first.request.sessionID,
      expect.objectContaining({ visits: 2 }),
      expect.objectContaining({ setKeys: new Map([['visits', '2']]), deletedKeys: [] }),
      expect.anything(),
    );
    expect((await store.get(first.request.sessionID!))!.visits).toBe(2);
  });

  describe("change detection from the MemoryStore's stored text (no serialization of the loaded session)", () => {
    const thirtyKeys = Object.fromEntries(Array.from({ length: 30 }, (_, index) => [`key${index}`, { index, at: `2030-01-0${(index % 9) + 1}` }]));
    /** What the store was asked to do, by the lifecycle events (spying on its methods would turn its immediate calls off). */
    let events: string[] = [];
    const listeners = (['saved', 'touched'] as const).map((event) => [SESSION_CHANNELS[event], () => events.push(event)] as const);
    beforeEach(() => {
      events = [];
      for (const [channel, listener] of listeners) diagnosticsChannel.subscribe(channel, listener);
    });
    afterEach(() => {
      for (const [channel, listener] of listeners) diagnosticsChannel.unsubscribe(channel, listener);
    });

    it.each([
      ['one key', { visits: 1 }],
      ['30 keys (a hash-table session)', thirtyKeys],
      ['no data', {}],
    ])('an unmodified session is touched, not saved; a change is saved (%s)', async (_name, data) => {
      setUp({ resave: false, cookie: { maxAge: 60_000 } });
      const first = await roundTrip(undefined, (req) => {
        Object.assign(session(req), data, { written: true });
      });
      await roundTrip(first.nextCookie, (req) => {
        expect(session(req)).toMatchObject(data);
      });
      expect(events).toEqual(['touched']);
      await roundTrip(first.nextCookie, (req) => {
        session(req).key0 = 'changed';
      });
      expect(events).toEqual(['touched', 'saved']);
      expect(await store.get(first.request.sessionID!)).toMatchObject({ key0: 'changed', written: true });
    });

    it("leaves a stored key the session drops (one of express-session's names) in the store, as express-session does", async () => {
      setUp({ resave: false, cookie: { maxAge: 60_000 } });
      const first = await roundTrip(undefined, (req) => {
        session(req).visits = 1;
      });
      const sessionId = first.request.sessionID!;
      const stored = (await store.get(sessionId))!;
      await store.set(sessionId, { ...stored, save: 'stored by another app', regenerate: 1 } as never);
      await roundTrip(first.nextCookie, (req) => {
        expect(typeof session(req).save).toBe('function');
        expect(session(req).visits).toBe(1);
      });
      expect(events).toEqual(['touched']);
      expect(await store.get(sessionId)).toMatchObject({ visits: 1, save: 'stored by another app' });
    });
  });

  describe("a waiting store's load for requests (RequestLoad)", () => {
    /** An async store that reads its own records for requests, as the RedisStore does: the record, its data's JSON and its cookie, made by the store. */
    class LoadingStore extends SessionStore {
      readonly texts = new Map<string, string>();
      readonly loadedCookies: SessionCookie[] = [];
      constructor() {
        super();
        offerRequestLoad(this, (sessionId) => this.#loadForRequest(sessionId), LoadingStore.prototype.get);
      }
      async get(sessionId: string): Promise<SessionRecord | undefined> {
        const text = this.texts.get(sessionId);
        return text === undefined ? undefined : (JSON.parse(text) as SessionRecord);
      }
      async set(sessionId: string, record: SessionRecord): Promise<boolean> {
        this.texts.set(sessionId, JSON.stringify(record));
        return true;
      }
      async destroy(sessionId: string): Promise<void> {
        this.texts.delete(sessionId);
      }
      async #loadForRequest(sessionId: string): Promise<RequestLoad | SessionRecord | undefined> {
        const record = await this.get(sessionId);
        if (record === undefined) return undefined;
        const { cookie: storedCookie, ...data } = record;
        const cookie = SessionCookie.fromStored(storedCookie);
        this.loadedCookies.push(cookie);
        return new RequestLoad(record, JSON.stringify(data), cookie);
      }
    }

    it('puts the cookie and data the store made on the request, without a check of its own', async () => {
      const loadingStore = new LoadingStore();
      manager = new SessionManager(resolveSessionOptions({ secret }), loadingStore);
      const created = await roundTrip(undefined, (req) => {
        session(req).views = 1;
      });
      const { request } = await roundTrip(created.nextCookie, (req) => {
        session(req).views = (session(req).views as number) + 1;
      });
      expect(loadingStore.loadedCookies).toHaveLength(1);
      expect(request.session!.cookie).toBe(loadingStore.loadedCookies[0]);
      expect(JSON.parse(loadingStore.texts.get(request.sessionID!)!)).toMatchObject({ views: 2 });
    });

    it('loads through get() when a subclass or the instance overrides it', async () => {
      const loadingStore = new LoadingStore();
      const get = loadingStore.get.bind(loadingStore);
      manager = new SessionManager(resolveSessionOptions({ secret }), loadingStore);
      const created = await roundTrip(undefined, (req) => {
        session(req).views = 1;
      });
      const overridden = jest.fn(get);
      loadingStore.get = overridden;
      const { request } = await roundTrip(created.nextCookie);
      expect(overridden).toHaveBeenCalledTimes(1);
      expect(loadingStore.loadedCookies).toHaveLength(0);
      expect(session(request).views).toBe(1);
    });
  });

  it('never adopts an id the store does not know: a new id is generated', async () => {
    const { request, setCookies } = await roundTrip(signedCookie('attacker-chosen'), (req) => {
      session(req).userId = 'u1';
    });
    expect(request.sessionID).not.toBe('attacker-chosen');
    expect(await store.get('attacker-chosen')).toBeUndefined();
    expect(setCookies[0]).not.toContain('attacker-chosen');
  });

  it.each<[string, unknown]>([
    ['a record without cookie', { userId: 'u1' }],
    ['a cookie that is not an object', { cookie: 'x', userId: 'u1' }],
    ['a string', 'garbage'],
    ['an array', [1, 2]],
  ])('starts a new session when the store holds %s', async (_label, storedValue) => {
    jest.spyOn(store, 'get').mockResolvedValueOnce(storedValue as never);
    const { request } = await roundTrip(signedCookie('stored-id'), (req) => {
      expect(session(req).userId).toBeUndefined();
    });
    expect(request.sessionID).not.toBe('stored-id');
  });

  it("checks the MemoryStore's records at load unless a session wrote them (set or touched from elsewhere)", async () => {
    const unusableCookie = { originalMaxAge: null, expires: null, path: 5 };
    await store.set('set-elsewhere', { cookie: unusableCookie, userId: 'u1' } as never);
    expect((await roundTrip(signedCookie('set-elsewhere'))).request.sessionID).not.toBe('set-elsewhere');

    await store.set('valid-elsewhere', { cookie: { originalMaxAge: null, expires: null, path: '/' }, userId: 'u2' });
    const adopted = await roundTrip(signedCookie('valid-elsewhere'), (req) => {
      expect(session(req).userId).toBe('u2');
      session(req).visits = 1;
    });
    expect(adopted.request.sessionID).toBe('valid-elsewhere');
    // Written from the session now; a touch with another cookie makes it checked again.
    expect((await roundTrip(signedCookie('valid-elsewhere'))).request.sessionID).toBe('valid-elsewhere');
    await store.touch('valid-elsewhere', { cookie: unusableCookie } as never);
    expect((await roundTrip(signedCookie('valid-elsewhere'))).request.sessionID).not.toBe('valid-elsewhere');
  });

  it('loads a record whose stored cookie.expires is past: expiry is the store\'s business', async () => {
    // A store that touches with EXPIRE (Redis) keeps the expiry of the last save in the value.
    const staleExpiry = { cookie: { originalMaxAge: 1000, expires: new Date(0).toISOString() }, userId: 'u1' };
    jest.spyOn(store, 'get').mockResolvedValueOnce(staleExpiry as never);
    const { request } = await roundTrip(signedCookie('stored-id'), (req) => {
      expect(session(req).userId).toBe('u1');
    });
    expect(request.sessionID).toBe('stored-id');
  });

  it('rejects with SessionStoreError (500) when the store fails to load', async () => {
    const failure = new Error('disk on fire');
    jest.spyOn(store, 'get').mockRejectedValueOnce(failure);
    const request = fakeRequest(signedCookie('some-id'));
    const attached = manager.attach(request, fakeResponse());
    await expect(attached).rejects.toBeInstanceOf(SessionStoreError);
    await expect(attached).rejects.not.toBeInstanceOf(SessionStoreUnavailableError);
    const error = (await attached.catch((caught: unknown) => caught)) as SessionStoreError;
    expect(error.statusCode).toBe(500);
    expect(error.cause).toBe(failure);
    expect(error.message).toContain('disk on fire');
  });

  it('rejects with the SessionStoreUnavailableError (503) of a store that is down', async () => {
    const unavailable = new SessionStoreUnavailableError('store down');
    jest.spyOn(store, 'get').mockRejectedValueOnce(unavailable);
    const attached = manager.attach(fakeRequest(signedCookie('some-id')), fakeResponse());
    await expect(attached).rejects.toBe(unavailable);
    expect(unavailable.statusCode).toBe(503);
  });

  it("with storeUnavailable: 'continue' lets the request through without a session", async () => {
    manager.dispose();
    setUp({ storeUnavailable: 'continue' });
    jest.spyOn(store, 'get').mockRejectedValueOnce(new SessionStoreUnavailableError('store down'));
    const request = fakeRequest(signedCookie('some-id'));
    expect(await manager.attach(request, fakeResponse())).toBe('store-unavailable');
    expect(request.session).toBeUndefined();
    expect(request.sessionID).toBeUndefined();
    // Other failures still reject.
    jest.spyOn(store, 'get').mockRejectedValueOnce(new Error('bug'));
    await expect(manager.attach(fakeRequest(signedCookie('some-id')), fakeResponse())).rejects.toBeInstanceOf(SessionStoreError);
  });

  it('skips sessions between the store’s disconnect and connect events', async () => {
    store.emit('disconnect');
    expect(manager.isStoreConnected).toBe(false);
    const request = fakeRequest();
    expect(await manager.attach(request, fakeResponse())).toBe('store-disconnected');
    expect(request.session).toBeUndefined();
    store.emit('connect');
    expect(manager.isStoreConnected).toBe(true);
    expect(await manager.attach(fakeRequest(), fakeResponse())).toBe('attached');
  });

  it('dispose stops listening to the store', () => {
    manager.dispose();
    store.emit('disconnect');
    expect(manager.isStoreConnected).toBe(true);
  });

  it('leaves a request that already has a session alone', async () => {
    const existing = { already: true } as never;
    const request = fakeRequest(undefined, { session: existing });
    expect(await manager.attach(request, fakeResponse())).toBe('already-attached');
    expect(request.session).toBe(existing);
  });

  it('gives no session outside the cookie path', async () => {
    manager.dispose();
    setUp({ cookie: { path: '/app' } });
    const outside = fakeRequest(undefined, { url: '/other' });
    expect(await manager.attach(outside, fakeResponse())).toBe('outside-cookie-path');
    expect(outside.session).toBeUndefined();
    expect(await manager.attach(fakeRequest(undefined, { url: '/app/page?x=1' }), fakeResponse())).toBe('attached');
  });

  it('rejects with SessionOptionsError when secretFromRequest is set and req.secret is missing', async () => {
    manager.dispose();
    setUp({ secret: undefined, secretFromRequest: true });
    await expect(manager.attach(fakeRequest(), fakeResponse())).rejects.toBeInstanceOf(SessionOptionsError);
    // With cookie-parser's secret the cookie is signed with it.
    const { setCookies } = await roundTrip(undefined, (req) => void (session(req).a = 1), fakeRequest(undefined, { secret: 'parser-secret' }));
    expect(setCookies).toHaveLength(1);
  });

  it('destroy removes the stored session and expires the cookie', async () => {
    const first = await roundTrip(undefined, (req) => void (session(req).userId = 'u1'));
    const sessionId = first.request.sessionID!;
    const { request, setCookies } = await roundTrip(first.nextCookie, async (req) => {
      await session(req).destroy();
    });
    expect(request.session).toBeUndefined();
    expect(await store.get(sessionId)).toBeUndefined();
    expect(setCookies).toHaveLength(1);
    expect(setCookies[0]).toMatch(/^connect\.sid=;/);
    expect(setCookies[0]).toContain('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  });

  it('a save after destroy does not bring the session back', async () => {
    const first = await roundTrip(undefined, (req) => void (session(req).userId = 'u1'));
    const sessionId = first.request.sessionID!;
    await roundTrip(first.nextCookie, async (req) => {
      const loaded = session(req);
      await loaded.destroy();
      loaded.userId = 'changed';
      await loaded.save();
    });
    expect(await store.get(sessionId)).toBeUndefined();
  });

  it('a slow request ending after another request destroyed the session does not resurrect it', async () => {
    const first = await roundTrip(undefined, (req) => void (session(req).userId = 'u1'));
    const sessionId = first.request.sessionID!;
    const slowRequest = fakeRequest(first.nextCookie);
    const slowResponse = fakeResponse();
    await manager.attach(slowRequest, slowResponse);
    await roundTrip(first.nextCookie, (req) => session(req).destroy());
    session(slowRequest).cart = ['late'];
    slowResponse.end();
    await slowResponse.finished;
    expect(await store.get(sessionId)).toBeUndefined();
  });

  it('regenerate replaces the session with a new id and removes the old one', async () => {
    const first = await roundTrip(undefined, (req) => void (session(req).userId = 'u1'));
    const oldId = first.request.sessionID!;
    const { request, setCookies } = await roundTrip(first.nextCookie, async (req) => {
      const fresh = (await session(req).regenerate()) as Session & Data;
      expect(req.session).toBe(fresh);
      fresh.userId = 'u2';
    });
    expect(request.sessionID).not.toBe(oldId);
    expect(await store.get(oldId)).toBeUndefined();
    expect(await store.get(request.sessionID!)).toMatchObject({ userId: 'u2' });
    expect(setCookies[0]).toContain(request.sessionID);
  });

  it('wraps a failed end-of-request save in a SessionStoreError and still finishes the response', async () => {
    jest.spyOn(store, 'set').mockRejectedValueOnce(new Error('write failed'));
    const onCommitError = jest.fn((_error: unknown, finish: (body?: string) => void) => finish('error body'));
    const request = fakeRequest();
    const response = fakeResponse();
    await manager.attach(request, response, onCommitError);
    session(request).userId = 'u1';
    response.end('body');
    expect(await response.finished).toEqual(['error body']);
    expect(onCommitError.mock.calls[0]![0]).toBeInstanceOf(SessionStoreError);
    // No cookie goes with the error answer.
    expect(response.setCookies()).toEqual([]);
  });
});
