import type { SessionStore } from '../lib/index.js';
import { RedisStore } from '../lib/redis.js';

/** Where the sample finds Redis when `SESSION_STORE=redis` and `REDIS_URL` is not set. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * The store the sample runs on, chosen with SESSION_STORE:
 * - `memory` (the default, `npm run sample`): `undefined`, i.e. SessionModule's embedded MemoryStore;
 * - `redis`: a RedisStore on `REDIS_URL` (default redis://127.0.0.1:6379). The store creates
 *   its client with fail-fast settings and SessionModule closes it on shutdown.
 */
export function createSampleStore(environment: NodeJS.ProcessEnv = process.env): SessionStore | undefined {
  const storeName = environment.SESSION_STORE ?? 'memory';
  if (storeName === 'memory') return undefined;
  if (storeName === 'redis') {
    return new RedisStore({ url: environment.REDIS_URL ?? DEFAULT_REDIS_URL });
  }
  throw new Error(`SESSION_STORE=${storeName} is not supported; use "memory" or "redis"`);
}
