import { Redis } from 'ioredis';
import { RedisStore } from '../../../lib/redis.js';
import { describeHeaderClients } from '../../support/header-sessions-app.js';
import { PLATFORMS } from '../../support/platforms.js';

/** Every key of this file's stores starts with this (their owner indexes too), removed at the end. */
const PREFIX = `test:header:${process.pid}:${Date.now().toString(36)}:`;

/** Apps of the header option on RedisStore, on the shared redis-server (127.0.0.1:6379). */
describe.each(PLATFORMS)('the header option on RedisStore, over HTTP on $name', (platform) => {
  describeHeaderClients(platform, () => ({ store: new RedisStore({ url: 'redis://127.0.0.1:6379', prefix: PREFIX }) }));
});

afterAll(async () => {
  const client = new Redis(6379, '127.0.0.1');
  try {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await client.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = nextCursor;
    } while (cursor !== '0');
  } finally {
    await client.quit();
  }
});
