import { removeFlashMembers } from '../session/flash.js';
import { changesBetween } from '../session/session-changes.js';
import type { SessionChanges } from '../session/session-changes.js';
import type { Session } from '../session/session.js';
import type { SessionRecord } from '../store/session-store.js';

/** What `SessionBaseline.snapshot()` keeps: the part a store write changes. */
export interface BaselineSnapshot {
  readonly persistedSessionId: string | undefined;
  readonly storedDataJson: string | undefined;
  readonly loadedRecord: SessionRecord | undefined;
  readonly savedDataJson: string | undefined;
  readonly savedCookieLifetime: number | null | undefined;
  readonly storedExpiresAt: number | undefined;
}

/**
 * What one request knows about its session as the store holds it: the data and cookie
 * lifetime at load and at the last save, the data the store holds, the id known to exist.
 * It answers "what changed since load / since the last save" without asking the store.
 * Data is compared as JSON (`serializeSessionData`), lifetimes as `cookie.originalMaxAge`.
 */
export class SessionBaseline {
  #originalSessionId: string | undefined;
  #originalDataJson: string | undefined;
  /**
   * Cookie lifetimes (`originalMaxAge`) at load and at the last save. A handler that changes
   * the lifetime ("remember me") has modified the session even if its data did not change;
   * express-session ignores that change and never tells the browser.
   */
  #originalCookieLifetime: number | null = null;
  #savedCookieLifetime: number | null | undefined;
  /** Data as last saved; `undefined` until a save (or a load without `resave`) sets it. */
  #savedDataJson: string | undefined;
  /**
   * The data the store holds for the persisted id, as far as this request knows (loaded,
   * reloaded or saved): what a merged save compares with to find this request's changes.
   */
  #storedDataJson: string | undefined;
  /** The record the store returned at load (or reload), until this request writes the session. */
  #loadedRecord: SessionRecord | undefined;
  /** The id known to exist in the store: writes to it update, writes to others create. */
  #persistedSessionId: string | undefined;
  /**
   * The cookie expiry (epoch ms) in the record the store holds, as loaded or last written:
   * what `touchAfter` measures. A store's own touch (a TTL) does not move it: lazy touches
   * write the record instead.
   */
  #storedExpiresAt: number | undefined;

  /** A new session, never stored: it has no saved or stored data yet. */
  startNew(sessionId: string, dataJson: string, cookieLifetime: number | null): void {
    this.#originalSessionId = sessionId;
    this.#originalDataJson = dataJson;
    this.#originalCookieLifetime = cookieLifetime;
    this.#savedDataJson = undefined;
    this.#storedDataJson = undefined;
    this.#loadedRecord = undefined;
    this.#storedExpiresAt = undefined;
  }

  /** A session loaded from the store (its cookie expiring at `storedExpiresAt`); with `resave` it counts as not saved yet. */
  startLoaded(
    sessionId: string,
    dataJson: string,
    cookieLifetime: number | null,
    record: SessionRecord,
    resave: boolean,
    storedExpiresAt: number | undefined,
  ): void {
    this.#storedExpiresAt = storedExpiresAt;
    this.#originalSessionId = sessionId;
    this.#originalDataJson = dataJson;
    this.#storedDataJson = dataJson;
    this.#loadedRecord = record;
    this.#originalCookieLifetime = cookieLifetime;
    this.#savedDataJson = resave ? undefined : dataJson;
    this.#savedCookieLifetime = cookieLifetime;
    this.#persistedSessionId = sessionId;
  }

  /** Whether the store is known to hold `sessionId` (a write to it is an update). */
  isPersisted(sessionId: string): boolean {
    return sessionId === this.#persistedSessionId;
  }

  /** Changed since load: another id, other data or another cookie lifetime. */
  isModified(session: Session, dataJson: string): boolean {
    return (
      this.#originalSessionId !== session.id ||
      this.#originalDataJson !== dataJson ||
      this.#originalCookieLifetime !== session.cookie.originalMaxAge
    );
  }

