/** What the cache holds for one storage key: the sealed value and the JSON it seals. */
interface OpenedEntry {
  readonly sealed: string;
  readonly text: string;
  readonly keyId: string;
  readonly cookieEnd: number;
  /** Characters held for it (sealed value, JSON and storage key), counted against the bound. */
  readonly size: number;
}

/** The JSON a sealed value holds and the key id that sealed it. */
export interface KnownOpening {
  readonly text: string;
  readonly keyId: string;
  /** Where the cookie ends in the JSON, for a whole record's (see `remember`); 0 otherwise. */
  readonly cookieEnd: number;
}

/**
 * The session data this process last sealed or opened, by storage key, with the sealed value
 * it belongs to: a load that finds that same sealed value (most often the one this process
 * wrote) takes the JSON from here instead of decrypting it again. The whole sealed value is
 * compared (its random IV and its tag with it), so a value written by another process, or
 * changed in the store, is always opened and authenticated. Bounded by the characters held,
 * the oldest entry going first; 0 keeps nothing. The JSON is in the process's memory only,
 * as the session itself is while a request uses it, never in the store.
 */
export class OpenedDataCache {
  readonly #entries = new Map<string, OpenedEntry>();
  #heldSize = 0;

  constructor(
    /** The most characters held at once. */
    readonly maxSize: number,
  ) {}

  /**
   * Remembers that `sealed`, stored under `storageKey`, seals `text` with key `keyId`: the
   * sealed value and its data's JSON, or, for a store that keeps whole records in this process,
   * the store's entry and the record's JSON in clear, whose cookie ends at `cookieEnd`.
   */
  remember(storageKey: string, sealed: string, text: string, keyId: string, cookieEnd = 0): void {
    this.forget(storageKey);
    const size = storageKey.length + sealed.length + text.length;
    if (size > this.maxSize) return;
    this.#entries.set(storageKey, { sealed, text, keyId, cookieEnd, size });
    this.#heldSize += size;
    for (const [oldestKey] of this.#entries) {
      if (this.#heldSize <= this.maxSize) break;
      this.forget(oldestKey);
    }
  }

  /** The JSON `sealed` holds, when it is the value (or entry) last remembered under `storageKey`. */
  known(storageKey: string, sealed: string): KnownOpening | undefined {
    const entry = this.#entries.get(storageKey);
    return entry !== undefined && entry.sealed === sealed ? entry : undefined;
  }

  forget(storageKey: string): void {
    const entry = this.#entries.get(storageKey);
    if (entry === undefined) return;
    this.#entries.delete(storageKey);
    this.#heldSize -= entry.size;
  }

  clear(): void {
    this.#entries.clear();
    this.#heldSize = 0;
  }

  /** Characters held now (for tests and diagnostics). */
  get heldSize(): number {
    return this.#heldSize;
  }
}
