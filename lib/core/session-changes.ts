import type { Session } from './session.js';
import type { SessionRecord } from './session-store.js';

/**
 * The session's data as JSON, one entry per top-level key, in key order. Keys whose value JSON
 * drops (`undefined`, functions) are absent, as they are from `JSON.stringify(data)`.
 */
export type KeyedDataJson = ReadonlyMap<string, string>;

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
 * Serializes the data (not the cookie) key by key. Costs what one `JSON.stringify(data)`
 * costs: `joinKeyedDataJson` then builds that string from the pieces without serializing again.
 */
export function serializeDataByKey(session: Session): KeyedDataJson {
  const byKey = new Map<string, string>();
  const data = session as unknown as Record<string, unknown>;
  for (const key of Object.keys(data)) {
    if (key === 'cookie') continue;
    const json = JSON.stringify(data[key]);
    if (json !== undefined) byKey.set(key, json);
  }
  return byKey;
}

/** The same string `JSON.stringify(data)` gives, built from the per-key pieces. */
export function joinKeyedDataJson(byKey: KeyedDataJson): string {
  if (byKey.size === 0) return '{}';
  const members: string[] = [];
  for (const [key, json] of byKey) members.push(JSON.stringify(key) + ':' + json);
  return '{' + members.join(',') + '}';
}

/** The keys set or deleted between two serializations of a session's data. */
export function changesBetween(before: KeyedDataJson, after: KeyedDataJson, baseRecord?: SessionRecord): SessionChanges {
  const setKeys = new Map<string, string>();
  for (const [key, json] of after) {
    if (before.get(key) !== json) setKeys.set(key, json);
  }
  const deletedKeys: string[] = [];
  for (const key of before.keys()) {
    if (!after.has(key)) deletedKeys.push(key);
  }
  return baseRecord === undefined ? { setKeys, deletedKeys } : { setKeys, deletedKeys, baseRecord };
}
