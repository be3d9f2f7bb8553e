import { Cluster, Command, Redis } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/** A command's arguments as the store sends them. */
export type CommandArgument = string | number;

/**
 * How RedisStore sends its own commands (one key each): straight to the client's `sendCommand`,
 * below ioredis' command methods. Those wrap each call in an auto-pipeline when
 * `enableAutoPipelining` is on (as in `failFastClientOptions`): a `Pipeline`, a `setImmediate`,
 * an `exec` promise and a callback per batch, and a `process.nextTick` per reply, which cost
 * more than the command itself (bench/PROFILE.md). `sendCommand` keeps what matters: the
 * client's `commandTimeout`, its offline queue, a Cluster's routing by slot and redirections.
 * A client of another ioredis copy than the one the store loads (its `Command` may differ) goes
 * through its own `call` instead.
 */
export class RedisCommands {
  readonly #client: RedisClient;
  /** Whether `Command`s of the store's ioredis copy can be given to the client. */
  readonly #isSameCopy: boolean;

  constructor(client: RedisClient) {
    this.#client = client;
    this.#isSameCopy = client instanceof Redis || client instanceof Cluster;
  }

  /** Sends `name args` and resolves to the reply, bulk strings decoded as UTF-8 (as ioredis' methods do). */
  send(name: string, args: CommandArgument[]): Promise<unknown> {
    const client = this.#client;
    if (!this.#isSameCopy) return client.call(name, ...args);
    const errorStack = client.options.showFriendlyErrorStack ? new Error() : undefined;
    return (client as unknown as Redis).sendCommand(new Command(name, args, { replyEncoding: 'utf8', errorStack })) as Promise<unknown>;
  }
}
