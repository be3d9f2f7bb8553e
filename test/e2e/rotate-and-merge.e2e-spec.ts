import { MemoryStore } from '../../lib/index.js';
import { describeRotateAndMergeOverHttp } from '../support/rotate-merge-app.js';

describe('rotate() and merged saves on MemoryStore, over HTTP', () => {
  describeRotateAndMergeOverHttp(() => ({ store: new MemoryStore() }));
});
