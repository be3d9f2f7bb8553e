import expressSession from 'express-session';
import { CallbackStoreAdapter, MemoryStore } from '../../../lib/index.js';
import { describeRotateAndMergeOverHttp, describeRotationRaces } from '../../support/rotate-merge-app.js';
import { PLATFORMS } from '../../support/platforms.js';

describe.each(PLATFORMS)('rotate() and merged saves on MemoryStore, over HTTP on $name', (platform) => {
  describeRotateAndMergeOverHttp(platform, () => ({ store: new MemoryStore() }));
  describe('rotate() racing other requests', () => {
    describeRotationRaces(platform, () => ({ store: new MemoryStore() }), { isMoveAtomic: true, hasOwnerIndex: true });
  });
});

describe.each(PLATFORMS)("rotate() racing other requests on an express-session store (its MemoryStore), over HTTP on $name", (platform) => {
  describeRotationRaces(platform, () => ({ store: new CallbackStoreAdapter(new expressSession.MemoryStore()) }), { isMoveAtomic: false, hasOwnerIndex: false });
});
