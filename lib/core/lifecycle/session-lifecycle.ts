import { decideCommit, shouldDestroyUnset, shouldExtendExpiry, shouldSetCookie } from './commit-rules.js';
import type { CommitFacts } from './commit-rules.js';
import { SessionCookie } from '../cookie/session-cookie.js';
import type { SessionResponse } from '../http/http-types.js';
import { restoreTakenFlash } from '../session/flash.js';
import { hasEveryStoredKey, Session, serializeSessionData } from '../session/session.js';
import { toSessionRecord, toSessionRecordByJson } from '../session/session-record.js';
import { toStoreError } from '../errors.js';
import { immediateStoreOf } from '../store/immediate-store.js';
import type { ImmediateStore } from '../store/immediate-store.js';
import type { SessionRecord } from '../store/session-store.js';
import { RequestSessionOperations } from './request-session-operations.js';
import { noteSessionActivity } from './session-activity.js';
import { publishDestroyed, publishSessionEvent } from './session-events.js';
import { isSessionTouchSkipped, setRequestSessionId } from './request-state.js';

/**
 * One request's session, from attach to commit: generates or inflates `req.session`, carries
 * out the Session methods against the store (`RequestSessionOperations`), and at the end of
 * the response decides (with the rules in commit-rules.ts) whether to save, touch or destroy
 * the stored session and whether to write its id to the response.
 */
export class SessionLifecycle extends RequestSessionOperations {
  /** Whether the request has decided if the session's expiry moves (`#extendExpiryOnce`). */
  #isExpiryDecided = false;
  /** The data serialized once at the end of the response, reused when the id is written. */
  #finalDataJson: string | undefined;
  /**
   * `req.session` as `commitAtEnd` read it, and the facts it decided on: `writeSessionIdAfterCommit`
   * reuses them (`req`'s properties are slow reads on an Express 5 request; nothing ran between).
   */
  #endSession: Session | null | undefined;
  #endFacts: CommitFacts | undefined;

  /** The id the request carried, verified; undefined when it carried none. */
  get receivedSessionId(): string | undefined {
    return this.received?.sessionId;
  }

  /** Puts a new, empty session with a fresh id on the request. */
  generate(): void {
    const sessionId = this.newSessionId();
    const cookie = SessionCookie.fromAttributes(this.transport.cookieAttributes(this.request, this.cookieOptions));
    if (this.options.absoluteTimeout !== undefined) cookie.createdAt = Date.now();
    const session = new Session(this, sessionId, cookie);
    setRequestSessionId(this.request, sessionId);
    this.request.session = session;
    this.baseline.startNew(sessionId, serializeSessionData(session), cookie.originalMaxAge);
  }

  /**
   * Puts the stored session on the request; `loadedDataJson`: its data's JSON as stored, when
   * the store could tell. `isRecordHandedOver`: the store parsed `record` for this load and
   * keeps no reference to it, so it may become the session itself (`Session.overRecord`).
   * `loadedCookie`: the record's cookie as the store made it (`ImmediateStore.loadedCookie`).
   */
  inflate(sessionId: string, record: SessionRecord, loadedDataJson?: string, isRecordHandedOver = false, loadedCookie?: SessionCookie): void {
    const cookie = loadedCookie ?? SessionCookie.fromStored(record.cookie);
    const session =
      (isRecordHandedOver ? Session.overRecord(this, sessionId, cookie, record as unknown as Record<string, unknown>) : undefined) ??
      new Session(this, sessionId, cookie, record);
    // A session stored before absoluteTimeout was turned on starts its period now.
    if (this.options.absoluteTimeout !== undefined) session.cookie.createdAt ??= Date.now();
    setRequestSessionId(this.request, sessionId);
    this.request.session = session;
    // The stored text is the session's own JSON unless the session left out a stored key (express-session's reserved names).
    const dataJson = loadedDataJson !== undefined && hasEveryStoredKey(session) ? loadedDataJson : serializeSessionData(session);
    this.baseline.startLoaded(sessionId, dataJson, cookie.originalMaxAge, record, this.options.resave, cookie.expiresAt);
    publishSessionEvent('loaded', sessionId, session, this.options);
  }

