import type { SessionStore } from '../lib/index.js';

/**
 * The store the sample runs on. `undefined` means SessionModule's embedded MemoryStore
 * (the default, `npm run sample`). Other stores are chosen with SESSION_STORE.
 */
export function createSampleStore(): SessionStore | undefined {
  const storeName = process.env.SESSION_STORE ?? 'memory';
  if (storeName === 'memory') return undefined;
  throw new Error(`SESSION_STORE=${storeName} is not supported; use "memory"`);
}
