import { jest } from '@jest/globals';
import request from 'supertest';
import { Controller, Get } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import expressSession from 'express-session';
import { CallbackStoreAdapter, MemoryStore, Session, SessionStore, SkipSessionTouch } from '../../../lib/index.js';
import type { CallbackSessionStore, SessionRecord } from '../../../lib/index.js';
import { cookiePair, createSessionApp, sessionIdOf, setCookies } from '../../support/e2e-app.js';
import { recordSessionEvents } from '../../support/session-events.js';
import { recordStoreWrites } from '../../support/store-write-counter.js';
import { PLATFORMS } from '../../support/platforms.js';
import { sleep } from '../../support/redis-server.js';
import { connectRedisStore, mySqlStore, postgresStore, redisStoreOnSingleNode } from '../../stores/store-subjects.js';
import type { StoreContractSubject } from '../../stores/store-contract.js';

const ONE_HOUR_MS = 60 * 60 * 1000;
const INTERVAL_MS = 60_000;
const READS = 100;

@Controller('lazy')
class PollingController {
  @Get('start')
  start(@Session() session: Session) {
    session.views = 1;
    return { sessionId: session.id };
  }

  @Get('read')
  read(@Session() session: Session) {
    return { views: session.views ?? null, sessionId: session.id };
  }

  @Get('poll')
  @SkipSessionTouch()
  poll(@Session() session: Session) {
    return { views: session.views ?? null, sessionId: session.id };
  }

  @Get('poll-and-count')
  @SkipSessionTouch()
  pollAndCount(@Session() session: Session) {
    session.views = (session.views ?? 0) + 1;
    return { views: session.views };
  }
}

/** `@SkipSessionTouch()` on the controller applies to each of its routes. */
@Controller('polled')
@SkipSessionTouch()
class PolledController {
  @Get()
  read(@Session() session: Session) {
    return { views: session.views ?? null, sessionId: session.id };
  }
}

/** A store in this process, for the stores the suite builds itself. */
function localStore(name: string, newStore: () => SessionStore): StoreContractSubject {
  return { name, newStore: async () => newStore(), cleanUp: async (store) => void (await store.close?.()) };
}

/** Every built-in store, and express-session stores through the adapter. */
const SUBJECTS: Array<{ subject: StoreContractSubject; spiesOnStore: boolean; hashIds?: boolean }> = [
  // Spied on, the MemoryStore's calls go through its async methods; unspied, through its immediate ones (counted by events).
  { subject: localStore('MemoryStore', () => new MemoryStore({ checkPeriod: 0 })), spiesOnStore: true },
  { subject: localStore('MemoryStore (immediate calls)', () => new MemoryStore({ checkPeriod: 0 })), spiesOnStore: false },
  { subject: redisStoreOnSingleNode(), spiesOnStore: true },
  { subject: postgresStore(), spiesOnStore: true },
  { subject: mySqlStore(), spiesOnStore: true },
  {
    subject: localStore("express-session's MemoryStore (CallbackStoreAdapter)", () => new CallbackStoreAdapter(new expressSession.MemoryStore() as unknown as CallbackSessionStore)),
    spiesOnStore: true,
  },
  { subject: connectRedisStore(), spiesOnStore: true },
  // Sessions kept under hashed ids: the lazy touch goes through the hashing store's merge.
  { subject: { ...redisStoreOnSingleNode(), name: 'RedisStore (single node), hashIds' }, spiesOnStore: true, hashIds: true },
];

/** `Date.now()` moved forward by `clockOffset`: the lifecycle, the cookie and the stores' TTLs all read it. */
let clockOffset = 0;
const realNow = Date.now.bind(Date);

/** The expiry in a Set-Cookie header, in whole seconds (the precision of the HTTP date). */
function cookieExpirySeconds(setCookie: string[] | string | undefined): number | undefined {
  const header = setCookies(setCookie).find((value) => value.startsWith('connect.sid='));
  const expires = header?.match(/Expires=([^;]+)/)?.[1];
  return expires === undefined ? undefined : Math.floor(Date.parse(expires) / 1000);
}