  /**
   * Runs as the response's head goes out: writes the session id to it (the session cookie),
   * or expires the id of a session destroyed in this request.
   */
  writeSessionId(response: SessionResponse): void {
    if (this.isAbandoned) return;
    this.#writeSessionIdOf(response, this.request.session, undefined);
  }

  /**
   * `writeSessionId` called by `end` right after a `commitAtEnd` that needed no wait: the
   * session and the facts it read still hold (a save changes none of those the cookie's
   * rule reads but the expiry), so they are not read from the request again.
   */
  writeSessionIdAfterCommit(response: SessionResponse): void {
    if (this.isAbandoned) return;
    const facts = this.#endFacts;
    // The touch at the end can drop the expiry of a cookie stored without a lifetime.
    if (facts !== undefined) facts.hasCookieExpiry = this.#endSession!.cookie.expiresAt !== undefined;
    this.#writeSessionIdOf(response, this.#endSession, facts);
  }

  #writeSessionIdOf(response: SessionResponse, session: Session | null | undefined, facts: CommitFacts | undefined): void {
    if (!session) {
      if (this.destroyedCookie && this.received !== undefined) this.transport.expire(response, this.destroyedCookie);
      return;
    }
    if (session.id === this.goneSessionId) return;
    facts ??= this.#commitFacts(session, this.#finalDataJson ?? serializeSessionData(session), isSessionTouchSkipped(this.request));
    if (!shouldSetCookie(facts, this.options)) return;
    if (!this.transport.canWrite(this.request, session)) return;
    this.#extendExpiryOnce(session, facts);
    this.transport.write(response, facts.sessionId!, session.cookie, this.secrets, this.received);
  }

  /**
   * Runs when the response ends (given its status code; none without a response). The one
   * place that decides what the request does to the stored session, each decision a rule of
   * commit-rules.ts: destroy it (`shouldDestroyUnset`), save it (`decideCommit`; written as a
   * merge of this request's changes or whole: `shouldMerge`, in `write`), touch it, or
   * nothing; the steps below carry each out.
   * (`destroy()`, `regenerate()` and `rotate()` act when called; this sees their result.)
   * Returns the store call to wait for before the response is finished, or undefined when
   * there is none; it rejects with a `SessionStoreError` when the store fails, however it fails.
   */
  commitAtEnd(statusCode?: number): Promise<void> | undefined {
    if (this.isAbandoned) return undefined;
    const session = this.request.session;
    this.#endSession = session;
    if (!session) {
      const requestSessionId = this.request.sessionID;
      const sessionId = typeof requestSessionId === 'string' ? requestSessionId : undefined;
      const isDestroyed = sessionId !== undefined && this.destroyedSessionIds?.has(sessionId) === true;
      return shouldDestroyUnset({ sessionId, isDestroyed }, this.options) ? this.#destroyUnset(sessionId!) : undefined;
    }
    if (session.id === this.goneSessionId) return undefined;
    // A failed request did not show the flash messages it read: they stay for the next one.
    if (statusCode !== undefined && statusCode >= 500) restoreTakenFlash(session);
    // Renews a minute-old `lastActiveAt` of an owned session, which makes it due for a save;
    // a polling route (`@SkipSessionTouch()`) is no activity of the user.
    const isTouchSkipped = isSessionTouchSkipped(this.request);
    if (!isTouchSkipped) noteSessionActivity(session, this.request, this.options, this.store);
    const dataJson = serializeSessionData(session);
    this.#finalDataJson = dataJson;
    const facts = this.#commitFacts(session, dataJson, isTouchSkipped);
    this.#endFacts = facts;
    this.#extendExpiryOnce(session, facts);
    // A store that answers in this process is done before this returns: the response ends at once.
    const immediate = immediateStoreOf(this.store);
    switch (decideCommit(facts, this.options, this.store.touch !== undefined)) {
      case 'save':
        return immediate ? this.#saveNow(session, dataJson, immediate) : this.saveSession(session, dataJson);
      case 'touch':
        return immediate ? this.#touchNow(session, dataJson, immediate) : this.#touchStored(session);
      case 'refresh':
        return immediate ? this.#refreshNow(session, dataJson, immediate) : this.#refreshStored(session, dataJson);
      case 'none':
        return undefined;
    }
  }

  /** `saveSession` through the store's immediate calls. */
  #saveNow(session: Session, dataJson: string, immediate: ImmediateStore): undefined {
    const plan = this.savePlan(session);
    if (plan === undefined) return undefined;
    const { mode, owner } = plan;
    const { record, changes } = this.writeArguments(session, dataJson, mode, toSessionRecordByJson);
    const isWritten = immediateCall('save the session', () =>
      changes ? immediate.merge(session.id, record, changes, { owner }) : immediate.set(session.id, record, { mode, owner }),
    );
    this.recordSaved(session, mode, this.recordWritten(session, dataJson, mode, isWritten));
    return undefined;
  }

  /**
   * A lazy touch (`touchAfter`): the unchanged session written back, so the record itself (not
   * only a TTL or an expiry column) holds the new expiry, which the next load measures from.
   * A merge without data changes where the store merges; the owner index is left as it is.
   */
  #refreshNow(session: Session, dataJson: string, immediate: ImmediateStore): undefined {
    const { record, changes } = this.writeArguments(session, dataJson, 'update', toSessionRecordByJson);
    const isWritten = immediateCall('touch the session', () =>
      changes ? immediate.merge(session.id, record, changes, {}) : immediate.set(session.id, record, { mode: 'update' }),
    );
    return this.#recordTouched(session, this.recordWritten(session, dataJson, 'update', isWritten));
  }

  async #refreshStored(session: Session, dataJson: string): Promise<void> {
    this.#recordTouched(session, await this.write(session, dataJson, 'update', undefined));
  }

  /** With the data's JSON, the record counts as the session's (the MemoryStore then need not check it at load). */
  #touchNow(session: Session, dataJson: string, immediate: ImmediateStore): undefined {
    return this.#recordTouched(session, immediateCall('touch the session', () => immediate.touch(session.id, toSessionRecordByJson(session, dataJson))));
  }

  async #touchStored(session: Session): Promise<void> {
    this.#recordTouched(session, await this.storeCall('touch the session', () => this.store.touch!(session.id, toSessionRecord(session))));
  }

  /** A touch that finds no session (`false`) means it is gone: no cookie for it. */
  #recordTouched(session: Session, isKept: boolean | void): undefined {
    if (isKept === false) this.goneSessionId = session.id;
    else publishSessionEvent('touched', session.id, session, this.options);
    return undefined;
  }

  /** `unset: 'destroy'`: the session is deleted and its cookie expired. */
  async #destroyUnset(sessionId: string): Promise<void> {
    this.destroyedCookie ??= SessionCookie.fromAttributes(this.transport.cookieAttributes(this.request, this.cookieOptions));
    this.markDestroyedId(sessionId);
    await this.storeCall('destroy the unset session', () => this.store.destroy(sessionId));
    publishDestroyed(sessionId, undefined, 'unset', this.options);
  }

  #commitFacts(session: Session, dataJson: string, isTouchSkipped: boolean): CommitFacts {
    const { baseline } = this;
    // A handler that put something else than a string there gets express-session's answer:
    // no save and no cookie.
    const sessionId = this.request.sessionID;
    return {
      sessionId: typeof sessionId === 'string' ? sessionId : undefined,
      cookieSessionId: this.received?.sessionId,
      isModified: baseline.isModified(session, dataJson),
      isSaved: baseline.isSaved(session, dataJson),
      hasSavedBaseline: baseline.hasSavedBaseline,
      hasCookieExpiry: session.cookie.expiresAt !== undefined,
      storedExpiresAt: baseline.storedExpiresAt,
      lifetime: session.cookie.originalMaxAge,
      // Only `touchAfter`'s rule reads the time (the clock is a call into V8's runtime).
      now: this.options.touchAfter === undefined ? 0 : Date.now(),
      isTouchSkipped,
    };
  }

  /**
   * express-session touches (resets the expiry of) every session once per request; here only
   * when the rules move its expiry (`shouldExtendExpiry`): not on a route that skips touches,
   * nor before a lazy touch is due, so the cookie then carries the expiry the store holds.
   */
  #extendExpiryOnce(session: Session, facts: CommitFacts): void {
    if (this.#isExpiryDecided) return;
    this.#isExpiryDecided = true;
    if (shouldExtendExpiry(facts, this.options)) session.touch();
  }
}

/** A call to a store's immediate method: what it throws reaches the caller as a `SessionStoreError`, as `storeCall` does. */
function immediateCall<T>(action: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw toStoreError(error, action);
  }
}
