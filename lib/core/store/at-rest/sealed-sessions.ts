import { isSessionMadeRecord, isUsableRecord, serializeRecordCookie, serializeRecordData } from '../../session/session-record.js';
import { cookieEndOf, dataJsonAt, flatRecordJsonOf, withCookieJson } from '../../session/record-json.js';
import type { SessionRecord } from '../session-store.js';
import type { EncryptionKeyRing } from './encryption-keys.js';
import { OpenedDataCache } from './opened-data-cache.js';
import { withCookie } from './opened-record.js';
import { isOpened, needsResealing, openRecord, SEALED_KEY, sealedRecordJson, sealRecord, sealText } from './sealed-record.js';
import type { OpenedData, UnreadableReason } from './sealed-record.js';

/** Sessions remembered as due for sealing again (until their next write), at most. */
const MAX_REMEMBERED_RESEALING_SESSIONS = 10_000;

/** Told of each record that does not open (the caller logs and publishes it; never with the storage key). */
export type UnreadableRecordHandler = (reason: UnreadableReason, keyId: string | undefined) => void;

/** A record sealed for a store that keeps JSON: what to write, and what to remember once written. */
export interface SealedJson {
  /** The stored record's JSON: its cookie, its data sealed. */
  readonly json: string;
  /** The record sealed: its cookie gives the expiry. */
  readonly record: SessionRecord;
  /** The record's JSON in clear; undefined when it is not to be remembered (not a session's record). */
  readonly clearJson: string | undefined;
  /** Where the cookie ends in both. */
  readonly cookieEnd: number;
  readonly keyId: string;
}

/** A change to a session's stored data (opened: a copy of its own): the record to write, or undefined to write nothing. */
export type StoredDataUpdate = (data: Record<string, unknown>, stored: SessionRecord) => SessionRecord | undefined;

/**
 * What `SealedDataStore`'s async methods and its immediate ones share: records sealed and
 * opened bound to their storage keys, and what this process remembers of them (the data it
 * last sealed or opened, the stored value each loaded session was read from, the sessions due
 * for sealing again).
 *
 * Over a store that keeps each record as one string in this process (the MemoryStore's
 * `getEntry`), a session is remembered by the store's entry and the record's JSON in clear: a
 * load that finds the entry this process wrote (the very string) parses the clear JSON, once,
 * and nothing is decrypted, copied or serialized again.
 */
export class SealedSessions {
  /** Per session a load returned: the stored record it was opened from, or the store's entry, for the compare-and-set. */
  readonly #readFrom = new WeakMap<SessionRecord, SessionRecord | string>();
  /** Storage keys of sessions loaded sealed with an older key or in version 1: their next touch re-seals them. */
  readonly #dueForResealing = new Set<string>();
  /** The data last sealed or opened per storage key: a load of that same sealed value skips decrypting. */
  readonly #opened: OpenedDataCache;

  constructor(
    private readonly ring: EncryptionKeyRing,
    private readonly onUnreadable: UnreadableRecordHandler,
  ) {
    this.#opened = new OpenedDataCache(ring.openedCacheSize);
  }

  /**
   * The session stored as `stored`, opened; remembered for the compare-and-set. `isChecked`:
   * `stored` came from the store's `getUsable` (its cookie needs no check).
   */
  loaded(storageKey: string, stored: SessionRecord | null | undefined, isChecked = false): SessionRecord | undefined {
    if (stored == null || !(isChecked || isUsableRecord(stored))) return undefined;
    const opened = this.open(storageKey, stored);
    if (opened === undefined) return undefined;
    if (opened.needsResealing) this.#rememberDueForResealing(storageKey);
    const record = withCookie(stored.cookie, opened.data);
    this.#readFrom.set(record, stored);
    return record;
  }

  /**
   * The session in `entry` (as `getEntry` gave it; `jsonOfEntry` reads its JSON), opened:
   * remembered by that entry. Only an entry written from a session's record is known (so its
   * cookie needs no check), and only sealed with the first key.
   */
  loadedFromEntry(storageKey: string, entry: string, jsonOfEntry: (entry: string) => string): SessionRecord | undefined {
    const known = this.#opened.known(storageKey, entry);
    const record = known === undefined ? this.#loadedFromUnknownEntry(storageKey, entry, jsonOfEntry(entry)) : (JSON.parse(known.text) as SessionRecord);
    if (record !== undefined) this.#readFrom.set(record, entry);
    return record;
  }

