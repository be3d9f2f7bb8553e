import request from 'supertest';
import { ConflictException, Controller, Get, HttpCode, Post, Query, Req, UseGuards } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Session, SessionGuard, SessionStateError, SessionStore, UserSessions } from '../../lib/index.js';
import type { RequestWithSession, SessionModuleOptions } from '../../lib/index.js';
import { sessionCookie } from '../../lib/testing.js';
import { cookiePair, createSessionApp, sessionIdOf, setCookies } from './e2e-app.js';
import { holdableStore } from './held-store.js';
import { waitUntil } from './redis-server.js';
import { recordSessionEvents } from './session-events.js';
import type { Platform } from './platforms.js';

declare module '../../lib/index.js' {
  interface SessionData {
    /** Set after a rotation, as an app marks a confirmed password. */
    isElevated: boolean;
    /** Set before a rotation, by the rotating request. */
    note: string;
  }
}

/**
 * Holds requests in their handler until enough have loaded the session (so they really
 * overlap), and then until the test lets each one finish (so the order of saves is known).
 */
class RequestGate {
  readonly #arrivals = new Map<string, { count: number; expected: number; open: () => void; opened: Promise<void> }>();
  readonly #held = new Map<string, () => void>();

  /** Resolves once `expected` requests of `group` are waiting. */
  arrive(group: string, expected: number): Promise<void> {
    let barrier = this.#arrivals.get(group);
    if (!barrier) {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      barrier = { count: 0, expected, open, opened };
      this.#arrivals.set(group, barrier);
    }
    barrier.count += 1;
    if (barrier.count >= barrier.expected) barrier.open();
    return barrier.opened;
  }

  /** Resolves when the test calls `release(name)`. */
  hold(name: string): Promise<void> {
    return new Promise((resolve) => this.#held.set(name, resolve));
  }

  isHeld(name: string): boolean {
    return this.#held.has(name);
  }

  release(name: string): void {
    this.#held.get(name)!();
    this.#held.delete(name);
  }

  reset(): void {
    this.#arrivals.clear();
    this.#held.clear();
  }
}

export const gate = new RequestGate();

@Controller()
export class RotateMergeController {
  constructor(
    private readonly store: SessionStore,
    private readonly userSessions: UserSessions,
  ) {}

  @Post('login')
  @HttpCode(200)
  async login(@Session() session: Session, @Query('user') user = 'ada') {
    const fresh = await session.regenerate();
    fresh.userId = user;
    return { sessionId: fresh.id };
  }

  @Post('cart')
  @HttpCode(200)
  addToCart(@Session() session: Session, @Query('item') item: string) {
    session.cart = [...(session.cart ?? []), item];
    return { cart: session.cart };
  }

  /**
   * A privilege change that keeps the state: the user confirms their password, say. `note`
   * is set before rotating; `hold` holds the request (session loaded) until released. A
   * session ended or moved elsewhere meanwhile answers 409.
   */
  @Post('elevate')
  @HttpCode(200)
  async elevate(@Session() session: Session, @Query('note') note: string | undefined, @Query('hold') hold: string | undefined) {
    if (hold !== undefined) await gate.hold(hold);
    if (note !== undefined) session.note = note;
    const previousId = session.id;
    const rotated = await session.rotate().catch((error: unknown) => {
      throw error instanceof SessionStateError ? new ConflictException('the session was ended meanwhile') : error;
    });
    rotated.isElevated = true;
    return {
      previousId,
      sessionId: rotated.id,
      storedUnderPreviousId: (await this.store.get(previousId)) !== undefined,
      handle: this.userSessions.handleOf(rotated),
    };
  }

  @Post('elevate-callback')
  @HttpCode(200)
  elevateWithCallback(@Req() request: RequestWithSession) {
    return new Promise((resolve, reject) => {
      request.session!.rotate((error) => {
        if (error) return reject(error);
        request.session!.isElevated = true;
        resolve({ sessionId: request.sessionID });
      });
    });
  }

  /** `destroy()` on the object `rotate()` replaced: the user still means to sign out. */
  @Post('rotate-then-destroy')
  @HttpCode(200)
  async rotateThenDestroy(@Session() session: Session) {
    const rotated = await session.rotate();
    await session.destroy();
    return { sessionId: rotated.id };
  }

