import { SessionStoreError } from '../../core/errors.js';

/** What names the driver in messages: the store, the package, and the option that needs it. */
export interface OptionalDriver {
  storeName: string;
  packageName: string;
  /** The option that makes the store load it (`connectionString`, `uri`). */
  option: string;
  /** The major version the store works with, for the install hint. */
  majorVersion: number;
}

/**
 * Loads an optional peer dependency when a store first needs it (`import()`, which the
 * CommonJS build turns into `require`), and `pick`s what the store uses from it (on the
 * module, or on its CommonJS `default`). A missing or unusable package is one error naming it.
 */
export async function loadOptionalDriver<T>(driver: OptionalDriver, load: () => Promise<unknown>, pick: (module: Record<string, unknown>) => unknown): Promise<T> {
  const { storeName, packageName, option, majorVersion } = driver;
  let loaded: Record<string, unknown> & { default?: Record<string, unknown> };
  try {
    loaded = (await load()) as typeof loaded;
  } catch (error) {
    throw new SessionStoreError(`nest-sessions: ${storeName} needs the \`${packageName}\` package to connect with \`${option}\`: install it (npm install ${packageName})`, { cause: error });
  }
  const picked = pick(loaded) ?? (loaded.default ? pick(loaded.default) : undefined);
  if (typeof picked !== 'function') {
    throw new SessionStoreError(`nest-sessions: the \`${packageName}\` package found is not one ${storeName} can use: install ${packageName} ${majorVersion} (npm install ${packageName}@${majorVersion})`);
  }
  return picked as T;
}
