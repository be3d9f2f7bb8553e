import { decideCommit, shouldDestroyUnset, shouldMerge, shouldSetCookie } from './commit-rules.js';
import type { CommitFacts } from './commit-rules.js';
import type { SessionSecret } from '../cookie/cookie-signing.js';
import { SessionStateError, toStoreError } from '../errors.js';
import { applyFlashChanges, FLASH_KEY, restoreTakenFlash } from '../session/flash.js';
import type { SessionRequest, SessionResponse } from '../http/http-types.js';
import type { CheckedCookieOptions, ResolvedSessionOptions } from '../options/resolve-options.js';
import { Session, serializeSessionData } from '../session/session.js';
import type { SessionOperations } from '../session/session.js';
import { noteSessionActivity } from './session-activity.js';
import { publishDestroyed, publishIdChanged, publishSessionEvent } from './session-events.js';
import { SessionBaseline } from './session-baseline.js';
import type { BaselineSnapshot } from './session-baseline.js';
import type { SessionChanges } from '../session/session-changes.js';
import type { ReceivedSessionId, SessionIdTransport } from '../transport/session-id-transport.js';
import { SessionCookie } from '../cookie/session-cookie.js';
import { sessionIdProblem } from '../session/session-id.js';
import { toSessionRecord, isUsableRecord } from '../session/session-record.js';
import type { SessionRecord, SessionStore, StoreWriteMode } from '../store/session-store.js';

/**
 * One request's session, from attach to commit: generates or inflates `req.session`,
 * carries out the Session methods against the store, and at the end of the response decides
 * (with the rules in commit-rules.ts) whether to set the cookie, save, touch or destroy.
 */
export class SessionLifecycle implements SessionOperations {
  /** What the request knows of the stored session: what changed since load and since the last save. */
  readonly #baseline = new SessionBaseline();
  #destroyedSessionIds: Set<string> | undefined;
  /** Ids `rotate()` moved in this request, to their new id: `destroy()` of the old object ends the new one. */
  #rotatedTo: Map<string, string> | undefined;
  /** Cookie of a session destroyed in this request, to expire in the browser. */
  #destroyedCookie: SessionCookie | undefined;
  /**
   * A session this request found missing from the store at commit (an `update` refused, a
   * touch that found nothing): logged out or regenerated elsewhere meanwhile. Its cookie must
   * not go out, or it would overwrite the browser's newer one.
   */
  #goneSessionId: string | undefined;
  #isTouched = false;
  #isAbandoned = false;
  /** The data serialized once at the end of the response, reused by the header step. */
  #finalDataJson: string | undefined;

  constructor(
    private readonly request: SessionRequest,
    private readonly options: ResolvedSessionOptions,
    private readonly store: SessionStore,
    private readonly transport: SessionIdTransport,
    private readonly cookieOptions: CheckedCookieOptions,
    private readonly secrets: readonly SessionSecret[],
    /** The verified id the request carried (its cookie), if any. */
    private readonly received: ReceivedSessionId | undefined,
  ) {}

  /** The id the request carried, verified; undefined when it carried none. */
  get receivedSessionId(): string | undefined {
    return this.received?.sessionId;
  }

  /** Puts a new, empty session with a fresh id on the request. */
  generate(): void {
    const sessionId = this.#newSessionId();
    const cookie = SessionCookie.fromAttributes(this.transport.cookieAttributes(this.request, this.cookieOptions));
    if (this.options.absoluteTimeout !== undefined) cookie.createdAt = Date.now();
    const session = new Session(this, sessionId, cookie);
    this.request.sessionID = sessionId;
    this.request.session = session;
    this.#baseline.startNew(sessionId, serializeSessionData(session), cookie.originalMaxAge);
  }

  /** Puts the stored session on the request. */
  inflate(sessionId: string, record: SessionRecord): void {
    const session = new Session(this, sessionId, SessionCookie.fromStored(record.cookie), record);
    // A session stored before absoluteTimeout was turned on starts its period now.
    if (this.options.absoluteTimeout !== undefined) session.cookie.createdAt ??= Date.now();
    this.request.sessionID = sessionId;
    this.request.session = session;
    this.#baseline.startLoaded(sessionId, serializeSessionData(session), session.cookie.originalMaxAge, record, this.options.resave);
    publishSessionEvent('loaded', sessionId, session, this.options);
  }

