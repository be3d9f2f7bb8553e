import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { SessionStore } from '../../lib/index.js';
import type { EncryptionKey, SessionModuleOptions, SessionRecord } from '../../lib/index.js';
import { SEALED_KEY } from '../../lib/core/store/at-rest/sealed-record.js';
import { cookiePair, createSessionApp, sessionIdOf } from './e2e-app.js';
import type { Platform } from './platforms.js';
import { gate, RotateMergeController } from './rotate-merge-app.js';
import { recordSessionEvents } from './session-events.js';

/** Two 32-byte keys (fixed bytes, base64): `current` seals after a rotation, `older` before. */
export const ENCRYPTION_KEYS: { current: EncryptionKey; older: EncryptionKey } = {
  current: { id: 'k2', key: Buffer.alloc(32, 2).toString('base64') },
  older: { id: 'k1', key: Buffer.alloc(32, 1).toString('base64') },
};

/** One backend for a test: a store the test's apps share, and the backend's own view of what it holds. */
export interface EncryptedBackend {
  /** The store (as configured, without the wrapper) the apps of one test share. */
  store: SessionStore;
  /** Every key and value the backend holds for `store`, read the backend's own way (SCAN, SELECT), as text. */
  dump(): Promise<string>;
  /** Removes what the test wrote and releases what `newBackend` opened. */
  cleanUp(): Promise<void>;
}

/**
 * The `encryption` option over HTTP on one backend: nothing of the data in clear in the
 * backend, values swapped between sessions open for neither, rotation keeps sessions signed
 * in and re-seals them, a retired key signs out only its sessions, and overlapping requests
 * writing distinct keys of one session lose none.
 */
