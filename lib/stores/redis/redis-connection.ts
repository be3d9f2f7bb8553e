import type { EventEmitter } from 'node:events';
import { StoreConnectionState } from '../../core/store/store-connection-state.js';
import { DOWN_STATUSES } from './redis-client.js';
import type { RedisClient } from './redis-client.js';


/**
 * RedisStore's connection state, following the ioredis client's events: down from a lost
 * connection (`close`, `end`) until the client is `ready` again.
 */
export class RedisConnection extends StoreConnectionState {
  readonly #client: RedisClient;
  readonly #clientListeners: Array<[event: string, listener: (...args: any[]) => void]>;

  constructor(client: RedisClient, store: EventEmitter, log: (message: string) => void) {
    super(store, { store: 'RedisStore', backend: 'Redis' }, !DOWN_STATUSES.has(client.status), log);
    this.#client = client;
    this.#clientListeners = [
      ['ready', () => this.setConnected(true)],
      ['close', () => this.setConnected(false)],
      ['end', () => this.setConnected(false)],
      // Without an 'error' listener ioredis prints every failed reconnect to stderr ("Unhandled
      // error event"), a line every few hundred ms while Redis is down, also for a client passed
      // in. The error is kept for the 503's message; the connection change is logged once.
      ['error', (error: Error) => this.recordError(error)],
    ];
    for (const [event, listener] of this.#clientListeners) client.on(event, listener);
  }

  /** Stops following the client: the store is closing, and a client passed in stays its owner's. */
  stopFollowing(): void {
    for (const [event, listener] of this.#clientListeners) this.#client.off(event, listener);
  }
}
