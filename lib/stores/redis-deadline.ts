import { SessionStoreUnavailableError } from '../core/errors.js';
import type { RedisClient } from './redis-store-options.js';

/**
 * The client's own `commandTimeout` (on a Cluster, that of its node clients), or `undefined`
 * when it has none: the store then waits as long as the client does.
 */
export function commandTimeoutOf(client: RedisClient): number | undefined {
  const { commandTimeout, redisOptions } = client.options;
  const timeoutMs = commandTimeout ?? redisOptions?.commandTimeout;
  return typeof timeoutMs === 'number' && timeoutMs > 0 && Number.isFinite(timeoutMs) ? timeoutMs : undefined;
}

/** A call waiting for its reply; `reject` is dropped once it settles or times out. */
interface PendingCall {
  readonly deadline: number;
  readonly action: string;
  reject: ((error: Error) => void) | undefined;
}

/** Past this many settled calls at the front, the queue is compacted (amortised: at most half of it). */
const COMPACT_AFTER = 1024;

/**
 * Bounds store calls by one deadline each, `timeoutMs` from the call. ioredis starts a command's
 * `commandTimeout` only when it writes the command; with auto-pipelining a command can first
 * wait behind a pipeline stuck on a frozen server, so only a deadline counted from the call
 * bounds the whole wait. The command is not cancelled (the guarded writes make a late one
 * harmless); its later outcome is observed and dropped.
 *
 * Every call has the same timeout, so deadlines fall due in the order the calls were made: one
 * timer, armed for the oldest pending call, serves them all, instead of a timer set and cleared
 * per call. Replies on a connection come in order, so a settled call is almost always the oldest
 * one and leaves the queue at once. The timer does not keep the process alive: whoever waits
 * for a call holds the process open (a request, a socket).
 */
export class CallDeadlines {
  readonly #timeoutMs: number;
  /** How a failed call's error reaches its caller (typed as a store error). */
  readonly #toError: (error: unknown, action: string) => Error;
  /** Pending calls, oldest first; from `#first` on (earlier slots are cleared). */
  #calls: Array<PendingCall | undefined> = [];
  #first = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number, toError: (error: unknown, action: string) => Error) {
    this.#timeoutMs = timeoutMs;
    this.#toError = toError;
  }

  /** `pending` (its failure as `toError` types it), or a `SessionStoreUnavailableError` once the deadline has passed. */
  bound<T>(pending: Promise<T>, action: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call: PendingCall = { deadline: performance.now() + this.#timeoutMs, action, reject };
      this.#calls.push(call);
      if (this.#timer === undefined) this.#arm(this.#timeoutMs);
      pending.then(
        (value) => {
          this.#settle(call);
          resolve(value);
        },
        (error: unknown) => {
          this.#settle(call);
          reject(this.#toError(error, action));
        },
      );
    });
  }

  #settle(call: PendingCall): void {
    call.reject = undefined;
    this.#dropSettled();
  }

  /** Removes the settled calls at the front of the queue. */
  #dropSettled(): void {
    const calls = this.#calls;
    let first = this.#first;
    while (first < calls.length && calls[first]!.reject === undefined) calls[first++] = undefined;
    if (first === calls.length) {
      calls.length = 0;
      first = 0;
    } else if (first > COMPACT_AFTER && first * 2 > calls.length) {
      this.#calls = calls.slice(first);
      first = 0;
    }
    this.#first = first;
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => this.#expire(), delayMs);
    this.#timer.unref();
  }

  /** Fails the calls whose deadline has passed, then re-arms the timer for the oldest one left. */
  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    const calls = this.#calls;
    for (let index = this.#first; index < calls.length; index++) {
      const call = calls[index]!;
      if (call.reject === undefined) continue;
      if (call.deadline > now) break;
      const reject = call.reject;
      call.reject = undefined;
      reject(
        new SessionStoreUnavailableError(
          `nest-sessions: Redis is unavailable, could not ${call.action}: Command timed out (no reply within ${this.#timeoutMs} ms)`,
        ),
      );
    }
    this.#dropSettled();
    const oldest = this.#calls[this.#first];
    if (oldest) this.#arm(Math.max(1, Math.ceil(oldest.deadline - now)));
  }
}
