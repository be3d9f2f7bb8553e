import type { SessionRecord } from './session-store.js';

/**
 * What one request changed in a session, key by key: what a store that merges writes instead
 * of the whole record, so overlapping requests of one session do not undo each other.
 */
export interface SessionChanges {
  /** Top-level keys added or changed, each with its value's JSON. */
  readonly setKeys: ReadonlyMap<string, string>;
  /** Top-level keys removed. */
  readonly deletedKeys: readonly string[];
  /**
   * The record the changes are relative to, as the store's `get` returned it, when the request
   * has not written the session since it loaded it. A store that can tell nothing was written
   * meanwhile may write the record whole instead (the same result, for less work).
   */
  readonly baseRecord?: SessionRecord;
}

/**
 * The changes between two serializations of a session's data (`serializeSessionData`): the
 * data the store holds as far as the request knows, and the data it saves. Worked out only
 * when a store reads them: the lifecycle keeps whole JSON strings, which change detection
 * needs anyway, so requests that do not merge (new sessions, touches, a MemoryStore nobody
 * wrote to meanwhile) pay nothing for it.
 */
export function changesBetween(beforeJson: string, afterJson: string, baseRecord?: SessionRecord): SessionChanges {
  return new DataJsonChanges(beforeJson, afterJson, baseRecord);
}

class DataJsonChanges implements SessionChanges {
  #setKeys: Map<string, string> | undefined;
  #deletedKeys: string[] | undefined;

  constructor(
    private readonly beforeJson: string,
    private readonly afterJson: string,
    readonly baseRecord?: SessionRecord,
  ) {}

  get setKeys(): ReadonlyMap<string, string> {
    if (this.#setKeys === undefined) this.#compare();
    return this.#setKeys!;
  }

  get deletedKeys(): readonly string[] {
    if (this.#deletedKeys === undefined) this.#compare();
    return this.#deletedKeys!;
  }

  /** Key by key, as JSON: parsing JSON.stringify's output and serializing a value again gives the same text. */
  #compare(): void {
    const before = JSON.parse(this.beforeJson) as Record<string, unknown>;
    const after = JSON.parse(this.afterJson) as Record<string, unknown>;
    this.#setKeys = new Map();
    this.#deletedKeys = [];
    for (const key of Object.keys(after)) {
      const json = JSON.stringify(after[key]);
      if (!Object.hasOwn(before, key) || JSON.stringify(before[key]) !== json) this.#setKeys.set(key, json);
    }
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) this.#deletedKeys.push(key);
    }
  }
}