/** The cookie expiry in the record a store returns, in whole seconds. */
function storedExpirySeconds(record: SessionRecord | null | undefined): number {
  return Math.floor(new Date(record!.cookie.expires as string | Date).getTime() / 1000);
}

describe.each(SUBJECTS)('touchAfter on $subject.name', ({ subject, spiesOnStore, hashIds = false }) => {
  beforeAll(async () => {
    await subject.setUp?.();
  });

  afterAll(async () => {
    await subject.tearDown?.();
  });

  describe.each(PLATFORMS)('on $name', (platform) => {
    let app: INestApplication;
    let store: SessionStore;
    /** The app's store, which reaches sessions by id (with `hashIds`, under their hashed keys). */
    let sessions: SessionStore;
    let http: ReturnType<typeof request>;
    let storeWrites: string[];
    let recorder: ReturnType<typeof recordSessionEvents>;

    beforeEach(async () => {
      clockOffset = 0;
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() + clockOffset);
      store = await subject.newStore();
      storeWrites = spiesOnStore ? recordStoreWrites(store) : [];
      recorder = recordSessionEvents();
      app = await createSessionApp(
        platform,
        { store, closeStoreOnShutdown: false, rolling: true, touchAfter: INTERVAL_MS, cookie: { maxAge: ONE_HOUR_MS }, hashIds },
        { controllers: [PollingController, PolledController] },
      );
      sessions = app.get(SessionStore);
      http = request(app.getHttpServer());
    });

    afterEach(async () => {
      recorder.stop();
      await app.close();
      await subject.cleanUp(store);
      jest.restoreAllMocks();
    });

    /** The store's writes so far; for the unwrapped MemoryStore, the lifecycle's write events. */
    function mark(): number {
      if (spiesOnStore) return storeWrites.length;
      return recorder.events.filter(({ event }) => event === 'saved' || event === 'touched' || event === 'created').length;
    }

    function writesSince(from: number): number {
      return mark() - from;
    }

    /** `count` reads of the session, `stepMs` apart: each response's cookie carries `expirySeconds`, the stored expiry. */
    async function readWithStoredExpiry(cookie: string, count: number, stepMs: number, expirySeconds: number): Promise<void> {
      for (let index = 0; index < count; index++) {
        clockOffset += stepMs;
        const response = await http.get('/lazy/read').set('Cookie', cookie).expect(200);
        expect(response.body.views).toBe(1);
        expect(cookieExpirySeconds(response.headers['set-cookie'])).toBe(expirySeconds);
      }
    }

    /** A stored session (`views: 1`), its cookie, id and stored expiry in seconds. */
    async function start(): Promise<{ cookie: string; sessionId: string; firstExpiry: number }> {
      const response = await http.get('/lazy/start').expect(200);
      const cookie = cookiePair(response.headers['set-cookie'])!;
      const sessionId = sessionIdOf(cookie);
      return { cookie, sessionId, firstExpiry: storedExpirySeconds(await sessions.get(sessionId)) };
    }

    it(`${READS} reads of an unchanged session within the interval: no store write, and each cookie carries the stored expiry`, async () => {
      const { cookie, firstExpiry } = await start();
      const before = mark();
      await readWithStoredExpiry(cookie, READS, 100, firstExpiry);
      expect(writesSince(before)).toBe(0);
    });

    it('once the interval has passed, one read writes the new expiry, and later reads measure from it', async () => {
      const { cookie, sessionId, firstExpiry } = await start();
      clockOffset = INTERVAL_MS + 1_000;
      let before = mark();
      const due = await http.get('/lazy/read').set('Cookie', cookie).expect(200);
      expect(writesSince(before)).toBe(1);
      // What the next load reads (not only a TTL or an expiry column): the record's own expiry moved.
      const renewedExpiry = storedExpirySeconds(await sessions.get(sessionId));
      expect(renewedExpiry).toBeGreaterThanOrEqual(firstExpiry + INTERVAL_MS / 1000);
      expect(cookieExpirySeconds(due.headers['set-cookie'])).toBe(renewedExpiry);
      expect((await sessions.get(sessionId))!.views).toBe(1);

      before = mark();
      await readWithStoredExpiry(cookie, 20, 1_000, renewedExpiry);
      expect(writesSince(before)).toBe(0);
    });

    it('@SkipSessionTouch(): a due session is neither touched nor sent a rolling cookie, on a route or a whole controller', async () => {
      const { cookie, sessionId, firstExpiry } = await start();
      clockOffset = INTERVAL_MS + 1_000;
      const before = mark();
      for (const path of ['/lazy/poll', '/polled']) {
        const response = await http.get(path).set('Cookie', cookie).expect(200);
        expect(response.body).toEqual({ views: 1, sessionId });
        expect(cookiePair(response.headers['set-cookie'])).toBeUndefined();
      }
      expect(writesSince(before)).toBe(0);
      expect(storedExpirySeconds(await sessions.get(sessionId))).toBe(firstExpiry);
    });

    it('@SkipSessionTouch(): a handler that changes the session still saves it, with a new expiry and its cookie', async () => {
      const { cookie, sessionId, firstExpiry } = await start();
      clockOffset = 10_000;
      const before = mark();
      const response = await http.get('/lazy/poll-and-count').set('Cookie', cookie).expect(200);
      expect(response.body.views).toBe(2);
      expect(writesSince(before)).toBe(1);
      const stored = await sessions.get(sessionId);
      expect(stored!.views).toBe(2);
      expect(storedExpirySeconds(stored)).toBeGreaterThan(firstExpiry);
      expect(cookieExpirySeconds(response.headers['set-cookie'])).toBe(storedExpirySeconds(stored));
    });
  });
});

