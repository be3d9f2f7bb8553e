import { SessionStoreUnavailableError } from '../errors.js';
import type { SessionStoreError } from '../errors.js';

/** What a store's calls need to know of its backend: its name in messages, how its client fails. */
export interface StoreBackend {
  /** As messages name it: `'Redis'`. */
  readonly name: string;
  /** A failure of the backend's client as a store error: 503 when it cannot be reached, else 500. */
  toStoreError(error: unknown, action: string): SessionStoreError;
}

/**
 * One call to the backend: the command's failure (also one it throws at once) typed by the
 * backend, and, with `timeoutMs`, a `SessionStoreUnavailableError` once that has passed. Not an
 * async function: the deadline's promise is the only one wrapped around the command's.
 */
export function storeCall<T>(backend: StoreBackend, action: string, command: () => Promise<T>, timeoutMs: number | undefined): Promise<T> {
  let pending: Promise<T>;
  try {
    pending = command();
  } catch (error) {
    return Promise.reject(backend.toStoreError(error, action));
  }
  if (timeoutMs !== undefined) return withinDeadline(pending, timeoutMs, action, backend);
  return pending.then(undefined, (error: unknown) => {
    throw backend.toStoreError(error, action);
  });
}

/**
 * `pending` (its failure as the backend types it), or a `SessionStoreUnavailableError` once
 * `timeoutMs` have passed since the call, whichever comes first. A client's own timeout may
 * start only when it sends the command (ioredis' does: with auto-pipelining a command can first
 * wait behind a pipeline stuck on a frozen server), so only a timer started here bounds the
 * whole wait. The command is not cancelled (guarded writes make a late one harmless); its
 * later outcome is observed and dropped.
 */
export function withinDeadline<T>(pending: Promise<T>, timeoutMs: number, action: string, backend: StoreBackend): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const queue = deadlineQueueFor(timeoutMs);
    const call = queue.add(() => {
      reject(
        new SessionStoreUnavailableError(
          `nest-sessions: ${backend.name} is unavailable, could not ${action}: Command timed out (no reply within ${timeoutMs} ms)`,
        ),
      );
    });
    pending.then(
      (value) => {
        queue.remove(call);
        resolve(value);
      },
      (error: unknown) => {
        queue.remove(call);
        reject(backend.toStoreError(error, action));
      },
    );
  });
}

/** A call waiting for its reply, in its queue's list (oldest first). */
interface WaitingCall {
  readonly expiresAt: number;
  readonly expire: () => void;
  previous: WaitingCall | undefined;
  next: WaitingCall | undefined;
  isWaiting: boolean;
}

/**
 * The calls waiting under one timeout, oldest first: as they all wait equally long, the oldest
 * expires first, so one timer (for the oldest) bounds them all. A call that gets its reply
 * leaves the list without touching the timer (unless it was the last); when the timer fires it
 * expires what is due and re-arms for the new oldest. Under load, when calls overlap, a store
 * call costs a list link instead of a `setTimeout` and a `clearTimeout` of its own.
 */
class DeadlineQueue {
  #oldest: WaitingCall | undefined;
  #newest: WaitingCall | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly timeoutMs: number) {}

  add(expire: () => void): WaitingCall {
    const call: WaitingCall = { expiresAt: Date.now() + this.timeoutMs, expire, previous: this.#newest, next: undefined, isWaiting: true };
    if (this.#newest) this.#newest.next = call;
    else this.#oldest = call;
    this.#newest = call;
    if (!this.#timer) this.#arm(this.timeoutMs);
    return call;
  }

  remove(call: WaitingCall): void {
    if (!call.isWaiting) return;
    call.isWaiting = false;
    if (call.previous) call.previous.next = call.next;
    else this.#oldest = call.next;
    if (call.next) call.next.previous = call.previous;
    else this.#newest = call.previous;
    call.previous = call.next = undefined;
    // Nothing left to bound: no timer stays behind (fake timers uninstalled under it would never fire).
    if (!this.#oldest && this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(this.#expireDue, delayMs);
    // The waiting calls' own sockets keep the process alive; the deadline alone must not.
    this.#timer.unref?.();
  }

  readonly #expireDue = (): void => {
    this.#timer = undefined;
    const now = Date.now();
    let oldest = this.#oldest;
    while (oldest && oldest.expiresAt <= now) {
      this.remove(oldest);
      oldest.expire();
      oldest = this.#oldest;
    }
    if (oldest) this.#arm(oldest.expiresAt - now);
  };
}

const deadlineQueues = new Map<number, DeadlineQueue>();

function deadlineQueueFor(timeoutMs: number): DeadlineQueue {
  let queue = deadlineQueues.get(timeoutMs);
  if (!queue) deadlineQueues.set(timeoutMs, (queue = new DeadlineQueue(timeoutMs)));
  return queue;
}
