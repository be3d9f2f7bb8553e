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
    const timer = setTimeout(() => {
      reject(
        new SessionStoreUnavailableError(
          `nest-sessions: ${backend.name} is unavailable, could not ${action}: Command timed out (no reply within ${timeoutMs} ms)`,
        ),
      );
    }, timeoutMs);
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(backend.toStoreError(error, action));
      },
    );
  });
}