  /** Unchanged since the last save (or the load, without `resave`). */
  isSaved(session: Session, dataJson: string): boolean {
    return (
      this.#originalSessionId === session.id &&
      this.#savedDataJson === dataJson &&
      this.#savedCookieLifetime === session.cookie.originalMaxAge
    );
  }

  /** Whether a save (or a load without `resave`) has set what "saved" compares with. */
  get hasSavedBaseline(): boolean {
    return this.#savedDataJson !== undefined;
  }

  /** The cookie expiry in the stored record (epoch ms), as far as the request knows; undefined when unknown or none. */
  get storedExpiresAt(): number | undefined {
    return this.#storedExpiresAt;
  }

  /** Whether the stored data is known, so a merging store can be sent only the changes. */
  get hasStoredBaseline(): boolean {
    return this.#storedDataJson !== undefined;
  }

  /** What `dataJson` changes in the stored data; the loaded record when the store may reuse it. */
  changesToStored(dataJson: string): SessionChanges {
    return changesBetween(this.#storedDataJson!, dataJson, this.#loadedRecord);
  }

  /** What this request changed in the session since it was stored (or, never stored, created). */
  changesSinceStored(dataJson: string): SessionChanges {
    return changesBetween(this.#storedDataJson ?? this.#originalDataJson!, dataJson);
  }

  /** A save is under way: what it writes counts as saved, even if the store then fails. */
  recordSaving(dataJson: string, cookieLifetime: number | null, expiresAt: number | undefined): void {
    this.#savedDataJson = dataJson;
    this.#savedCookieLifetime = cookieLifetime;
    this.#storedExpiresAt = expiresAt;
  }

  /** The store confirmed it holds `dataJson` under `sessionId`. */
  recordStored(sessionId: string, dataJson: string): void {
    this.#persistedSessionId = sessionId;
    this.#storedDataJson = dataJson;
    this.#loadedRecord = undefined;
  }

  /** The persisted session was read again from the store (`reload()`), its cookie expiring at `storedExpiresAt`. */
  recordReloaded(dataJson: string, record: SessionRecord, storedExpiresAt: number | undefined): void {
    this.#storedExpiresAt = storedExpiresAt;
    this.#storedDataJson = dataJson;
    this.#loadedRecord = record;
  }

  /**
   * The store removed flash messages itself: neither the stored, saved nor original data
   * holds them now, so their removal needs no save of its own.
   */
  recordFlashTaken(sessionId: string, messageIds: readonly string[]): void {
    this.#storedDataJson = withoutFlashMessages(this.#storedDataJson, messageIds);
    this.#savedDataJson = withoutFlashMessages(this.#savedDataJson, messageIds);
    if (sessionId === this.#originalSessionId) this.#originalDataJson = withoutFlashMessages(this.#originalDataJson, messageIds);
    // The stored value changed: a store must not take it for the one this request loaded.
    this.#loadedRecord = undefined;
  }

  /** What a store write changes here, to put back with `restore` if the write is undone. */
  snapshot(): BaselineSnapshot {
    return {
      persistedSessionId: this.#persistedSessionId,
      storedDataJson: this.#storedDataJson,
      loadedRecord: this.#loadedRecord,
      savedDataJson: this.#savedDataJson,
      savedCookieLifetime: this.#savedCookieLifetime,
      storedExpiresAt: this.#storedExpiresAt,
    };
  }

  restore(snapshot: BaselineSnapshot): void {
    this.#persistedSessionId = snapshot.persistedSessionId;
    this.#storedDataJson = snapshot.storedDataJson;
    this.#loadedRecord = snapshot.loadedRecord;
    this.#savedDataJson = snapshot.savedDataJson;
    this.#savedCookieLifetime = snapshot.savedCookieLifetime;
    this.#storedExpiresAt = snapshot.storedExpiresAt;
  }
}

/** A data JSON without the flash messages `messageIds`. */
function withoutFlashMessages(dataJson: string | undefined, messageIds: readonly string[]): string | undefined {
  if (dataJson === undefined) return undefined;
  const data = JSON.parse(dataJson) as Record<string, unknown>;
  return removeFlashMembers(data, messageIds).length === 0 ? dataJson : JSON.stringify(data);
}