  #loadedFromUnknownEntry(storageKey: string, entry: string, json: string): SessionRecord | undefined {
    let stored: unknown;
    try {
      stored = JSON.parse(json);
    } catch {
      return undefined;
    }
    if (!isUsableRecord(stored)) return undefined;
    const opened = this.open(storageKey, stored, false);
    if (opened === undefined) return undefined;
    if (opened.needsResealing) {
      this.#rememberDueForResealing(storageKey);
    } else {
      // Remembered only when it is exactly the JSON this process would write for it: touches rewrite its cookie in place.
      const cookieJson = JSON.stringify(stored.cookie);
      if (json === sealedRecordJson(cookieJson, stored[SEALED_KEY] as string)) {
        this.#opened.remember(storageKey, entry, flatRecordJsonOf(cookieJson, opened.text), opened.keyId, cookieEndOf(cookieJson));
      }
    }
    return withCookie(stored.cookie, opened.data);
  }

  /** The data's JSON of a session `loadedFromEntry` returned, from the clear JSON remembered (none when not remembered). */
  loadedDataJson(storageKey: string, record: SessionRecord): string | undefined {
    const entry = this.#readFrom.get(record);
    const known = typeof entry === 'string' ? this.#opened.known(storageKey, entry) : undefined;
    return known === undefined || known.cookieEnd === 0 ? undefined : dataJsonAt(known.text, known.cookieEnd);
  }

  /** What a session a load returned was read from: its stored record, or the store's entry. */
  readFrom(record: SessionRecord | undefined): SessionRecord | string | undefined {
    return record === undefined ? undefined : this.#readFrom.get(record);
  }

  /** The stored record for `record`, sealed; remembered so that loading it back does not decrypt it. */
  seal(storageKey: string, record: SessionRecord): SessionRecord {
    const text = serializeRecordData(record);
    const stored = sealRecord(this.ring, storageKey, record, text);
    this.#opened.remember(storageKey, stored[SEALED_KEY] as string, text, this.ring.sealingKeyId);
    return stored;
  }

  /** `record` sealed for a store that keeps JSON: to write, then `rememberWritten`. */
  sealJson(storageKey: string, record: SessionRecord): SealedJson {
    const dataJson = serializeRecordData(record);
    const cookieJson = serializeRecordCookie(record);
    return {
      json: sealedRecordJson(cookieJson, sealText(this.ring, storageKey, dataJson)),
      record,
      clearJson: isSessionMadeRecord(record) ? flatRecordJsonOf(cookieJson, dataJson) : undefined,
      cookieEnd: cookieEndOf(cookieJson),
      keyId: this.ring.sealingKeyId,
    };
  }

  /**
   * The record in `entry` with `record`'s cookie instead of its own (a touch), when this
   * process wrote or opened that entry and `record` is a session's: to write, then
   * `rememberWritten`. Undefined otherwise.
   */
  touchedJson(storageKey: string, entry: string, jsonOfEntry: (entry: string) => string, record: SessionRecord): SealedJson | undefined {
    const known = this.#opened.known(storageKey, entry);
    if (known === undefined || known.cookieEnd === 0 || !isSessionMadeRecord(record)) return undefined;
    const cookieJson = serializeRecordCookie(record);
    return {
      json: withCookieJson(jsonOfEntry(entry), known.cookieEnd, cookieJson),
      record,
      clearJson: withCookieJson(known.text, known.cookieEnd, cookieJson),
      cookieEnd: cookieEndOf(cookieJson),
      keyId: known.keyId,
    };
  }

  /** Remembers the entry the store made of `sealed` (none: it was not written, or had expired). */
  rememberWritten(storageKey: string, entry: string | undefined, sealed: SealedJson): void {
    if (entry === undefined || sealed.clearJson === undefined) this.#opened.forget(storageKey);
    else this.#opened.remember(storageKey, entry, sealed.clearJson, sealed.keyId, sealed.cookieEnd);
  }

  /** One try's `stored` opened, updated and sealed for the compare-and-set; `false`: gone or unopenable, `true`: nothing to write. */
  resealed(storageKey: string, stored: SessionRecord | null | undefined, update: StoredDataUpdate): SessionRecord | boolean {
    if (!isUsableRecord(stored)) return false;
    const opened = this.open(storageKey, stored);
    if (opened === undefined) return false;
    const updated = update(opened.data, stored);
    return updated === undefined ? true : this.seal(storageKey, updated);
  }

  /** The data of `stored`, or undefined (reported) when it does not open; remembered unless `remember` is false (a listing of every session). */
  open(storageKey: string, stored: SessionRecord, remember = true): OpenedData | undefined {
    const sealed = stored[SEALED_KEY];
    const known = typeof sealed === 'string' ? this.#opened.known(storageKey, sealed) : undefined;
    if (known !== undefined) {
      const { text, keyId } = known;
      return { data: JSON.parse(text) as Record<string, unknown>, text, keyId, needsResealing: needsResealing(this.ring, keyId, sealed as string) };
    }
    const opened = openRecord(this.ring, storageKey, stored);
    if (isOpened(opened)) {
      if (remember) this.#opened.remember(storageKey, sealed as string, opened.text, opened.keyId);
      return opened;
    }
    this.onUnreadable(opened.reason, opened.keyId);
    return undefined;
  }

  /** Whether the session was due for sealing again; from now it is not (a write re-seals it). */
  takeDueForResealing(storageKey: string): boolean {
    return this.#dueForResealing.delete(storageKey);
  }

  forget(storageKey: string): void {
    this.#dueForResealing.delete(storageKey);
    this.#opened.forget(storageKey);
  }

  clear(): void {
    this.#dueForResealing.clear();
    this.#opened.clear();
  }

  #rememberDueForResealing(storageKey: string): void {
    // A bound, not a cache: past it the older sessions re-seal on their next save instead of their next touch.
    if (this.#dueForResealing.size >= MAX_REMEMBERED_RESEALING_SESSIONS) this.#dueForResealing.clear();
    this.#dueForResealing.add(storageKey);
  }
}
