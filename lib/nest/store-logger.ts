import { Logger } from '@nestjs/common';
import type { SessionStore } from '../core/store/session-store.js';

/** A store that logs (RedisStore) and lets its owner choose where, unless the user already did. */
interface StoreWithDefaultLogger {
  useDefaultLogger(logger: { warn(message: string, ...details: unknown[]): void }): void;
}

function acceptsDefaultLogger(store: object): store is StoreWithDefaultLogger {
  return typeof (store as Partial<StoreWithDefaultLogger>).useDefaultLogger === 'function';
}

/**
 * Routes the store's messages (connection lost / back, unreadable data) through Nest's
 * `Logger`, so they follow the app's logger settings. The store's own `logger` option wins:
 * the store ignores the call then. Duck-typed, so that this module never loads a store (and
 * ioredis) the app does not use.
 */
export function withNestLogger<T extends SessionStore>(store: T): T {
  if (acceptsDefaultLogger(store)) store.useDefaultLogger(new Logger('SessionStore'));
  return store;
}
