import { SessionStoreUnavailableError } from '../../core/errors.js';
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

/**
 * `pending` (its failure as `toError` types it), or a `SessionStoreUnavailableError` once
 * `timeoutMs` have passed since the call, whichever comes first. ioredis starts a command's
 * `commandTimeout` only when it writes the command; with auto-pipelining a command can first
 * wait behind a pipeline stuck on a frozen server, so only a timer started here bounds the
 * whole wait. The command is not cancelled (the guarded writes make a late one harmless); its
 * later outcome is observed and dropped. (One timer shared by all pending calls, armed for the
 * oldest, was measured too: no fewer instructions, as node's timer list for one duration is
 * already cheap; see bench/PROFILE.md, "Redis modes".)
 */
export function withinDeadline<T>(
  pending: Promise<T>,
  timeoutMs: number,
  action: string,
  toError: (error: unknown, action: string) => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new SessionStoreUnavailableError(
          `nest-sessions: Redis is unavailable, could not ${action}: Command timed out (no reply within ${timeoutMs} ms)`,
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
        reject(toError(error, action));
      },
    );
  });
}
