import { RedisStore } from '../../lib/redis.js';
import type { RedisClient } from '../../lib/redis.js';
import { describeRotateAndMergeOverHttp } from '../support/rotate-merge-app.js';
import { startCluster, startSingleNode, uniquePrefix } from './redis-targets.js';
import type { RedisTarget } from './redis-targets.js';

/** rotate() and merged saves (the Lua merge script) on RedisStore. */
describe.each([
  ['single node', startSingleNode],
  ['cluster of 3 masters', startCluster],
] as const)('rotate() and merged saves on RedisStore, %s, over HTTP', (_name, startTarget) => {
  let target: RedisTarget;
  let client: RedisClient;

  beforeAll(async () => {
    target = await startTarget();
    client = (await target.newClient()) as unknown as RedisClient;
  });

  afterAll(async () => {
    await target.stop();
  });

  describeRotateAndMergeOverHttp(() => ({ store: new RedisStore({ client, prefix: uniquePrefix() }) }));
});
