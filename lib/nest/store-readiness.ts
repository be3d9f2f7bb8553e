import { Logger } from '@nestjs/common';
import type { SessionStore } from '../core/store/session-store.js';

/** How long start-up waits for a store still getting ready (a SQL table being created, a Redis connection opening). */
export const STORE_READY_WAIT_MS = 10_000;

/** Where the start-up warnings go: Nest's `Logger`, in production. */
export interface ReadinessLogger {
  warn(message: string): void;
}

/**
 * Waits, at most `waitMs`, for the store to be ready (`SessionStore.whenReady`), so that the
 * app's first requests do not pay for creating a table or opening a connection. A store that
 * is not ready does not stop the app: one warning, and requests that need the store answer 503
 * until it is back, as after any outage.
 */
export async function awaitStoreReady(store: SessionStore, logger: ReadinessLogger = new Logger('SessionStore'), waitMs = STORE_READY_WAIT_MS): Promise<void> {
  const { whenReady } = store;
  if (typeof whenReady !== 'function') return;
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'waited'>((resolve) => {
    timer = setTimeout(() => resolve('waited'), waitMs);
  });
  const outcome = await Promise.race([
    // Through a promise chain: a store that throws, or answers with no promise, is a store not ready.
    Promise.resolve()
      .then(() => whenReady.call(store))
      .then(
        () => 'ready' as const,
        (error: unknown) => error,
      ),
    waited,
  ]);
  clearTimeout(timer);
  if (outcome === 'ready') return;
  const why = outcome === 'waited' ? `it was not ready after ${waitMs / 1000} s` : `it is not ready: ${outcome instanceof Error ? outcome.message : String(outcome)}`;
  logger.warn(`nest-sessions: the app starts without its session store (${why}); requests that need a session answer 503 until the store answers`);
}