  async saveSession(session: Session, dataJson?: string): Promise<void> {
    // A save after destroy (a slow request finishing after logout) must not bring it back.
    if (this.#destroyedSessionIds?.has(session.id)) return;
    const mode = this.#baseline.isPersisted(session.id) ? 'update' : 'create';
    // A new session whose cookie cannot reach the browser would be stored for nothing (and
    // listed as one of its owner's sessions): the browser never comes back with its id.
    if (mode === 'create' && !this.transport.canWrite(this.request, session)) return;
    // The owner (and its activity record) is recorded with every save; see session-activity.ts.
    const owner = noteSessionActivity(session, this.request, this.options, this.store);
    const isWritten = await this.#write(session, dataJson ?? serializeSessionData(session), mode, owner);
    if (isWritten === false) {
      // Only an update can be refused here (a refused create throws): the session is gone.
      this.#goneSessionId = session.id;
      return;
    }
    publishSessionEvent(mode === 'create' ? 'created' : 'saved', session.id, session, this.options);
  }

  /**
   * `rotate()`: the same data and cookie under a new id. The new id is stored (and indexed
   * under its owner) first; then the old one is taken from the store (`take`: removed and read
   * in one step) and the new one rewritten with what the old one held plus this request's
   * changes. Only the request that took the old id keeps the new one, and writes confirmed
   * meanwhile come along. A failed first write leaves the request with its session as it was.
   */
  async rotateSession(session: Session): Promise<Session> {
    if (this.#destroyedSessionIds?.has(session.id)) {
      throw new SessionStateError('nest-sessions: rotate() was called on a destroyed session');
    }
    const previousSessionId = session.id;
    const ownChanges = this.#baseline.isPersisted(previousSessionId) ? this.#baseline.changesSinceStored(serializeSessionData(session)) : undefined;
    const cookie = SessionCookie.fromStored(session.cookie.toJSON());
    const copy = new Session(this, this.#newSessionId(), cookie, session as unknown as Record<string, unknown>);
    const baselineBeforeWrite = this.#baseline.snapshot();
    await this.#write(copy, serializeSessionData(copy), 'create', noteSessionActivity(copy, this.request, this.options, this.store));
    // A session never stored has nothing to move, nor can anyone else have ended it.
    const rotated = ownChanges ? await this.#moveStored(previousSessionId, copy, ownChanges, baselineBeforeWrite) : copy;
    this.#switchToRotated(previousSessionId, rotated);
    publishIdChanged('rotated', previousSessionId, rotated.id, rotated, this.options);
    return rotated;
  }

  #switchToRotated(previousSessionId: string, rotated: Session): void {
    this.request.session = rotated;
    this.request.sessionID = rotated.id;
    this.#markDestroyedId(previousSessionId);
    (this.#rotatedTo ??= new Map()).set(previousSessionId, rotated.id);
  }

  /**
   * Takes the old id's record from the store and rewrites the new id (already stored as
   * `copy`) with it and `ownChanges` on top. Throws, leaving no session under the new id
   * and no cookie to send, when the session was ended or moved elsewhere meanwhile.
   */
  async #moveStored(previousSessionId: string, copy: Session, ownChanges: SessionChanges, baselineBeforeWrite: BaselineSnapshot): Promise<Session> {
    let stored: unknown;
    try {
      stored = await this.#takeStored(previousSessionId);
    } catch (error) {
      // The old id may still be there: the request goes on with it, the new id is dropped.
      this.#baseline.restore(baselineBeforeWrite);
      await this.store.destroy(copy.id).catch(() => undefined);
      throw toStoreError(error, 'move the session being rotated');
    }
    if (!isUsableRecord(stored)) {
      await this.#storeCall(() => this.store.destroy(copy.id), 'destroy the session being rotated');
      this.#endedElsewhere(previousSessionId);
    }
    const rotated = new Session(this, copy.id, copy.cookie, withChanges(stored, ownChanges));
    const owner = noteSessionActivity(rotated, this.request, this.options, this.store);
    let isWritten: boolean | void;
    try {
      isWritten = await this.#write(rotated, serializeSessionData(rotated), 'update', owner);
    } catch (error) {
      // The old id is gone and the new one holds the copy: the request goes on with the new
      // session, whose save at the end of the request writes what this write could not.
      this.#switchToRotated(previousSessionId, rotated);
      throw error;
    }
    // Refused when the new id was revoked meanwhile (a revokeAll that listed it).
    if (isWritten === false) this.#endedElsewhere(previousSessionId);
    return rotated;
  }

  /** The request's session when `session` is an object `rotate()` moved (once or more) to its id. */
  #rotatedSuccessorOf(session: Session): Session | undefined {
    const rotatedTo = this.#rotatedTo;
    let sessionId = rotatedTo?.get(session.id);
    if (rotatedTo === undefined || sessionId === undefined) return undefined;
    for (let nextId = rotatedTo.get(sessionId); nextId !== undefined; nextId = rotatedTo.get(sessionId)) sessionId = nextId;
    const requestSession = this.request.session;
    return requestSession instanceof Session && requestSession.id === sessionId && requestSession !== session ? requestSession : undefined;
  }