  @Post('remember-me')
  @HttpCode(200)
  async rememberMe(@Session() session: Session, @Query('ms') milliseconds: string) {
    session.cookie.maxAge = Number(milliseconds);
    const rotated = await session.rotate();
    return { originalMaxAge: rotated.cookie.originalMaxAge };
  }

  @Get('state')
  state(@Session() session: Session) {
    const { cookie, ...data } = session;
    return { sessionId: session.id, data, originalMaxAge: cookie.originalMaxAge };
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@Session('userId') userId: string) {
    return { userId };
  }

  /**
   * Sets (or with `value` absent, deletes) one key, once `size` requests of `group` have loaded
   * the session, and after `hold` is released when given. `maxAge` changes the cookie too.
   */
  @Post('write')
  @HttpCode(200)
  async write(
    @Session() session: Session,
    @Query('key') key: string,
    @Query('value') value: string | undefined,
    @Query('group') group: string,
    @Query('size') size: string,
    @Query('hold') hold: string | undefined,
    @Query('maxAge') maxAge: string | undefined,
  ) {
    await gate.arrive(group, Number(size));
    if (hold !== undefined) await gate.hold(hold);
    const data = session as unknown as Record<string, unknown>;
    if (value === undefined) delete data[key];
    else data[key] = value;
    if (maxAge !== undefined) session.cookie.maxAge = Number(maxAge);
    return { ok: true };
  }
}

/**
 * `rotate()` and merged saves over HTTP, the same on every store that merges (MemoryStore,
 * RedisStore single node and Cluster). `moduleOptions` gives the store.
 */
export function describeRotateAndMergeOverHttp(platform: Platform, moduleOptions: () => Partial<SessionModuleOptions>): void {
  const ONE_HOUR_MS = 60 * 60 * 1000;
  let app: INestApplication | undefined;
  let http: ReturnType<typeof request>;
  let store: SessionStore;

  beforeEach(async () => {
    gate.reset();
    app = await createSessionApp(platform, { cookie: { maxAge: ONE_HOUR_MS }, ...moduleOptions() }, { controllers: [RotateMergeController] });
    http = request(app.getHttpServer());
    store = app.get(SessionStore);
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function signIn(user: string): Promise<string> {
    return cookiePair((await http.post(`/login?user=${user}`).expect(200)).headers['set-cookie'])!;
  }

  describe('rotate()', () => {
    it('moves the session to a new id with its data: the old id is gone from the store at once, the new cookie is sent', async () => {
      let cookie = await signIn('ada');
      cookie = cookiePair((await http.post('/cart?item=book').set('Cookie', cookie).expect(200)).headers['set-cookie']) ?? cookie;
      const previousId = sessionIdOf(cookie);
      const response = await http.post('/elevate').set('Cookie', cookie).expect(200);
      expect(response.body.previousId).toBe(previousId);
      expect(response.body.sessionId).not.toBe(previousId);
      expect(response.body.storedUnderPreviousId).toBe(false);
      const newCookie = cookiePair(response.headers['set-cookie'])!;
      expect(sessionIdOf(newCookie)).toBe(response.body.sessionId);
      const state = await http.get('/state').set('Cookie', newCookie).expect(200);
      expect(state.body.sessionId).toBe(response.body.sessionId);
      expect(state.body.data).toMatchObject({ userId: 'ada', cart: ['book'], isElevated: true });
      // The old cookie names nothing any more: a new, empty session, and the guard says 401.
      expect(await store.get(previousId)).toBeFalsy();
      await http.get('/me').set('Cookie', cookie).expect(401);
      await http.get('/me').set('Cookie', newCookie).expect(200, { userId: 'ada' });
    });

    it('has a callback form', async () => {
      const cookie = await signIn('grace');
      const response = await http.post('/elevate-callback').set('Cookie', cookie).expect(200);
      const newCookie = cookiePair(response.headers['set-cookie'])!;
      expect(sessionIdOf(newCookie)).toBe(response.body.sessionId);
      expect(response.body.sessionId).not.toBe(sessionIdOf(cookie));
      const state = await http.get('/state').set('Cookie', newCookie).expect(200);
      expect(state.body.data).toMatchObject({ userId: 'grace', isElevated: true });
      expect(await store.get(sessionIdOf(cookie))).toBeFalsy();
    });

    it('keeps the cookie settings, a changed lifetime included', async () => {
      const cookie = await signIn('linus');
      const response = await http.post('/remember-me?ms=7200000').set('Cookie', cookie).expect(200);
      expect(response.body.originalMaxAge).toBe(7_200_000);
      const newCookie = cookiePair(response.headers['set-cookie'])!;
      const maxAge = /Expires=([^;]+)/.exec(response.headers['set-cookie']![0]!)![1]!;
      expect(Date.parse(maxAge)).toBeGreaterThan(Date.now() + ONE_HOUR_MS + 60_000);
      const stored = await store.get(sessionIdOf(newCookie));
      expect(stored!.cookie.originalMaxAge).toBe(7_200_000);
    });

    it("moves the session in its owner's index: the list shows the new handle only", async () => {
      const user = `owner-${Date.now()}`;
      const cookie = await signIn(user);
      const userSessions = app!.get(UserSessions);
      const handleBefore = userSessions.handleOf({ id: sessionIdOf(cookie) });
      expect((await userSessions.list(user)).map((info) => info.handle)).toEqual([handleBefore]);
      const response = await http.post('/elevate').set('Cookie', cookie).expect(200);
      expect((await userSessions.list(user)).map((info) => info.handle)).toEqual([response.body.handle]);
      expect(response.body.handle).not.toBe(handleBefore);
      // Revoking by the new handle ends the rotated session.
      expect(await userSessions.revoke(user, response.body.handle)).toBe(true);
      await http.get('/me').set('Cookie', cookiePair(response.headers['set-cookie'])!).expect(401);
    });

    it("publishes 'rotated' with both handles and the owner, never a raw id, and no created/destroyed for it", async () => {
      const cookie = await signIn('joan');
      const recorder = recordSessionEvents();
      let response: request.Response;
      try {
        response = await http.post('/elevate').set('Cookie', cookie).expect(200);
      } finally {
        recorder.stop();
      }
      const userSessions = app!.get(UserSessions);
      const names = recorder.events.map((recorded) => recorded.event);
      expect(names).toContain('rotated');
      expect(names).not.toContain('created');
      expect(names).not.toContain('destroyed');
      const rotated = recorder.events.find((recorded) => recorded.event === 'rotated')!.payload;
      expect(rotated).toEqual({
        sessionHandle: userSessions.handleOf({ id: response.body.sessionId }),
        previousSessionHandle: userSessions.handleOf({ id: sessionIdOf(cookie) }),
        ownerId: 'joan',
      });
      const published = JSON.stringify(recorder.events);
      expect(published).not.toContain(sessionIdOf(cookie));
      expect(published).not.toContain(response.body.sessionId);
    });
  });

  describe('no lost updates', () => {
    it('25 overlapping requests of one session, each setting its own key: every key lands', async () => {
      const cookie = await sessionCookie(app!, { userId: 'ada' });
      const count = 25;
      const responses = await Promise.all(
        Array.from({ length: count }, (_unused, index) =>
          http.post(`/write?key=key${index}&value=v${index}&group=many&size=${count}`).set('Cookie', cookie),
        ),
      );
      for (const response of responses) expect(response.status).toBe(200);
      const stored = (await store.get(sessionIdOf(cookie)))!;
      const lost = Array.from({ length: count }, (_unused, index) => `key${index}`).filter((key) => stored[key] === undefined);
      expect(lost).toEqual([]);
      expect(stored.userId).toBe('ada');
      for (let index = 0; index < count; index++) expect(stored[`key${index}`]).toBe(`v${index}`);
    });

    it("a key deleted in one request stays deleted, and the deleting request does not undo another's change", async () => {
      const cookie = await sessionCookie(app!, { userId: 'ada', banner: 'welcome', theme: 'light' } as never);
      const [deleting, setting] = await Promise.all([
        http.post('/write?key=banner&group=pair&size=2').set('Cookie', cookie),
        http.post('/write?key=theme&value=dark&group=pair&size=2').set('Cookie', cookie),
      ]);
      expect([deleting.status, setting.status]).toEqual([200, 200]);
      const stored = (await store.get(sessionIdOf(cookie)))!;
      expect(stored).not.toHaveProperty('banner');
      expect(stored.theme).toBe('dark');
      expect(stored.userId).toBe('ada');
    });

    it('the same key set by two overlapping requests: the later write wins', async () => {
      const cookie = await sessionCookie(app!, { userId: 'ada' });
      for (const [first, second] of [['red', 'blue'], ['blue', 'red']] as const) {
        gate.reset();
        const group = `same-${first}`;
        const firstRequest = http.post(`/write?key=color&value=${first}&group=${group}&size=2&hold=first`).set('Cookie', cookie).then((r) => r);
        const secondRequest = http.post(`/write?key=color&value=${second}&group=${group}&size=2&hold=second`).set('Cookie', cookie).then((r) => r);
        await waitUntil(() => gate.isHeld('first') && gate.isHeld('second'), 'both requests loaded the session');
        gate.release('first');
        expect((await firstRequest).status).toBe(200);
        gate.release('second');
        expect((await secondRequest).status).toBe(200);
        expect((await store.get(sessionIdOf(cookie)))!.color).toBe(second);
      }
    });

    it("the newest write's cookie (and so the expiry) wins", async () => {
      const cookie = await sessionCookie(app!, { userId: 'ada' });
      const longer = http.post('/write?key=a&value=1&group=cookie&size=2&hold=first&maxAge=7200000').set('Cookie', cookie).then((r) => r);
      const plain = http.post('/write?key=b&value=2&group=cookie&size=2&hold=second').set('Cookie', cookie).then((r) => r);
      await waitUntil(() => gate.isHeld('first') && gate.isHeld('second'), 'both requests loaded the session');
      gate.release('second');
      expect((await plain).status).toBe(200);
      gate.release('first');
      expect((await longer).status).toBe(200);
      const stored = (await store.get(sessionIdOf(cookie)))!;
      expect(stored.cookie.originalMaxAge).toBe(7_200_000);
      expect(Date.parse(String(stored.cookie.expires))).toBeGreaterThan(Date.now() + ONE_HOUR_MS + 60_000);
      expect(stored).toMatchObject({ a: '1', b: '2' });
    });

    it('a merged save arriving after logout does not bring the session back, nor sends its cookie', async () => {
      const cookie = await signIn('ada');
      const slow = http.post('/write?key=late&value=1&group=late&size=1&hold=late').set('Cookie', cookie).then((r) => r);
      await waitUntil(() => gate.isHeld('late'), 'the slow request loaded the session');
      await store.destroy(sessionIdOf(cookie));
      gate.release('late');
      const response = await slow;
      expect(response.status).toBe(200);
      expect(cookiePair(response.headers['set-cookie'])).toBeUndefined();
      expect(await store.get(sessionIdOf(cookie))).toBeFalsy();
      await http.get('/me').set('Cookie', cookie).expect(401);
    });
  });
}

/** What a store can promise for rotations racing other requests. */
export interface RotationGuarantees {
  /** The store takes a session atomically (`take`): one of two overlapping rotations wins. */
  isMoveAtomic: boolean;
  /** The store keeps an owner index: `UserSessions.revokeAll` is available. */
  hasOwnerIndex: boolean;
}

/**
 * `rotate()` racing other requests, each race played in a known order by holding one call at
 * the store (or one request in its handler). `moduleOptions` gives the store.
 */
export function describeRotationRaces(platform: Platform, moduleOptions: () => Partial<SessionModuleOptions>, guarantees: RotationGuarantees): void {
  let app: INestApplication | undefined;
  let http: ReturnType<typeof request>;
  let store: SessionStore;
  let holdNext: ReturnType<typeof holdableStore>['holdNext'];
  let userCount = 0;

  beforeEach(async () => {
    gate.reset();
    const options = moduleOptions();
    const holdable = holdableStore(options.store as SessionStore);
    holdNext = holdable.holdNext;
    app = await createSessionApp(platform, { ...options, store: holdable.store }, { controllers: [RotateMergeController] });
    http = request(app.getHttpServer());
    store = app.get(SessionStore);
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function signIn(): Promise<{ user: string; cookie: string; sessionId: string }> {
    userCount += 1;
    const user = `racer-${process.pid}-${Date.now()}-${userCount}`;
    const cookie = cookiePair((await http.post(`/login?user=${user}`).expect(200)).headers['set-cookie'])!;
    return { user, cookie, sessionId: sessionIdOf(cookie) };
  }

  /** The stored ones among `sessionIds`. */
  async function storedOf(sessionIds: string[]): Promise<string[]> {
    const records = await Promise.all(sessionIds.map((sessionId) => store.get(sessionId)));
    return sessionIds.filter((_sessionId, index) => records[index] != null);
  }

  it('a write another request confirmed while the rotating request ran moves to the new id, with the rotating request\'s own changes', async () => {
    const { cookie } = await signIn();
    const rotating = http.post('/elevate?hold=rotate&note=mine').set('Cookie', cookie).then((response) => response);
    await waitUntil(() => gate.isHeld('rotate'), 'the rotating request loaded the session');
    await http.post('/write?key=confirmed&value=yes&group=confirm&size=1').set('Cookie', cookie).expect(200);
    gate.release('rotate');
    const rotation = await rotating;
    expect(rotation.status).toBe(200);
    const state = await http.get('/state').set('Cookie', cookiePair(rotation.headers['set-cookie'])!).expect(200);
    expect(state.body.sessionId).toBe(rotation.body.sessionId);
    expect(state.body.data).toMatchObject({ confirmed: 'yes', note: 'mine', isElevated: true });
  });

  it('destroy() on the object rotate() replaced ends the session under its new id and expires the cookie', async () => {
    const { cookie, sessionId } = await signIn();
    const response = await http.post('/rotate-then-destroy').set('Cookie', cookie).expect(200);
    expect(await storedOf([sessionId, response.body.sessionId])).toEqual([]);
    const sessionCookies = setCookies(response.headers['set-cookie']).filter((header) => header.startsWith('connect.sid='));
    expect(sessionCookies).toHaveLength(1);
    expect(sessionCookies[0]).toContain('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    await http.get('/me').set('Cookie', cookie).expect(401);
  });

  // Without an atomic take (an express-session store) both rotations may succeed: documented, not tested.
  if (guarantees.isMoveAtomic) it('two overlapping rotations of one session: one keeps it under its new id, the other fails and leaves nothing behind', async () => {
    const { cookie, sessionId } = await signIn();
    // The first rotation is held as it is about to remove the old id; the second runs through.
    const firstHeld = holdNext((method, id) => (method === 'take' || method === 'destroy') && id === sessionId);
    const first = http.post('/elevate').set('Cookie', cookie).then((response) => response);
    await firstHeld.reached;
    const second = await http.post('/elevate').set('Cookie', cookie);
    firstHeld.release();
    const responses = [await first, second];
    expect(responses.map((response) => response.status).sort()).toEqual([200, 409]);
    const winner = responses.find((response) => response.status === 200)!;
    const loser = responses.find((response) => response.status === 409)!;
    expect(cookiePair(loser.headers['set-cookie'])).toBeUndefined();
    expect(await store.ids!()).toEqual([winner.body.sessionId]);
  });

  if (guarantees.hasOwnerIndex) it('"log out everywhere" (revokeAll) that listed the session before it rotated also ends it under its new id', async () => {
    const { user, cookie, sessionId } = await signIn();
    const userSessions = app!.get(UserSessions);
    // revokeAll has listed the session and is about to destroy it when the rotation runs through.
    const revokeHeld = holdNext((method, id) => method === 'destroy' && id === sessionId);
    const revoking = userSessions.revokeAll(user);
    await revokeHeld.reached;
    const rotation = await http.post('/elevate').set('Cookie', cookie).expect(200);
    revokeHeld.release();
    await revoking;
    expect(await storedOf([sessionId, rotation.body.sessionId])).toEqual([]);
    expect(await userSessions.list(user)).toEqual([]);
    await http.get('/me').set('Cookie', cookiePair(rotation.headers['set-cookie'])!).expect(401);
  });

  if (guarantees.hasOwnerIndex) it('a rotation that starts after revokeAll listed the session and ends after it destroyed it fails: no new id survives', async () => {
    const { user, cookie, sessionId } = await signIn();
    const userSessions = app!.get(UserSessions);
    // The rotation is held just before it removes the old id, which revokeAll then destroys.
    let isLoading = true;
    const rotationHeld = holdNext((method, id) => (method === 'take' || method === 'get') && id === sessionId && !isLoading);
    const rotating = http.post('/elevate?hold=loaded').set('Cookie', cookie).then((response) => response);
    await waitUntil(() => gate.isHeld('loaded'), 'the rotating request loaded the session');
    isLoading = false;
    gate.release('loaded');
    await rotationHeld.reached;
    await userSessions.revokeAll(user);
    rotationHeld.release();
    const rotation = await rotating;
    expect(rotation.status).toBe(409);
    expect(cookiePair(rotation.headers['set-cookie'])).toBeUndefined();
    expect(await userSessions.list(user)).toEqual([]);
    expect(await store.get(sessionId)).toBeFalsy();
  });
}
