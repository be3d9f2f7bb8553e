/**
 * nest-sessions/redis: the Redis store. A subpath of its own so that apps on the MemoryStore
 * never load ioredis (an optional peer dependency, needed only by apps that import this).
 */
// Before anything else: ioredis, then String.prototype back in V8's fast mode.
import './stores/redis/fast-string-prototype.js';
export { RedisStore } from './stores/redis/redis-store.js';
export type { RedisStoreOptions, RedisSessionSerializer, RedisStoreLogger, FailFastClientOptions, ReplicaAcks } from './stores/redis/redis-store-options.js';
export type { RedisClient } from './stores/redis/redis-client.js';