  /** A session ended elsewhere while this request ran: no cookie for it, and no later save. */
  #endedElsewhere(previousSessionId: string): never {
    this.#goneSessionId = previousSessionId;
    this.#markDestroyedId(previousSessionId);
    throw new SessionStateError('nest-sessions: rotate() failed: the session no longer exists in the store (it was ended meanwhile)');
  }

  /** The stored record, removed: atomically with `take`, else read then destroyed. */
  async #takeStored(sessionId: string): Promise<unknown> {
    if (this.store.take) return this.store.take(sessionId);
    const record = await this.store.get(sessionId);
    await this.store.destroy(sessionId);
    return record;
  }

  async reloadSession(session: Session): Promise<Session> {
    let record: unknown;
    try {
      record = await this.store.get(session.id);
    } catch (error) {
      throw toStoreError(error, 'load the session');
    }
    if (!isUsableRecord(record)) {
      throw new SessionStateError('nest-sessions: failed to load session: it no longer exists in the store');
    }
    const reloaded = new Session(this, session.id, SessionCookie.fromStored(record.cookie), record);
    this.request.session = reloaded;
    if (this.#baseline.isPersisted(session.id)) this.#baseline.recordReloaded(serializeSessionData(reloaded), record);
    return reloaded;
  }

  async destroySession(session: Session): Promise<void> {
    // The object `rotate()` replaced: the user means the session, which lives on under the new id.
    const successor = this.#rotatedSuccessorOf(session);
    if (successor) return this.destroySession(successor);
    const requestSession = this.request.session;
    const isRequestSession = requestSession === session || requestSession?.id === session.id;
    if (isRequestSession) {
      this.request.session = undefined;
      delete this.request.session;
    }
    const previousDestroyedCookie = this.#destroyedCookie;
    const wasDestroyedBefore = this.#destroyedSessionIds?.has(session.id) === true;
    this.#markDestroyed(session);
    try {
      await this.store.destroy(session.id);
    } catch (error) {
      // The session still exists: the browser keeps its cookie and the request its session,
      // rather than a user who believes they are signed out.
      this.#destroyedCookie = previousDestroyedCookie;
      if (!wasDestroyedBefore) this.#destroyedSessionIds!.delete(session.id);
      if (isRequestSession && this.request.session === undefined) this.request.session = requestSession;
      throw toStoreError(error, 'destroy the session');
    }
    publishDestroyed(session.id, session, 'destroy', this.options);
  }

  async regenerateSession(session: Session): Promise<Session> {
    const previousSessionId = this.request.sessionID ?? session.id;
    // A login on a new visitor's unsaved session replaces nothing the store held: no event.
    const wasStored = this.#baseline.isPersisted(previousSessionId);
    this.#markDestroyed(session);
    try {
      await this.store.destroy(previousSessionId);
    } catch (error) {
      throw toStoreError(error, 'destroy the session being regenerated');
    } finally {
      // As express-session: the new session is in place even if the old one could not be removed.
      this.generate();
    }
    if (wasStored) publishIdChanged('regenerated', previousSessionId, this.request.sessionID!, session, this.options);
    return this.request.session as Session;
  }

  /**
   * Flash messages read in this request: the store removes them itself when it can, atomically,
   * so that of overlapping requests only one shows each message. The store no longer holds them
   * then, and this request's baselines say so: the read needs no save of its own, and messages
   * put back by a 5xx (`beforeEnd`) are saved as added.
   */
  async takeFlashMessages(session: Session, messageIds: readonly string[]): Promise<readonly string[] | undefined> {
    const { store } = this;
    const isStored = this.#baseline.isPersisted(session.id) && this.#destroyedSessionIds?.has(session.id) !== true;
    if (store.takeFlashMessages === undefined || !isStored) return undefined;
    const takenIds = await this.#storeCall(() => store.takeFlashMessages!(session.id, messageIds), 'read the flash messages');
    if (takenIds === undefined) return undefined;
    this.#baseline.recordFlashTaken(session.id, messageIds);
    return takenIds;
  }

  /** After a failed commit the response carries an error: no cookie must go with it. */
  abandon(): void {
    this.#isAbandoned = true;
  }

  /** Runs as the response's headers go out: sets or expires the session cookie. */
  beforeHeaders(response: SessionResponse): void {
    if (this.#isAbandoned) return;
    const session = this.request.session;
    if (!session) {
      if (this.#destroyedCookie && this.received !== undefined) this.transport.expire(response, this.#destroyedCookie);
      return;
    }
    if (session.id === this.#goneSessionId) return;
    const facts = this.#commitFacts(session, this.#finalDataJson ?? serializeSessionData(session));
    if (!shouldSetCookie(facts, this.options)) return;
    if (!this.transport.canWrite(this.request, session)) return;
    this.#touchOnce(session);
    this.transport.write(response, facts.sessionId!, session.cookie, this.secrets, this.received);
  }

  /**
   * Runs when the response ends (given its status code; none without a response). The one
   * place that decides what the request does to the stored session, each decision a rule of
   * commit-rules.ts: destroy it (`shouldDestroyUnset`), save it (`decideCommit`; written as a
   * merge of this request's changes or whole: `shouldMerge`, in `#write`), touch it, or
   * nothing; the steps below carry each out.
   * (`destroy()`, `regenerate()` and `rotate()` act when called; this sees their result.)
   * Returns the store call to wait for before the response is finished, or undefined when
   * there is none; it rejects with a `SessionStoreError` when the store fails, however it fails.
   */
  beforeEnd(statusCode?: number): Promise<void> | undefined {
    if (this.#isAbandoned) return undefined;
    const session = this.request.session;
    if (!session) {
      const sessionId = typeof this.request.sessionID === 'string' ? this.request.sessionID : undefined;
      const isDestroyed = sessionId !== undefined && this.#destroyedSessionIds?.has(sessionId) === true;
      return shouldDestroyUnset({ sessionId, isDestroyed }, this.options) ? this.#destroyUnset(sessionId!) : undefined;
    }
    if (session.id === this.#goneSessionId) return undefined;
    // A failed request did not show the flash messages it read: they stay for the next one.
    if (statusCode !== undefined && statusCode >= 500) restoreTakenFlash(session);
    this.#touchOnce(session);
    // Renews a minute-old `lastActiveAt` of an owned session, which makes it due for a save.
    noteSessionActivity(session, this.request, this.options, this.store);
    const dataJson = serializeSessionData(session);
    this.#finalDataJson = dataJson;
    switch (decideCommit(this.#commitFacts(session, dataJson), this.options, this.store.touch !== undefined)) {
      case 'save':
        return this.saveSession(session, dataJson);
      case 'touch':
        return this.#touchStored(session);
      case 'none':
        return undefined;
    }
  }

  /**
   * Carries out a save: the whole record, or only this request's changes when the rules say
   * so (`shouldMerge`); then records what the store holds. Resolves to the store's answer
   * (`false`: an update found the session gone); a refused create throws.
   */
  async #write(session: Session, dataJson: string, mode: StoreWriteMode, owner: string | null | undefined): Promise<boolean | void> {
    const baseline = this.#baseline;
    baseline.recordSaving(dataJson, session.cookie.originalMaxAge);
    const record = toSessionRecord(session, dataJson);
    const isMerged = shouldMerge({ mode, hasStoredBaseline: baseline.hasStoredBaseline, canStoreMerge: this.store.merge !== undefined });
    const isWritten = await this.#storeCall(
      () =>
        isMerged
          ? this.store.merge!(session.id, record, baseline.changesToStored(dataJson), { owner })
          : this.store.set(session.id, record, { mode, owner }),
      'save the session',
    );
    if (isWritten === false && mode === 'create') {
      // The new id belongs to another session (a genid that repeats itself): sending its
      // cookie would hand this client someone else's session.
      this.abandon();
      throw new SessionStateError(
        `nest-sessions: the new session id is already in use in the store; genid() must return unique, unguessable ids`,
      );
    }
    if (isWritten !== false) baseline.recordStored(session.id, dataJson);
    return isWritten;
  }

  /** A touch that finds no session (resolves `false`) means it is gone: no cookie for it. */
  async #touchStored(session: Session): Promise<void> {
    let isKept: boolean | void;
    try {
      isKept = await this.store.touch!(session.id, toSessionRecord(session));
    } catch (error) {
      throw toStoreError(error, 'touch the session');
    }
    if (isKept === false) this.#goneSessionId = session.id;
    else publishSessionEvent('touched', session.id, session, this.options);
  }

  /** `unset: 'destroy'`: the session is deleted and its cookie expired. */
  async #destroyUnset(sessionId: string): Promise<void> {
    this.#destroyedCookie ??= SessionCookie.fromAttributes(this.transport.cookieAttributes(this.request, this.cookieOptions));
    this.#markDestroyedId(sessionId);
    try {
      await this.store.destroy(sessionId);
    } catch (error) {
      throw toStoreError(error, 'destroy the unset session');
    }
    publishDestroyed(sessionId, undefined, 'unset', this.options);
  }

  #commitFacts(session: Session, dataJson: string): CommitFacts {
    const baseline = this.#baseline;
    // A handler that put something else than a string there gets express-session's answer:
    // no save and no cookie.
    const sessionId = this.request.sessionID;
    return {
      sessionId: typeof sessionId === 'string' ? sessionId : undefined,
      cookieSessionId: this.received?.sessionId,
      isModified: baseline.isModified(session, dataJson),
      isSaved: baseline.isSaved(session, dataJson),
      hasSavedBaseline: baseline.hasSavedBaseline,
      hasCookieExpiry: session.cookie.expires != null,
    };
  }

  /** express-session touches (resets the expiry of) every session once per request. */
  #touchOnce(session: Session): void {
    if (this.#isTouched) return;
    this.#isTouched = true;
    session.touch();
  }

  /** A store call whose failure reaches the caller as a `SessionStoreError`. */
  async #storeCall<T>(call: () => Promise<T>, action: string): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toStoreError(error, action);
    }
  }

  /** A new id from `genid`, checked: well-formed and not one destroyed in this request. */
  #newSessionId(): string {
    const sessionId = this.options.generateId(this.request);
    const idProblem = sessionIdProblem(sessionId);
    if (idProblem !== undefined) throw new SessionStateError(`nest-sessions: genid() ${idProblem}`);
    if (this.#destroyedSessionIds?.has(sessionId)) {
      throw new SessionStateError('nest-sessions: genid() returned the id of the session just destroyed; ids must be unique');
    }
    return sessionId;
  }

  #markDestroyed(session: Session): void {
    this.#destroyedCookie = session.cookie;
    this.#markDestroyedId(session.id);
  }

  #markDestroyedId(sessionId: string): void {
    (this.#destroyedSessionIds ??= new Set()).add(sessionId);
  }
}

/** The stored data with one request's changes applied: what `rotate()` moves to the new id. */
function withChanges(stored: SessionRecord, changes: SessionChanges): Record<string, unknown> {
  const data: Record<string, unknown> = { ...stored };
  // Flash messages are added and removed one by one, as a merging store does.
  const { flash } = changes;
  for (const key of changes.deletedKeys) if (!(flash && key === FLASH_KEY)) delete data[key];
  for (const [key, valueJson] of changes.setKeys) if (!(flash && key === FLASH_KEY)) data[key] = JSON.parse(valueJson);
  if (flash) applyFlashChanges(data, flash);
  return data;
}
