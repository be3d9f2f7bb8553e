import { randomBytes } from 'node:crypto';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { SessionModuleOptions } from '../../../lib/index.js';
import { awaitStoreReady } from '../../../lib/nest/store-readiness.js';
import { createSessionApp } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { PLATFORMS } from '../../support/platforms.js';

/** A store whose `whenReady` answers when the test says: a SQL table still being created, a Redis connection opening. */
class StoreGettingReady extends InstrumentedStore {
  readyCalls = 0;
  readonly #ready: Promise<void>;
  settle!: (error?: Error) => void;

  constructor() {
    super();
    this.#ready = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
  }

  override whenReady(): Promise<void> {
    this.readyCalls++;
    return this.#ready;
  }
}

/** Whether `promise` has settled after the pending I/O and timers of a few milliseconds have run. */
async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  return settled;
}

const ENCRYPTION = { keys: [{ id: 'k1', key: randomBytes(32) }] };

describe.each(PLATFORMS)('start-up waits for the store to be ready, on $name', (platform) => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    jest.restoreAllMocks();
  });

  it.each<[string, Partial<SessionModuleOptions>]>([
    ['the store itself', {}],
    ['hashIds and encryption around it', { hashIds: true, encryption: ENCRYPTION }],
  ])("app.init() resolves only once the store is ready (%s), and the first request is served by it", async (_, options) => {
    const store = new StoreGettingReady();
    const starting = createSessionApp(platform, { store, ...options });
    expect(await hasSettled(starting)).toBe(false);
    expect(store.readyCalls).toBe(1);
    store.settle();
    app = await starting;
    const response = await request(app.getHttpServer()).get('/views').expect(200);
    expect(response.body.views).toBe(1);
  });

  it('a store that fails to get ready does not stop the app: one warning naming the 503s, and requests are served once it answers', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const store = new StoreGettingReady();
    store.settle(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    app = await createSessionApp(platform, { store });
    const warnings = warn.mock.calls.map(([message]) => String(message)).filter((message) => message.includes('session store'));
    expect(warnings).toEqual([
      'nest-sessions: the app starts without its session store (it is not ready: connect ECONNREFUSED 127.0.0.1:5432); requests that need a session answer 503 until the store answers',
    ]);
    await request(app.getHttpServer()).get('/views').expect(200);
  });

  it('with hashIds and encryption around a store that has no whenReady (the MemoryStore), starts at once without a warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    app = await createSessionApp(platform, { store: new InstrumentedStore(), hashIds: true, encryption: ENCRYPTION });
    expect(warn.mock.calls.filter(([message]) => String(message).includes('session store'))).toEqual([]);
  });
});

describe('awaitStoreReady', () => {
  it('stops waiting after its bound, with one warning, while the store is still getting ready', async () => {
    const store = new StoreGettingReady();
    const warnings: string[] = [];
    await awaitStoreReady(store, { warn: (message) => warnings.push(message) }, 20);
    expect(warnings).toEqual([
      'nest-sessions: the app starts without its session store (it was not ready after 0.02 s); requests that need a session answer 503 until the store answers',
    ]);
    store.settle();
  });

  it('returns at once, without a word, for a store that has no whenReady (the MemoryStore, express-session stores)', async () => {
    const warnings: string[] = [];
    await awaitStoreReady(new InstrumentedStore(), { warn: (message) => warnings.push(message) }, 60_000);
    expect(warnings).toEqual([]);
  });

  it('never lets a store that throws instead of rejecting stop the start', async () => {
    const store = new InstrumentedStore() as InstrumentedStore & { whenReady(): Promise<void> };
    store.whenReady = () => {
      throw new TypeError('not a promise');
    };
    const warnings: string[] = [];
    await awaitStoreReady(store, { warn: (message) => warnings.push(message) }, 60_000);
    expect(warnings).toEqual([
      'nest-sessions: the app starts without its session store (it is not ready: not a promise); requests that need a session answer 503 until the store answers',
    ]);
  });
});
