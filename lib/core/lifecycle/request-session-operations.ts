// Over our ~250-line aim: rotation stays with the request state it changes (see the class comment).
import { shouldMerge } from './commit-rules.js';
import type { SessionSecret } from '../cookie/cookie-signing.js';
import { SessionCookie } from '../cookie/session-cookie.js';
import { dropCsrfSecret } from '../csrf/csrf-token.js';
import { SessionStateError, toStoreError } from '../errors.js';
import type { SessionRequest } from '../http/http-types.js';
import type { CheckedCookieOptions } from '../options/cookie-options.js';
import type { ResolvedSessionOptions } from '../options/resolve-options.js';
import { Session, serializeSessionData } from '../session/session.js';
import type { SessionOperations } from '../session/session.js';
import { sessionIdProblem } from '../session/session-id.js';
import { isUsableRecord, toSessionRecord } from '../session/session-record.js';
import type { SessionRecord, SessionStore, StoreWriteMode } from '../store/session-store.js';
import { signedSessionId } from '../transport/session-id-transport.js';
import type { ReceivedSessionId, SessionIdTransport } from '../transport/session-id-transport.js';
import { noteSessionActivity } from './session-activity.js';
import { SessionBaseline } from './session-baseline.js';
import type { BaselineSnapshot } from './session-baseline.js';
import type { SessionChanges } from '../session/session-changes.js';
import { publishDestroyed, publishIdChanged, publishSessionEvent } from './session-events.js';
import { rotatedSuccessor, takeStored, withChanges } from './session-rotation.js';
import { setRequestSessionId } from './request-state.js';

/**
 * What one request's `Session` objects ask of it: save, reload, destroy, regenerate, rotate
 * and the flash reads, carried out against the store, every store call through `storeCall`.
 * `SessionLifecycle` extends it with attach (`generate`, `inflate`) and the end of the
 * request: one object per request, its state shared by both. (Rotation stays here rather than
 * in a file of its own, at the cost of ~25 lines over 250: it is two writes and the state
 * they change, which `protected` members keep out of reach of other files.)
 */
/** A session's owner as `noteSessionActivity` found it, for the store's owner index. */
type Owner = string | null | undefined;
/** Makes the record a write sends (`toSessionRecord`, or `toSessionRecordByJson` for a store's immediate calls). */
type RecordMaker = (session: Session, dataJson: string) => SessionRecord;

export abstract class RequestSessionOperations implements SessionOperations {
  /** What the request knows of the stored session: what changed since load and since the last save. */
  protected readonly baseline = new SessionBaseline();
  protected destroyedSessionIds: Set<string> | undefined;
  /** Ids `rotate()` moved in this request, to their new id: `destroy()` of the old object ends the new one. */
  #rotatedTo: Map<string, string> | undefined;
  /** Cookie of a session destroyed in this request, to expire in the browser. */
  protected destroyedCookie: SessionCookie | undefined;
  /**
   * A session this request found missing from the store at commit (an `update` refused, a
   * touch that found nothing): logged out or regenerated elsewhere meanwhile. Its cookie must
   * not go out, or it would overwrite the browser's newer one.
   */
  protected goneSessionId: string | undefined;
  /** A commit failed: the response carries an error, and no cookie must go with it. */
  protected isAbandoned = false;

  constructor(
    protected readonly request: SessionRequest,
    protected readonly options: ResolvedSessionOptions,
    protected readonly store: SessionStore,
    protected readonly transport: SessionIdTransport,
    protected readonly cookieOptions: CheckedCookieOptions,
    protected readonly secrets: readonly SessionSecret[],
    /** The verified id the request carried (its cookie), if any. */
    protected readonly received: ReceivedSessionId | undefined,
  ) {}

  /** Puts a new, empty session with a fresh id on the request (`regenerate()` does too). */
  abstract generate(): void;

