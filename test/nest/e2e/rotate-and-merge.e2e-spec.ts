import expressSession from 'express-session';
import { CallbackStoreAdapter, MemoryStore } from '../../../lib/index.js';
import { PLATFORMS, usePlatform } from '../../support/e2e-app.js';
import { describeRotateAndMergeOverHttp, describeRotationRaces } from '../../support/rotate-merge-app.js';

describe.each(PLATFORMS)('rotate() and merged saves on MemoryStore, over HTTP on %s', (platform) => {
  usePlatform(platform);
  describeRotateAndMergeOverHttp(() => ({ store: new MemoryStore() }));
  describe('rotate() racing other requests', () => {
    describeRotationRaces(() => ({ store: new MemoryStore() }), { isMoveAtomic: true, hasOwnerIndex: true });
  });
});

describe.each(PLATFORMS)("rotate() racing other requests on an express-session store (its MemoryStore), over HTTP on %s", (platform) => {
  usePlatform(platform);
  describeRotationRaces(() => ({ store: new CallbackStoreAdapter(new expressSession.MemoryStore()) }), { isMoveAtomic: false, hasOwnerIndex: false });
});
