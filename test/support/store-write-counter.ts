import type { SessionStore } from '../../lib/index.js';

/** The store methods that write a session. */
const WRITE_METHODS = ['set', 'merge', 'touch'] as const;

/**
 * Records each call of the store's write methods (`set`, `merge`, `touch`) by name, in order,
 * then calls the real method. Wrapped, a MemoryStore's calls go through its async methods
 * (its immediate ones stand in only for methods nobody replaced).
 */
export function recordStoreWrites(store: SessionStore): string[] {
  const writes: string[] = [];
  for (const method of WRITE_METHODS) {
    const original = store[method] as ((...args: unknown[]) => unknown) | undefined;
    if (original === undefined) continue;
    (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      writes.push(method);
      return original.apply(store, args);
    };
  }
  return writes;
}