  async saveSession(session: Session, dataJson?: string): Promise<void> {
    const plan = this.savePlan(session);
    if (plan === undefined) return;
    const isWritten = await this.write(session, dataJson ?? serializeSessionData(session), plan.mode, plan.owner);
    this.recordSaved(session, plan.mode, isWritten);
  }

  /** How a save of `session` writes it, or undefined when it must not be written at all. */
  protected savePlan(session: Session): { mode: StoreWriteMode; owner: Owner } | undefined {
    // A save after destroy (a slow request finishing after logout) must not bring it back.
    if (this.destroyedSessionIds?.has(session.id)) return undefined;
    const mode = this.baseline.isPersisted(session.id) ? 'update' : 'create';
    // A new session whose cookie cannot reach the browser would be stored for nothing (and
    // listed as one of its owner's sessions): the browser never comes back with its id.
    if (mode === 'create' && !this.transport.canWrite(this.request, session)) return undefined;
    // The owner (and its activity record) is recorded with every save; see session-activity.ts.
    return { mode, owner: noteSessionActivity(session, this.request, this.options, this.store) };
  }

  /** After a save: a refused update means the session is gone; else the save is published. */
  protected recordSaved(session: Session, mode: StoreWriteMode, isWritten: boolean | void): void {
    if (isWritten === false) {
      // Only an update can be refused here (a refused create throws): the session is gone.
      this.goneSessionId = session.id;
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
    if (this.destroyedSessionIds?.has(session.id)) {
      throw new SessionStateError('nest-sessions: rotate() was called on a destroyed session');
    }
    const previousSessionId = session.id;
    const { baseline } = this;
    const ownChanges = baseline.isPersisted(previousSessionId) ? baseline.changesSinceStored(serializeSessionData(session)) : undefined;
    const cookie = SessionCookie.fromStored(session.cookie.toJSON());
    const copy = new Session(this, this.newSessionId(), cookie, session as unknown as Record<string, unknown>);
    // Tokens issued under the old id (before a login) must not work under the new one.
    dropCsrfSecret(copy);
    const baselineBeforeWrite = baseline.snapshot();
    await this.write(copy, serializeSessionData(copy), 'create', noteSessionActivity(copy, this.request, this.options, this.store));
    // A session never stored has nothing to move, nor can anyone else have ended it.
    const rotated = ownChanges ? await this.#moveStored(previousSessionId, copy, ownChanges, baselineBeforeWrite) : copy;
    this.#switchToRotated(previousSessionId, rotated);
    publishIdChanged('rotated', previousSessionId, rotated.id, rotated, this.options);
    return rotated;
  }

  #switchToRotated(previousSessionId: string, rotated: Session): void {
    this.request.session = rotated;
    setRequestSessionId(this.request, rotated.id);
    this.markDestroyedId(previousSessionId);
    (this.#rotatedTo ??= new Map()).set(previousSessionId, rotated.id);
  }

  /**
   * Takes the old id's record from the store and rewrites the new id (already stored as
   * `copy`) with it and `ownChanges` on top. Throws, leaving no session under the new id
   * and no cookie to send, when the session was ended or moved elsewhere meanwhile.
   */
  async #moveStored(previousSessionId: string, copy: Session, ownChanges: SessionChanges, baselineBeforeWrite: BaselineSnapshot): Promise<Session> {
    const stored = await this.storeCall('move the session being rotated', () => takeStored(this.store, previousSessionId), async () => {
      // The old id may still be there: the request goes on with it, the new id is dropped.
      this.baseline.restore(baselineBeforeWrite);
      await this.store.destroy(copy.id).catch(() => undefined);
    });
    if (!isUsableRecord(stored)) {
      await this.storeCall('destroy the session being rotated', () => this.store.destroy(copy.id));
      this.#endedElsewhere(previousSessionId);
    }
    const rotated = new Session(this, copy.id, copy.cookie, withChanges(stored, ownChanges));
    dropCsrfSecret(rotated);
    const owner = noteSessionActivity(rotated, this.request, this.options, this.store);
    // Should the write fail, the old id is gone and the new one holds the copy: the request goes
    // on with the new session, whose save at the end of the request writes what this could not.
    const isWritten = await this.write(rotated, serializeSessionData(rotated), 'update', owner, () => this.#switchToRotated(previousSessionId, rotated));
    // Refused when the new id was revoked meanwhile (a revokeAll that listed it).
    if (isWritten === false) this.#endedElsewhere(previousSessionId);
    return rotated;
  }

  /** A session ended elsewhere while this request ran: no cookie for it, and no later save. */
  #endedElsewhere(previousSessionId: string): never {
    this.goneSessionId = previousSessionId;
    this.markDestroyedId(previousSessionId);
    throw new SessionStateError('nest-sessions: rotate() failed: the session no longer exists in the store (it was ended meanwhile)');
  }

