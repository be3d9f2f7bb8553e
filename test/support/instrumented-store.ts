import { SessionStore } from '../../lib/index.js';
import type { SessionRecord, StoreWriteOptions } from '../../lib/index.js';
import { newBackingStore } from './backing-store.js';

type StoreMethod = 'get' | 'set' | 'destroy' | 'touch';

/**
 * A real store (the run's backing store: a MemoryStore, or a PostgresStore in the e2e run on
 * PostgreSQL) that records every call and can be told to fail or to answer slowly, so tests can
 * see what the middleware asked of the store and what happens when it misbehaves.
 */
export class InstrumentedStore extends SessionStore {
  readonly inner = newBackingStore();
  readonly calls: Array<{ method: StoreMethod; sessionId: string; mode?: string }> = [];
  /** Errors the next calls of a method reject with (consumed one per call), or `always`. */
  readonly failures: Partial<Record<StoreMethod, Error | { always: Error }>> = {};
  /** Milliseconds each call of a method waits before it runs. */
  readonly delays: Partial<Record<StoreMethod, number>> = {};
  closed = false;
  /** What the store reports before any connection event. */
  isConnectedAtStart = true;

  override get isConnected(): boolean {
    return this.isConnectedAtStart;
  }

  /** The module's logger reaches the real store (a PostgresStore warns through it about unreadable rows). */
  useDefaultLogger(logger: { warn(message: string): void }): void {
    if ('useDefaultLogger' in this.inner) this.inner.useDefaultLogger(logger);
  }

  callsOf(method: StoreMethod): string[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.sessionId);
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    await this.#before('get', sessionId);
    return this.inner.get(sessionId);
  }

  async set(sessionId: string, record: SessionRecord, options?: StoreWriteOptions): Promise<boolean> {
    await this.#before('set', sessionId, options?.mode);
    return this.inner.set(sessionId, record, options);
  }

  async destroy(sessionId: string): Promise<void> {
    await this.#before('destroy', sessionId);
    return this.inner.destroy(sessionId);
  }

  override async touch(sessionId: string, record: SessionRecord): Promise<boolean> {
    await this.#before('touch', sessionId);
    return this.inner.touch(sessionId, record);
  }

  override async close(): Promise<void> {
    this.closed = true;
    await this.inner.close();
  }

  async #before(method: StoreMethod, sessionId: string, mode?: string): Promise<void> {
    this.calls.push({ method, sessionId, mode });
    const delay = this.delays[method];
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    const failure = this.failures[method];
    if (failure) {
      if (failure instanceof Error) {
        delete this.failures[method];
        throw failure;
      }
      throw failure.always;
    }
  }
}