/** `@SkipSessionTouch()` in real time: an idle session expires while a page polls it. */
describe.each(PLATFORMS)('@SkipSessionTouch() and an idle session on $name', (platform) => {
  const redis = redisStoreOnSingleNode();
  const stores: Array<[string, () => Promise<SessionStore>, (store: SessionStore) => Promise<void>]> = [
    ['MemoryStore', async () => new MemoryStore({ checkPeriod: 0 }), async (store) => store.close!()],
    ['RedisStore', () => redis.newStore(), (store) => redis.cleanUp(store)],
  ];

  beforeAll(async () => {
    await redis.setUp!();
  });

  afterAll(async () => {
    await redis.tearDown!();
  });

  it.each(stores)('on %s: polled through @SkipSessionTouch() it expires; read elsewhere it lives on', async (_name, newStore, cleanUp) => {
    const store = await newStore();
    const app = await createSessionApp(platform, { store, closeStoreOnShutdown: false, rolling: true, cookie: { maxAge: 1_500 } }, { controllers: [PollingController] });
    try {
      const http = request(app.getHttpServer());
      const polled = cookiePair((await http.get('/lazy/start').expect(200)).headers['set-cookie'])!;
      const read = cookiePair((await http.get('/lazy/start').expect(200)).headers['set-cookie'])!;
      const until = Date.now() + 2_500;
      while (Date.now() < until) {
        await http.get('/lazy/poll').set('Cookie', polled).expect(200);
        await http.get('/lazy/read').set('Cookie', read).expect(200);
        await sleep(200);
      }
      const afterPolling = await http.get('/lazy/read').set('Cookie', polled).expect(200);
      expect(afterPolling.body.views).toBeNull();
      expect(afterPolling.body.sessionId).not.toBe(sessionIdOf(polled));
      const kept = await http.get('/lazy/read').set('Cookie', read).expect(200);
      expect(kept.body).toEqual({ views: 1, sessionId: sessionIdOf(read) });
    } finally {
      await app.close();
      await cleanUp(store);
    }
  });
});
