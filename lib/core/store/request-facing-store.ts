import type { SessionStore } from './session-store.js';

/** The store methods express-session clients call through `req.sessionStore`. */
const STORE_METHODS = new Set(['get', 'set', 'destroy', 'touch', 'all', 'ids', 'length', 'clear']);

/**
 * The store as `req.sessionStore` shows it. express-session clients call it with callbacks
 * (`req.sessionStore.destroy(id, done)`); our stores return promises and would never call
 * them back. Each store method therefore also accepts a trailing Node-style callback, and
 * still returns its promise. Everything else (`instanceof SessionStore`, events, custom
 * methods) is the store itself.
 */
export function requestFacingStore(store: SessionStore): SessionStore {
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      // The store itself is the receiver: its getters and methods use private fields.
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let wrapper = wrappers.get(property);
      if (!wrapper) {
        const method = value as (...args: unknown[]) => unknown;
        wrapper = STORE_METHODS.has(property as string)
          ? acceptingCallback(method as (...args: unknown[]) => Promise<unknown>, target)
          : method.bind(target);
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

type NodeCallback = (error: unknown, value?: unknown) => void;

function acceptingCallback(method: (...args: unknown[]) => Promise<unknown>, store: SessionStore) {
  return function callWithOptionalCallback(...args: unknown[]): Promise<unknown> {
    const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as NodeCallback) : undefined;
    const result = method.apply(store, args);
    if (callback) {
      // express-session's stores answer a missing session with (null, undefined).
      result.then((value) => callback(null, value ?? undefined), (error: unknown) => callback(error));
      result.catch(() => undefined);
    }
    return result;
  };
}
