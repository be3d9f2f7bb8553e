import { jest } from '@jest/globals';
import expressSession from 'express-session';
import { SessionStoreNotSupportedError, UserSessions } from '../../../lib/index.js';
import { backingStoreName, newBackingStore } from '../../support/backing-store.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { createUserSessionsApp, describeUserSessionsOverHttp } from '../../support/user-sessions-app.js';
import { PLATFORMS } from '../../support/platforms.js';

/** The instrumented store, with the owner index of the store inside. */
class IndexedInstrumentedStore extends InstrumentedStore {
  override ownerSessionIds(ownerId: string): Promise<string[]> {
    return this.inner.ownerSessionIds(ownerId);
  }

  override removeFromOwnerIndex(ownerId: string, sessionIds: readonly string[]): Promise<void> {
    return this.inner.removeFromOwnerIndex(ownerId, sessionIds);
  }
}

describe.each(PLATFORMS)(`UserSessions on ${backingStoreName()}, over HTTP on $name`, (platform) => {
  describeUserSessionsOverHttp(platform, () => ({ store: newBackingStore() }));
});

describe.each(PLATFORMS)('UserSessions: activity and unsupported stores on $name', (platform) => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('writes lastActiveAt at most once a minute, not on every request', async () => {
    const store = new IndexedInstrumentedStore();
    const { app, http, login } = await createUserSessionsApp(platform, { store, cookie: { maxAge: 60 * 60 * 1000 } });
    try {
      let now = Date.now();
      jest.spyOn(Date, 'now').mockImplementation(() => now);
      const device = await login('ada');
      const [listedAtLogin] = await app.get(UserSessions).list('ada');
      const writesAfterLogin = store.callsOf('set').length;
      for (let request = 0; request < 5; request++) {
        now += 10_000;
        await http.get('/me').set('Cookie', device.cookie).expect(200);
      }
      expect(store.callsOf('set')).toHaveLength(writesAfterLogin);
      expect(store.callsOf('touch')).toHaveLength(5);
      now += 15_000;
      await http.get('/me').set('Cookie', device.cookie).expect(200);
      expect(store.callsOf('set')).toHaveLength(writesAfterLogin + 1);
      const [listedLater] = await app.get(UserSessions).list('ada');
      expect(listedLater!.createdAt).toEqual(listedAtLogin!.createdAt);
      expect(listedLater!.lastActiveAt.getTime()).toBe(now);
    } finally {
      await app.close();
    }
  });

  it('rejects with a clear error on an express-session store', async () => {
    const { app, login } = await createUserSessionsApp(platform, { store: new expressSession.MemoryStore() });
    try {
      const device = await login('ada');
      const userSessions = app.get(UserSessions);
      await expect(userSessions.list('ada')).rejects.toThrow(SessionStoreNotSupportedError);
      await expect(userSessions.revoke('ada', device.handle)).rejects.toThrow(/does not support listing or revoking/);
      await expect(userSessions.revokeAll('ada')).rejects.toThrow(SessionStoreNotSupportedError);
    } finally {
      await app.close();
    }
  });

  it('rejects an owner id that is not a non-empty string', async () => {
    const { app } = await createUserSessionsApp(platform);
    try {
      await expect(app.get(UserSessions).list('')).rejects.toThrow(TypeError);
      await expect(app.get(UserSessions).revokeAll(undefined as unknown as string)).rejects.toThrow(TypeError);
    } finally {
      await app.close();
    }
  });
});
