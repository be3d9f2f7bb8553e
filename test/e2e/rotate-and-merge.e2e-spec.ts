import { MemoryStore } from '../../lib/index.js';
import { PLATFORMS, usePlatform } from '../support/e2e-app.js';
import { describeRotateAndMergeOverHttp } from '../support/rotate-merge-app.js';

describe.each(PLATFORMS)('rotate() and merged saves on MemoryStore, over HTTP on %s', (platform) => {
  usePlatform(platform);
  describeRotateAndMergeOverHttp(() => ({ store: new MemoryStore() }));
});
