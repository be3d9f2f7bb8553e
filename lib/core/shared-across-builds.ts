/**
 * The package ships an ESM build and a CommonJS build, and one process can load both: an ESM
 * app whose CommonJS dependency requires nest-sessions, or a test runner mixing the two. Classes
 * whose identity matters (the `SessionStore` injection token, the error classes callers test
 * with `instanceof`) and the per-request state both builds read (request-state.ts) are
 * therefore taken from the first build that loaded, through a registry on `globalThis` under a
 * registered symbol: both builds then use the very same object.
 */
const REGISTRY_KEY = Symbol.for('nest-sessions.shared-classes.v1');

/** `local`, or the class (or object) registered under `name` by the build that loaded first. */
export function sharedAcrossBuilds<T extends object>(name: string, local: T): T {
  const holder = globalThis as typeof globalThis & { [REGISTRY_KEY]?: Map<string, object> };
  const registry = (holder[REGISTRY_KEY] ??= new Map());
  if (!registry.has(name)) registry.set(name, local);
  return registry.get(name) as T;
}

/**
 * An exported class shared across builds (see `sharedAcrossBuilds`), its `name` made the exported
 * one: the local class has another name (`LocalSessionOptionsError`) only so that the shared
 * value can take the exported name, and `constructor.name` is what Nest's logger and DI errors print.
 */
export function sharedClass<T extends abstract new (...args: never[]) => unknown>(name: string, local: T): T {
  Object.defineProperty(local, 'name', { value: name, configurable: true });
  return sharedAcrossBuilds(name, local);
}
