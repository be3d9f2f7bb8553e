import expressSession from 'express-session';
import { CallbackStoreAdapter } from '../../../lib/index.js';
import { backingStoreName, newBackingStore } from '../../support/backing-store.js';
import { describeRotateAndMergeOverHttp, describeRotationRaces } from '../../support/rotate-merge-app.js';
import { PLATFORMS } from '../../support/platforms.js';

describe.each(PLATFORMS)(`rotate() and merged saves on ${backingStoreName()}, over HTTP on $name`, (platform) => {
  describeRotateAndMergeOverHttp(platform, () => ({ store: newBackingStore() }));
  describe('rotate() racing other requests', () => {
    describeRotationRaces(platform, () => ({ store: newBackingStore() }), { isMoveAtomic: true, hasOwnerIndex: true });
  });
});

describe.each(PLATFORMS)("rotate() racing other requests on an express-session store (its MemoryStore), over HTTP on $name", (platform) => {
  describeRotationRaces(platform, () => ({ store: new CallbackStoreAdapter(new expressSession.MemoryStore()) }), { isMoveAtomic: false, hasOwnerIndex: false });
});
