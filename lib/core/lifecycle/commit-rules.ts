import type { ResolvedSessionOptions } from '../options/resolve-options.js';
import type { StoreWriteMode } from '../store/session-store.js';

/**
 * What is known about the request's session when its response goes out. The rules below are
 * express-session's, one function each, so every rule can be read and tested on its own.
 */
export interface CommitFacts {
  /** `req.sessionID` now (changes on regenerate). */
  sessionId: string | undefined;
  /** The id the request's cookie carried, if it verified. */
  cookieSessionId: string | undefined;
  /** The data or the id differ from what was loaded (or generated). */
  isModified: boolean;
  /** The data as it is now was saved during this request (or loaded, unless `resave`). */
  isSaved: boolean;
  /** Some save (or a load without `resave`) set a baseline to compare with. */
  hasSavedBaseline: boolean;
  /** The cookie has an expiry date (it is not a browser-session cookie). */
  hasCookieExpiry: boolean;
  /**
   * When the stored session expires as far as the request knows (the cookie expiry it loaded,
   * or last wrote), epoch ms; undefined for a session never stored or stored without expiry.
   */
  storedExpiresAt: number | undefined;
  /** The cookie's full lifetime in ms (`originalMaxAge`); null for a browser-session cookie. */
  lifetime: number | null;
  /** The time the rules are applied at, epoch ms; read only with `touchAfter` (`isTouchDue`), 0 without. */
  now: number;
  /** The route reads the session without extending it (`@SkipSessionTouch()`). */
  isTouchSkipped: boolean;
}

type RuleOptions = Pick<ResolvedSessionOptions, 'saveUninitialized' | 'rolling'> & { touchAfter?: number | undefined };

/** Write the session to the store: new and worth keeping, or changed since it was loaded/saved. */
export function shouldSave(facts: CommitFacts, options: RuleOptions): boolean {
  if (facts.sessionId === undefined) return false;
  const isNewAndUnsaved =
    !options.saveUninitialized && !facts.hasSavedBaseline && facts.cookieSessionId !== facts.sessionId;
  return isNewAndUnsaved ? facts.isModified : !facts.isSaved;
}

/** Extend the stored session's life without rewriting it: an existing session that is not saved. */
export function shouldTouch(facts: CommitFacts, options: RuleOptions): boolean {
  if (facts.sessionId === undefined) return false;
  return facts.cookieSessionId === facts.sessionId && !shouldSave(facts, options);
}

/**
 * Send Set-Cookie: for a new id when it is saved-worthy; for the existing id when `rolling`
 * (unless the route skips touches and the session is unchanged), or when a persistent
 * cookie's session changed (its expiry moved with the touch).
 */
export function shouldSetCookie(facts: CommitFacts, options: RuleOptions): boolean {
  if (facts.sessionId === undefined) return false;
  if (facts.cookieSessionId !== facts.sessionId) return options.saveUninitialized || facts.isModified;
  if (options.rolling && (!facts.isTouchSkipped || facts.isModified)) return true;
  return facts.hasCookieExpiry && facts.isModified;
}

/**
 * `touchAfter` applies: it is set, the expiry the store holds for the session is known, and
 * the cookie lives longer than the interval (a shorter lifetime, from a cookie function or a
 * handler's `maxAge`, would never be due and expire while in use: it is touched every time).
 */
export function isLazyTouch(facts: CommitFacts, options: RuleOptions): boolean {
  return options.touchAfter !== undefined && facts.storedExpiresAt !== undefined && facts.lifetime !== null && facts.lifetime > options.touchAfter;
}

/**
 * `touchAfter`: the store's expiry is moved once it is older than the interval, that is when
 * less than `lifetime - touchAfter` is left of it. Always due without lazy touch.
 */
export function isTouchDue(facts: CommitFacts, options: RuleOptions): boolean {
  if (!isLazyTouch(facts, options)) return true;
  return facts.storedExpiresAt! - facts.now < facts.lifetime! - options.touchAfter!;
}

/**
 * The request moves the session's expiry (the cookie's, then the store's): a route that skips
 * touches only when it changed the session; otherwise a save, or a touch that is due.
 */
export function shouldExtendExpiry(facts: CommitFacts, options: RuleOptions): boolean {
  if (facts.isTouchSkipped) return facts.isModified;
  return shouldSave(facts, options) || isTouchDue(facts, options);
}

/**
 * What the end of a request does to a session that is still on the request. `'refresh'` is
 * a lazy touch: the unchanged session written back with its new expiry (a merge without data
 * changes where the store merges), so the expiry a later load reads is the one the store keeps.
 */
export type CommitAction = 'save' | 'touch' | 'refresh' | 'none';

/**
 * The one end-of-request decision for a session on the request, express-session's rules in
 * their order: save it (how: `shouldMerge`), else touch it when the store can, the route does
 * not skip touches and (`touchAfter`) a touch is due, else nothing.
 */
export function decideCommit(facts: CommitFacts, options: RuleOptions, canStoreTouch: boolean): CommitAction {
  if (shouldSave(facts, options)) return 'save';
  if (!canStoreTouch || !shouldTouch(facts, options) || !shouldExtendExpiry(facts, options)) return 'none';
  return isLazyTouch(facts, options) ? 'refresh' : 'touch';
}

/** What is known when the request ends without a session (`req.session` deleted or nulled). */
export interface UnsetFacts {
  /** `req.sessionID`, when a string. */
  sessionId: string | undefined;
  /** This request already destroyed that session (`destroy()`, `regenerate()`, `rotate()`). */
  isDestroyed: boolean;
}

/** `unset: 'destroy'`: a request that unset `req.session` destroys the stored session. */
export function shouldDestroyUnset(facts: UnsetFacts, options: Pick<ResolvedSessionOptions, 'unset'>): boolean {
  return options.unset === 'destroy' && facts.sessionId !== undefined && !facts.isDestroyed;
}

/** What decides how a save reaches the store. */
export interface WriteFacts {
  /** `'update'`: the id is stored (loaded, or saved earlier in this request). */
  mode: StoreWriteMode;
  /** The request knows which data the store holds (loaded or saved): changes can be computed. */
  hasStoredBaseline: boolean;
  /** The store writes changes only (`SessionStore.merge`). */
  canStoreMerge: boolean;
}

/**
 * Write only the keys this request changed, so overlapping requests of one session do not
 * undo each other: an update of a stored session, on a store that merges. New sessions, and
 * every write to an express-session store, are written whole.
 */
export function shouldMerge(facts: WriteFacts): boolean {
  return facts.mode === 'update' && facts.hasStoredBaseline && facts.canStoreMerge;
}
