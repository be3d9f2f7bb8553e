import { backingStoreName, newBackingStore } from '../../support/backing-store.js';
import { describeEncryptionOverHttp, ENCRYPTION_KEYS } from '../../support/encryption-app.js';
import { describeFlashOverHttp } from '../../support/flash-app.js';
import { PLATFORMS } from '../../support/platforms.js';
import { describeRotateAndMergeOverHttp } from '../../support/rotate-merge-app.js';
import { describeUserSessionsOverHttp } from '../../support/user-sessions-app.js';

const encryption = { keys: [ENCRYPTION_KEYS.current] };

describe.each(PLATFORMS)(`encrypted session data (encryption option) on ${backingStoreName()}, over HTTP on $name`, (platform) => {
  describeEncryptionOverHttp(platform, async () => {
    const store = newBackingStore();
    return { store, dump: async () => JSON.stringify(await store.all()), cleanUp: () => store.close() };
  });

  // The features on top of the store work unchanged with the data sealed.
  describe('rotate() and merged saves', () => describeRotateAndMergeOverHttp(platform, () => ({ store: newBackingStore(), encryption })));
  // Flash messages are removed with the save (the store cannot take them one by one from sealed data).
  describe('flash messages', () => describeFlashOverHttp(platform, () => ({ store: newBackingStore(), encryption })));
  describe('UserSessions', () => describeUserSessionsOverHttp(platform, () => ({ store: newBackingStore(), encryption })));
});