  async reloadSession(session: Session): Promise<Session> {
    const record = await this.storeCall('load the session', () => this.store.get(session.id));
    if (!isUsableRecord(record)) {
      throw new SessionStateError('nest-sessions: failed to load session: it no longer exists in the store');
    }
    const reloaded = new Session(this, session.id, SessionCookie.fromStored(record.cookie), record);
    this.request.session = reloaded;
    if (this.baseline.isPersisted(session.id)) this.baseline.recordReloaded(serializeSessionData(reloaded), record, reloaded.cookie.expiresAt);
    return reloaded;
  }

  async destroySession(session: Session): Promise<void> {
    // The object `rotate()` replaced: the user means the session, which lives on under the new id.
    const successor = rotatedSuccessor(this.#rotatedTo, this.request.session, session);
    if (successor) return this.destroySession(successor);
    const requestSession = this.request.session;
    const isRequestSession = requestSession === session || requestSession?.id === session.id;
    if (isRequestSession) {
      this.request.session = undefined;
      delete this.request.session;
    }
    const previousDestroyedCookie = this.destroyedCookie;
    const wasDestroyedBefore = this.destroyedSessionIds?.has(session.id) === true;
    this.markDestroyed(session);
    await this.storeCall('destroy the session', () => this.store.destroy(session.id), () => {
      // The session still exists: the browser keeps its cookie and the request its session,
      // rather than a user who believes they are signed out.
      this.destroyedCookie = previousDestroyedCookie;
      if (!wasDestroyedBefore) this.destroyedSessionIds!.delete(session.id);
      if (isRequestSession && this.request.session === undefined) this.request.session = requestSession;
    });
    publishDestroyed(session.id, session, 'destroy', this.options);
  }

  async regenerateSession(session: Session): Promise<Session> {
    const previousSessionId = this.request.sessionID ?? session.id;
    // A login on a new visitor's unsaved session replaces nothing the store held: no event.
    const wasStored = this.baseline.isPersisted(previousSessionId);
    this.markDestroyed(session);
    // As express-session: the new session is in place even if the old one could not be removed.
    await this.storeCall('destroy the session being regenerated', () => this.store.destroy(previousSessionId), () => this.generate());
    this.generate();
    if (wasStored) publishIdChanged('regenerated', previousSessionId, this.request.sessionID!, session, this.options);
    return this.request.session as Session;
  }

  /**
   * Flash messages read in this request: the store removes them itself when it can, atomically,
   * so that of overlapping requests only one shows each message. The store no longer holds them
   * then, and this request's baselines say so: the read needs no save of its own, and messages
   * put back by a 5xx (`commitAtEnd`) are saved as added.
   */
  async takeFlashMessages(session: Session, messageIds: readonly string[]): Promise<readonly string[] | undefined> {
    const { store } = this;
    const isStored = this.baseline.isPersisted(session.id) && this.destroyedSessionIds?.has(session.id) !== true;
    if (store.takeFlashMessages === undefined || !isStored) return undefined;
    const takenIds = await this.storeCall('read the flash messages', () => store.takeFlashMessages!(session.id, messageIds));
    if (takenIds === undefined) return undefined;
    this.baseline.recordFlashTaken(session.id, messageIds);
    return takenIds;
  }

  /**
   * Carries out a save: the whole record, or only this request's changes when the rules say
   * so (`shouldMerge`); then records what the store holds. Resolves to the store's answer
   * (`false`: an update found the session gone); a refused create throws. `onFailure` runs
   * when the store fails, before the error is thrown.
   */
  protected async write(session: Session, dataJson: string, mode: StoreWriteMode, owner: Owner, onFailure?: () => unknown): Promise<boolean | void> {
    const { store } = this;
    const { record, changes } = this.writeArguments(session, dataJson, mode);
    const isWritten = await this.storeCall(
      'save the session',
      () => (changes ? store.merge!(session.id, record, changes, { owner }) : store.set(session.id, record, { mode, owner })),
      onFailure,
    );
    return this.recordWritten(session, dataJson, mode, isWritten);
  }

  /** What a write sends: the record (`toRecord` makes it), and this request's changes when it is merged (`shouldMerge`). */
  protected writeArguments(session: Session, dataJson: string, mode: StoreWriteMode, toRecord: RecordMaker = toSessionRecord): { record: SessionRecord; changes: SessionChanges | undefined } {
    const { baseline, store } = this;
    baseline.recordSaving(dataJson, session.cookie.originalMaxAge, session.cookie.expiresAt);
    const record = toRecord(session, dataJson);
    const isMerged = shouldMerge({ mode, hasStoredBaseline: baseline.hasStoredBaseline, canStoreMerge: store.merge !== undefined });
    return { record, changes: isMerged ? baseline.changesToStored(dataJson) : undefined };
  }

  /** What the store answered to a write, recorded; a refused create throws. */
  protected recordWritten(session: Session, dataJson: string, mode: StoreWriteMode, isWritten: boolean | void): boolean | void {
    if (isWritten === false && mode === 'create') {
      // The new id belongs to another session (a genid that repeats itself): sending its
      // cookie would hand this client someone else's session.
      this.abandon();
      throw new SessionStateError('nest-sessions: the new session id is already in use in the store; genid() must return unique, unguessable ids');
    }
    if (isWritten !== false) this.baseline.recordStored(session.id, dataJson);
    return isWritten;
  }

  /** `session.token()`: the session's id signed with the current secret (the request's own token when it is that). */
  sessionToken(session: Session): string {
    if (this.destroyedSessionIds?.has(session.id)) {
      throw new SessionStateError('nest-sessions: token() was called on a destroyed session');
    }
    return signedSessionId(session.id, this.secrets, this.received);
  }

  /** After a failed commit the response carries an error: no cookie must go with it. */
  abandon(): void {
    this.isAbandoned = true;
  }

  /**
   * Every store call of the request: a failure reaches the caller as a `SessionStoreError`
   * for `action`, after `onFailure` (awaited) has put back what the caller had changed.
   */
  protected async storeCall<T>(action: string, call: () => Promise<T>, onFailure?: () => unknown): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (onFailure) await onFailure();
      throw toStoreError(error, action);
    }
  }

  /** A new id from `genid`, checked: well-formed and not one destroyed in this request. */
  protected newSessionId(): string {
    const sessionId = this.options.generateId(this.request);
    const idProblem = sessionIdProblem(sessionId);
    if (idProblem !== undefined) throw new SessionStateError(`nest-sessions: genid() ${idProblem}`);
    if (this.destroyedSessionIds?.has(sessionId)) {
      throw new SessionStateError('nest-sessions: genid() returned the id of the session just destroyed; ids must be unique');
    }
    return sessionId;
  }

  protected markDestroyed(session: Session): void {
    this.destroyedCookie = session.cookie;
    this.markDestroyedId(session.id);
  }

  protected markDestroyedId(sessionId: string): void {
    (this.destroyedSessionIds ??= new Set()).add(sessionId);
  }
}
