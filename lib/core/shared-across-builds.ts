/**
 * The package ships an ESM build and a CommonJS build, and one process can load both: an ESM
 * app whose CommonJS dependency requires nest-sessions, or a test runner mixing the two. Classes
 * whose identity matters (the `SessionStore` injection token, the error classes callers test
 * with `instanceof`) are therefore taken from the first build that loaded, through a registry
 * on `globalThis` under a registered symbol: both builds then export the very same class.
 */
const REGISTRY_KEY = Symbol.for('nest-sessions.shared-classes.v1');

type AnyClass = abstract new (...args: never[]) => unknown;

/** `localClass`, or the class registered under `name` by the build that loaded first. */
export function sharedAcrossBuilds<T extends AnyClass>(name: string, localClass: T): T {
  const holder = globalThis as typeof globalThis & { [REGISTRY_KEY]?: Map<string, AnyClass> };
  const registry = (holder[REGISTRY_KEY] ??= new Map());
  if (!registry.has(name)) registry.set(name, localClass);
  return registry.get(name) as T;
}
