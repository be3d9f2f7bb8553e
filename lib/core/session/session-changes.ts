import { applyFlashChanges, FLASH_KEY, flashChangesBetween } from './flash.js';
import type { FlashChanges } from './flash.js';
import { cookieObjectEndIn, hasDataJsonAt } from './record-json.js';
import type { SessionRecord } from './session-record.js';

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
  /**
   * The data's JSON the changes are relative to (`JSON.stringify` of the data, without the
   * cookie): with `baseRecord`, what the request made of it. A store that keeps the text it
   * read can tell from it whether writing the record whole would rewrite keys nobody changed.
   */
  readonly baseDataJson?: string;
  /**
   * The flash messages added and removed, one by one. A store with `takeFlashMessages` applies
   * these instead of the `__flash` entry of `setKeys` / `deletedKeys` (the whole message list);
   * without them, `__flash` is a key like any other.
   */
  readonly flash?: FlashChanges;
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
  #flash: FlashChanges | undefined;
  #before: Record<string, unknown> | undefined;
  #after: Record<string, unknown> | undefined;

  constructor(
    readonly baseDataJson: string,
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

  get flash(): FlashChanges {
    this.#parse();
    return (this.#flash ??= flashChangesBetween(this.#before!, this.#after!));
  }

  #parse(): void {
    this.#before ??= JSON.parse(this.baseDataJson) as Record<string, unknown>;
    this.#after ??= JSON.parse(this.afterJson) as Record<string, unknown>;
  }

  /** Key by key, as JSON: parsing JSON.stringify's output and serializing a value again gives the same text. */
  #compare(): void {
    this.#parse();
    const before = this.#before!;
    const after = this.#after!;
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

/**
 * Applies one request's changes to a stored session's data (parsed, changed in place): its set
 * keys take the values their JSON gives (the record a store is given need not carry them), its
 * deleted keys go, every other key stays as stored; flash messages are added and removed one by
 * one (`changes.flash`), so overlapping requests neither lose a message nor bring back one
 * another request read.
 */
export function applySessionChanges(data: Record<string, unknown>, changes: SessionChanges): void {
  const { flash } = changes;
  for (const key of changes.deletedKeys) if (!(flash && key === FLASH_KEY)) delete data[key];
  for (const [key, json] of changes.setKeys) if (!(flash && key === FLASH_KEY)) data[key] = JSON.parse(json);
  if (flash) applyFlashChanges(data, flash);
}

/**
 * Whether writing a request's whole record over the text it loaded (`loadedText`) keeps every
 * key the request did not change byte for byte: after its cookie, the loaded text is what
 * JSON.stringify makes of the data the request loaded. Not so for values another writer
 * formatted its own way, with numbers JavaScript rounds (64-bit ids), or with keys the Session
 * drops (a stored `save`): those are merged key by key. The cookie's own text may differ: every
 * save replaces it. Stores with a compare-and-write use it to skip the merge. `knownCookieEnd`:
 * where the cookie ends in `loadedText`, when the store read it so (else it is walked to).
 */
export function isRewritableLoadedText(loadedText: string, changes: SessionChanges, knownCookieEnd?: number): boolean {
  const { baseRecord, baseDataJson } = changes;
  if (baseRecord === undefined || baseDataJson === undefined) return false;
  const cookieEnd = knownCookieEnd ?? cookieObjectEndIn(loadedText);
  return cookieEnd !== 0 && hasDataJsonAt(loadedText, cookieEnd, baseDataJson);
}
