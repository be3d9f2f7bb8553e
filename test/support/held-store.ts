import type { SessionStore } from '../../lib/index.js';

/** The store methods a test can hold a call of. */
export type HeldMethod = 'get' | 'set' | 'merge' | 'destroy' | 'take' | 'touch' | 'ownerSessionIds';

const HELD_METHODS: ReadonlySet<string> = new Set<HeldMethod>(['get', 'set', 'merge', 'destroy', 'take', 'touch', 'ownerSessionIds']);

/** One call held before it reaches the store, until the test releases it. */
export interface HeldCall {
  /** Resolves once a matching call arrived (and waits). */
  readonly reached: Promise<void>;
  /** Lets the call go on to the store. */
  release(): void;
}

interface PendingHold {
  matches: (method: HeldMethod, sessionId: string) => boolean;
  reached: () => void;
  released: Promise<void>;
}

/**
 * A real store (MemoryStore, RedisStore, an adapted express-session store) whose calls a test
 * can hold one at a time, to play a race in a known order. `holdNext(matcher)` holds the next
 * call that matches; every other call goes straight through. The store is the real one: the
 * proxy only delays calls, it answers nothing itself.
 */
export function holdableStore<T extends SessionStore>(store: T): { store: T; holdNext(matches: PendingHold['matches']): HeldCall } {
  const holds: PendingHold[] = [];
  const proxy = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (typeof property !== 'string' || !HELD_METHODS.has(property)) return value.bind(target);
      return async (...args: unknown[]) => {
        const index = holds.findIndex((hold) => hold.matches(property as HeldMethod, String(args[0])));
        if (index !== -1) {
          const [hold] = holds.splice(index, 1);
          hold!.reached();
          await hold!.released;
        }
        return (value as (...callArgs: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store: proxy,
    holdNext(matches) {
      let reached!: () => void;
      let release!: () => void;
      const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ matches, reached, released });
      return { reached: reachedPromise, release };
    },
  };
}