export function describeEncryptionOverHttp(platform: Platform, newBackend: () => Promise<EncryptedBackend>): void {
  let backend: EncryptedBackend;
  const apps: INestApplication[] = [];

  /** An app on the test's backend with `keys`; apps share the backend's store, so none closes it. */
  async function appWith(keys: EncryptionKey[], options: Partial<SessionModuleOptions> = {}): Promise<ReturnType<typeof request>> {
    const app = await createSessionApp(platform, { store: backend.store, closeStoreOnShutdown: false, encryption: { keys }, ...options }, { controllers: [RotateMergeController] });
    apps.push(app);
    return request(app.getHttpServer());
  }

  async function signIn(http: ReturnType<typeof request>, user: string): Promise<string> {
    return cookiePair((await http.post(`/login?user=${user}`).expect(200)).headers['set-cookie'])!;
  }

  /** The stored (sealed) record of a session, as the store without the wrapper reads it. */
  async function storedOf(cookie: string): Promise<SessionRecord> {
    return (await backend.store.get(sessionIdOf(cookie)))!;
  }

  beforeEach(async () => {
    gate.reset();
    backend = await newBackend();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await backend.cleanUp();
  });

  it('keeps no data in clear in the backend: only the cookie and the sealed value; the app reads its data back', async () => {
    const http = await appWith([ENCRYPTION_KEYS.current]);
    const [user, item] = [`user-${randomUUID()}`, `item-${randomUUID()}`];
    const cookie = await signIn(http, user);
    await http.post(`/cart?item=${item}`).set('Cookie', cookie).expect(200);
    const dump = await backend.dump();
    expect(dump).toContain(`v2.${ENCRYPTION_KEYS.current.id}.`);
    expect(dump).not.toContain(item);
    // The owner id is not session data: the owner index may hold it. The data must not.
    expect(JSON.stringify(await storedOf(cookie))).not.toContain(user);
    expect(Object.keys(await storedOf(cookie)).sort()).toEqual(['cookie', SEALED_KEY].sort());
    expect((await http.get('/state').set('Cookie', cookie).expect(200)).body.data).toMatchObject({ userId: user, cart: [item] });
    await http.get('/me').set('Cookie', cookie).expect(200, { userId: user });
  });

  it('a value copied under another session opens for neither: both start anew (no 5xx), and the event names no id', async () => {
    const http = await appWith([ENCRYPTION_KEYS.current]);
    const [adaCookie, graceCookie] = [await signIn(http, 'ada'), await signIn(http, 'grace')];
    const [ada, grace] = [await storedOf(adaCookie), await storedOf(graceCookie)];
    await backend.store.set(sessionIdOf(adaCookie), grace);
    await backend.store.set(sessionIdOf(graceCookie), ada);
    const recorder = recordSessionEvents();
    try {
      await http.get('/me').set('Cookie', adaCookie).expect(401);
      await http.get('/me').set('Cookie', graceCookie).expect(401);
      const state = await http.get('/state').set('Cookie', adaCookie).expect(200);
      expect(state.body.data).toEqual({});
      expect(state.body.sessionId).not.toBe(sessionIdOf(adaCookie));
    } finally {
      recorder.stop();
    }
    const unreadable = recorder.events.filter((recorded) => recorded.event === 'unreadable').map((recorded) => recorded.payload);
    expect(unreadable).toContainEqual({ reason: 'not-authentic', keyId: ENCRYPTION_KEYS.current.id });
    const published = JSON.stringify(recorder.events);
    for (const cookie of [adaCookie, graceCookie]) expect(published).not.toContain(sessionIdOf(cookie));
  });

  it('rotation: a new key first keeps sessions sealed with the older one signed in, and their next request re-seals them', async () => {
    const before = await appWith([ENCRYPTION_KEYS.older]);
    const cookie = await signIn(before, 'ada');
    expect(String((await storedOf(cookie))[SEALED_KEY])).toMatch(/^v2\.k1\./);
    const after = await appWith([ENCRYPTION_KEYS.current, ENCRYPTION_KEYS.older]);
    // A request that changes nothing: the session is touched, and so re-sealed with the first key.
    await after.get('/me').set('Cookie', cookie).expect(200, { userId: 'ada' });
    expect(String((await storedOf(cookie))[SEALED_KEY])).toMatch(/^v2\.k2\./);
    await after.post('/cart?item=book').set('Cookie', cookie).expect(200);
    expect(String((await storedOf(cookie))[SEALED_KEY])).toMatch(/^v2\.k2\./);
    // Re-sealed: the older key can go without signing this session out.
    const withoutOlder = await appWith([ENCRYPTION_KEYS.current]);
    expect((await withoutOlder.get('/state').set('Cookie', cookie).expect(200)).body.data).toMatchObject({ userId: 'ada', cart: ['book'] });
  });

  it('removing a key signs out only the sessions it sealed, with one unreadable event per load', async () => {
    const older = await appWith([ENCRYPTION_KEYS.older]);
    const current = await appWith([ENCRYPTION_KEYS.current]);
    const [oldCookie, newCookie] = [await signIn(older, 'ada'), await signIn(current, 'grace')];
    const recorder = recordSessionEvents();
    try {
      await current.get('/me').set('Cookie', oldCookie).expect(401);
      await current.get('/me').set('Cookie', newCookie).expect(200, { userId: 'grace' });
    } finally {
      recorder.stop();
    }
    expect(recorder.events.filter((recorded) => recorded.event === 'unreadable').map((recorded) => recorded.payload)).toEqual([
      { reason: 'unknown-key', keyId: ENCRYPTION_KEYS.older.id },
    ]);
  });

  it('20 overlapping requests of one session, each setting its own key: every key lands', async () => {
    const http = await appWith([ENCRYPTION_KEYS.current]);
    const cookie = await signIn(http, 'ada');
    const count = 20;
    const responses = await Promise.all(
      Array.from({ length: count }, (_unused, index) => http.post(`/write?key=key${index}&value=v${index}&group=twenty&size=${count}`).set('Cookie', cookie)),
    );
    expect(responses.map((response) => response.status)).toEqual(Array.from({ length: count }, () => 200));
    const data = (await http.get('/state').set('Cookie', cookie).expect(200)).body.data as Record<string, unknown>;
    const lost = Array.from({ length: count }, (_unused, index) => `key${index}`).filter((key) => data[key] !== `v${Number(key.slice(3))}`);
    expect(lost).toEqual([]);
    expect(data.userId).toBe('ada');
  });
}
