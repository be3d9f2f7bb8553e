import { Cluster, Command, Redis } from 'ioredis';
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';
// Not the global: a test's fake timers (Jest's replace the global one) must not hold the store's writes.
import { setImmediate } from 'node:timers';
import type { RedisClient } from './redis-client.js';

/** A command's arguments as the store sends them: text, as Redis receives them (numbers written out). */
export type CommandArgument = string;

/**
 * The store's commands need no timer of ioredis' own: the store bounds each of its calls by the
 * client's `commandTimeout`, from the call's start (RedisCalls), so the timer ioredis starts and
 * clears per command (`setTimeout`, when the client has a `commandTimeout`) could only fire after
 * the call has failed already.
 */
class StoreCommand extends Command {
  override setTimeout(): void {}
}

/**
 * Given to `Command`'s constructor instead of the arguments, set after: it copies what it is
 * given through `args.flat()`, a builtin that costs more than the rest of the command. The
 * store's arguments are flat already, and their names have no argument transformer (those of
 * HMSET, MSET…, which the constructor would apply).
 */
const NO_ARGUMENTS: string[] = [];

/**
 * A corked socket's batch of commands as one string write. Node's `writev` of string chunks
 * reads each chunk and its encoding back from JavaScript and copies each into a buffer of its
 * own (~2,000 instructions a chunk, bench/PROFILE.md); the write of their concatenation copies
 * once. Chunks of another kind (a Buffer from a client in buffer mode) take the socket's own way.
 */
function writeAsOneString(this: Writable, chunks: Array<{ chunk: unknown; encoding: BufferEncoding }>, callback: (error?: Error | null) => void): void {
  let text = '';
  for (const { chunk, encoding } of chunks) {
    if (typeof chunk !== 'string' || encoding !== 'utf8') return Socket.prototype._writev!.call(this, chunks, callback);
    text += chunk;
  }
  this._write(text, 'utf8', callback);
}

/**
 * How RedisStore sends its own commands (one key each): straight to the client's `sendCommand`,
 * below ioredis' command methods. Those wrap each call in an auto-pipeline when
 * `enableAutoPipelining` is on (as in `failFastClientOptions`): a `Pipeline`, a `setImmediate`,
 * an `exec` promise and a callback per batch, and a `process.nextTick` per reply, which cost
 * more than the command itself (bench/PROFILE.md). `sendCommand` keeps what matters: the
 * client's offline queue, a Cluster's routing by slot and redirections (the bound of
 * `commandTimeout` is the store's, see StoreCommand).
 * A client of another ioredis copy than the one the store loads (its `Command` may differ) goes
 * through its own `call` instead.
 *
 * A single node's socket is corked from the first command of a turn of the event loop until
 * the turn's end (`setImmediate`), so that the commands of all the requests the turn handled
 * leave in one write: ioredis writes each at once, a system call per command, where node-redis
 * (connect-redis') batches its writes so (bench/PROFILE.md, "the kernel's share").
 */
export class RedisCommands {
  readonly #client: RedisClient;
  /** Whether `Command`s of the store's ioredis copy can be given to the client. */
  readonly #isSameCopy: boolean;
  /** A single node (not a Cluster, whose commands go to several sockets): its socket is corked per turn. */
  readonly #isSingleNode: boolean;
  /** The socket corked in this turn of the event loop, until `#uncork` runs at its end. */
  #corkedSocket: Writable | undefined;

  constructor(client: RedisClient) {
    this.#client = client;
    this.#isSingleNode = client instanceof Redis;
    this.#isSameCopy = this.#isSingleNode || client instanceof Cluster;
  }

  /** Sends `name args` and resolves to the reply, bulk strings decoded as UTF-8 (as ioredis' methods do). */
  send(name: string, args: CommandArgument[]): Promise<unknown> {
    const client = this.#client;
    if (!this.#isSameCopy) return client.call(name, ...args);
    const errorStack = client.options.showFriendlyErrorStack ? new Error() : undefined;
    if (this.#isSingleNode && this.#corkedSocket === undefined) this.#corkForThisTurn(client as Redis);
    const command = new StoreCommand(name, NO_ARGUMENTS, { replyEncoding: 'utf8', errorStack });
    command.args = args;
    return (client as unknown as Redis).sendCommand(command) as Promise<unknown>;
  }

  #corkForThisTurn(redis: Redis): void {
    // Not connected: ioredis queues the command and writes its queue itself once it is.
    const socket = redis.stream as Writable | undefined;
    if (redis.status !== 'ready' || socket === undefined || !socket.writable) return;
    // Only over Node's own writev (a TCP or TLS socket), which it falls back to.
    if (socket._writev === Socket.prototype._writev) socket._writev = writeAsOneString;
    socket.cork();
    this.#corkedSocket = socket;
    setImmediate(this.#uncork);
  }

  readonly #uncork = (): void => {
    const socket = this.#corkedSocket;
    this.#corkedSocket = undefined;
    socket?.uncork();
  };
}
