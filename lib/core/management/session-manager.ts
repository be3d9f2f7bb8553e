import { SessionOptionsError, SessionStoreUnavailableError, toStoreError } from '../errors.js';
import type { SessionSecret } from '../cookie/cookie-signing.js';
import type { SessionCookie } from '../cookie/session-cookie.js';
import type { SessionRequest, SessionResponse } from '../http/http-types.js';
import { shareExpressObjectShapes } from '../http/express/shared-object-shapes.js';
import { requestPath } from '../http/request-security.js';
import { hasTextAt } from '../text-at.js';
import { exposeSessionStore, setAttachOutcome, setRequestSessionId, setSessionTransport } from '../lifecycle/request-state.js';
import type { AttachOutcome } from '../lifecycle/request-state.js';
import { immediateStoreOf } from '../store/immediate-store.js';
import { requestFacingStore } from '../store/request-facing-store.js';
import { RequestLoad, requestLoaderOf } from '../store/request-load.js';
import { withHashedIds } from '../store/at-rest/hashed-id-store.js';
import type { ResolvedSessionOptions } from '../options/resolve-options.js';
import { hookResponse } from '../lifecycle/response-hooks.js';
import type { CommitErrorHandler } from '../lifecycle/response-hooks.js';
import { CookieTransport } from '../transport/cookie-transport.js';
import { HeaderTransport } from '../transport/header-transport.js';
import type { SessionIdTransport } from '../transport/session-id-transport.js';
import { publishDestroyed, publishUnreadable } from '../lifecycle/session-events.js';
import { SessionLifecycle } from '../lifecycle/session-lifecycle.js';
import { isUsableRecord } from '../session/session-record.js';
import type { SessionRecord, SessionStore } from '../store/session-store.js';
import { SealedDataStore } from '../store/at-rest/sealed-data-store.js';
import type { UnreadableReason } from '../store/at-rest/sealed-record.js';

export type { AttachOutcome } from '../lifecycle/request-state.js';
export { attachOutcomeOf } from '../lifecycle/request-state.js';

/**
 * The framework-free session middleware: read id → load → attach → (at the end) decide →
 * commit. One instance per application; the web layer calls `attach` for each request.
 */
export class SessionManager {
  /** Starts as the store reports itself, then follows its `disconnect`/`connect` events. */
  #isStoreConnected: boolean;
  readonly #onDisconnect = () => {
    this.#isStoreConnected = false;
  };
  readonly #onConnect = () => {
    this.#isStoreConnected = true;
  };
  /** Sessions attached without a response (WebSocket messages), until `commit` ends them. */
  readonly #responseLessLifecycles = new WeakMap<SessionRequest, SessionLifecycle>();

  /** Where the session id is read from and written to: the cookie. */
  readonly #transport: SessionIdTransport;
  /** With the `header` option: the request header, for the requests that carry it. */
  readonly #headerTransport: HeaderTransport | undefined;

  /** `req.sessionStore`: the store, whose methods also take express-session's callbacks. */
  readonly #requestFacingStore: SessionStore;

  /**
   * The store the sessions are read and written through: the configured store, with
   * `encryption` a `SealedDataStore` on it, with `hashIds` a `HashedIdStore` on top (callers
   * still pass session ids).
   */
  readonly store: SessionStore;

  constructor(
    readonly options: ResolvedSessionOptions,
    store: SessionStore,
  ) {
    // hashed(sealed(store)): the sealed layer binds the data to the key the store keeps it under.
    store = withHashedIds(withEncryption(store, options), options);
    this.store = store;
    this.#requestFacingStore = requestFacingStore(store);
    this.#transport = new CookieTransport(options);
    this.#headerTransport = options.header ? new HeaderTransport(options.header, options.trustProxy) : undefined;
    this.#isStoreConnected = store.isConnected;
    store.on('disconnect', this.#onDisconnect);
    store.on('connect', this.#onConnect);
  }

  /**
   * Whether the request carries the `header` option's header (valid or not): it is then served
   * through it, not the cookie. Always false without the option.
   */
  carriesSessionHeader(request: SessionRequest): boolean {
    return this.#headerTransport?.isCarriedBy(request) === true;
  }

  /** The `WWW-Authenticate` challenge of a 401 to a header client (`Bearer`); undefined without the option or a scheme. */
  get headerChallenge(): string | undefined {
    return this.#headerTransport?.challenge;
  }

  /** False between the store's `disconnect` and `connect` events. */
  get isStoreConnected(): boolean {
    return this.#isStoreConnected;
  }

  /**
   * Whether a request continues in a cohort once attached (`continueInCohort`): with the
   * `requestCohorts` option, on a store that loads sessions at once. A store that waits (Redis,
   * SQL) already continues the requests one of its replies answers together.
   */
  get continuesInCohorts(): boolean {
    return this.options.requestCohorts && immediateStoreOf(this.store) !== undefined;
  }

  /**
   * Loads or creates the request's session and puts it on `req.session`; with a response,
   * also hooks it so the session is committed when the response goes out (without one, call
   * `commit`). Rejects with a
   * `SessionStoreError` (or `SessionStoreUnavailableError`) when the store fails.
   */
  async attach(
    request: SessionRequest,
    response?: SessionResponse,
    onCommitError: CommitErrorHandler = finishDespiteError,
  ): Promise<AttachOutcome> {
    shareExpressObjectShapes(request, response);
    if (request.session) return recorded(request, 'already-attached');
    if (!this.#isStoreConnected) return recorded(request, 'store-disconnected');
    const { options } = this;
    const cookieOptions = typeof options.cookieOptions === 'function' ? options.cookieOptions(request) : options.cookieOptions;
    if (!hasTextAt(requestPath(request), cookieOptions.path, 0)) return recorded(request, 'outside-cookie-path');

    const secrets = options.secrets ?? secretsFromRequest(request);
    exposeSessionStore(request, this.#requestFacingStore);
    // A request that carries the header is read and answered through it, whatever cookie it has.
    // (Without the option nothing is recorded: apps on cookies alone pay nothing for it.)
    const isCarriedByHeader = this.#headerTransport?.isCarriedBy(request) === true;
    const transport = isCarriedByHeader ? this.#headerTransport! : this.#transport;
    if (this.#headerTransport) setSessionTransport(request, isCarriedByHeader ? 'header' : 'cookie', false);
    const received = transport.read(request, secrets);
    const lifecycle = new SessionLifecycle(request, options, this.store, transport, cookieOptions, secrets, received);

    if (received === undefined) {
      lifecycle.generate();
    } else {
      const receivedSessionId = received.sessionId;
      let record: unknown;
      let isUsable: boolean;
      let loadedDataJson: string | undefined;
      let loadedCookie: SessionCookie | undefined;
      let isRecordHandedOver = false;
      try {
        const immediate = immediateStoreOf(this.store);
        if (immediate?.getUsable !== undefined) {
          record = immediate.getUsable(receivedSessionId);
          isUsable = record !== undefined;
          if (isUsable) {
            loadedDataJson = immediate.loadedDataJson?.(receivedSessionId, record as SessionRecord);
            loadedCookie = immediate.loadedCookie?.(receivedSessionId, record as SessionRecord);
          }
          isRecordHandedOver = isUsable;
        } else if (immediate !== undefined) {
          record = immediate.get(receivedSessionId);
          isUsable = isUsableRecord(record);
        } else {
          const requestLoader = requestLoaderOf(this.store);
          const loaded = requestLoader !== undefined ? await requestLoader(receivedSessionId) : await this.store.get(receivedSessionId);
          if (loaded instanceof RequestLoad) {
            ({ record, dataJson: loadedDataJson, cookie: loadedCookie } = loaded);
            isUsable = isRecordHandedOver = true;
          } else {
            record = loaded;
            isUsable = isUsableRecord(record);
          }
        }
      } catch (error) {
        const storeError = toStoreError(error, 'load the session');
        if (storeError instanceof SessionStoreUnavailableError && options.storeUnavailable === 'continue') {
          setRequestSessionId(request, undefined);
          return recorded(request, 'store-unavailable');
        }
        throw storeError;
      }
      // An id the store does not know (or a corrupted entry) is never adopted: new id.
      if (isUsable && !this.#isPastAbsoluteTimeout(record as SessionRecord)) {
        // An immediate store's `getUsable` parses each record for the load that asked for it.
        lifecycle.inflate(receivedSessionId, record as SessionRecord, loadedDataJson, isRecordHandedOver, loadedCookie);
        if (isCarriedByHeader) setSessionTransport(request, 'header', true);
      } else {
        if (isUsable) await this.#destroyTimedOut(receivedSessionId, record as SessionRecord);
        lifecycle.generate();
      }
    }
    if (response) {
      hookResponse(response, lifecycle, onCommitError);
    } else {
      this.#responseLessLifecycles.set(request, lifecycle);
    }
    return recorded(request, 'attached');
  }


  /**
   * Whether a request attached without a response carries the stored session its cookie named,
   * rather than a new one (no cookie, or an id the store does not know). Read it right after
   * `attach`: a new session there could never reach the client, as no cookie can be set.
   */
  isStoredSession(request: SessionRequest): boolean {
    const lifecycle = this.#responseLessLifecycles.get(request);
    return lifecycle?.receivedSessionId !== undefined && request.sessionID === lifecycle.receivedSessionId;
  }

  /**
   * Ends a session attached without a response (a WebSocket message): saves, touches or
   * destroys it in the store by the same rules as at the end of a response. No cookie is set,
   * as nothing carries it. Rejects with a `SessionStoreError` when the store fails.
   */
  async commit(request: SessionRequest): Promise<void> {
    const lifecycle = this.#responseLessLifecycles.get(request);
    if (!lifecycle) return;
    this.#responseLessLifecycles.delete(request);
    try {
      await lifecycle.commitAtEnd();
    } catch (error) {
      throw toStoreError(error, 'save the session');
    }
  }

  /** Stops listening to the store's events. */
  dispose(): void {
    this.store.off('disconnect', this.#onDisconnect);
    this.store.off('connect', this.#onConnect);
  }

  #isPastAbsoluteTimeout(record: SessionRecord): boolean {
    const { absoluteTimeout } = this.options;
    const createdAt = record.cookie.createdAt;
    return absoluteTimeout !== undefined && typeof createdAt === 'number' && createdAt + absoluteTimeout <= Date.now();
  }

  /** A session past `absoluteTimeout` is removed, so its id can never be used again. */
  async #destroyTimedOut(sessionId: string, record: SessionRecord): Promise<void> {
    try {
      await this.store.destroy(sessionId);
    } catch (error) {
      throw toStoreError(error, 'destroy a timed-out session');
    }
    publishDestroyed(sessionId, record, 'absolute-timeout', this.options);
  }
}

/**
 * With `encryption`, the store wrapped so that it keeps data sealed. A record that does not
 * open is warned about once per key id (never with the id or a key) and published as
 * `unreadable`; a store without `compareAndSet` is warned about once, at start-up.
 */
function withEncryption(store: SessionStore, options: ResolvedSessionOptions): SessionStore {
  const ring = options.encryption;
  if (ring === undefined) return store;
  const sealed = new SealedDataStore(store, ring, (reason, keyId) => {
    const label = keyId === undefined || !PRINTABLE_KEY_ID.test(keyId) ? undefined : keyId;
    options.warnOnce(`encryption:${reason}:${label ?? ''}`, unreadableMessage(reason, label));
    publishUnreadable(reason, label);
  });
  if (!sealed.canCompareAndSet) {
    options.warnOnce(
      'encryption:no-compare-and-set',
      `nest-sessions: with \`encryption\` the store (${store.constructor.name}) needs a compareAndSet method to merge overlapping saves of one session; ` +
        'without it each save writes the whole session (the last save wins, as with express-session)',
    );
  }
  return sealed;
}

/** Key ids as the option accepts them: a stored id of another shape is not printed. */
const PRINTABLE_KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

function unreadableMessage(reason: UnreadableReason, keyId: string | undefined): string {
  const sealedWith = keyId === undefined ? 'a key id that is not valid' : `key id "${keyId}"`;
  const why = {
    'not-sealed': 'a stored session is not sealed (written without `encryption`, or by another program)',
    'unknown-version': 'a stored session is sealed in a format this version does not read',
    'unknown-key': `a stored session is sealed with ${sealedWith}, which is not in \`encryption.keys\` (keep a retired key after the first until its sessions are saved again)`,
    'not-authentic': `a stored session sealed with ${sealedWith} failed authentication (changed, copied under another session's key, or a different key under that id)`,
  }[reason];
  return `nest-sessions: ${why}; such sessions are treated as absent and their requests start new ones (this is logged once)`;
}

/** Records how `attach` handled the request (it stays unset when attach fails). */
function recorded(request: SessionRequest, outcome: AttachOutcome): AttachOutcome {
  setAttachOutcome(request, outcome);
  return outcome;
}

/** express-session's fallback: the secret cookie-parser put on the request. */
function secretsFromRequest(request: SessionRequest): SessionSecret[] {
  if (typeof request.secret === 'string' && request.secret.length > 0) return [request.secret];
  throw new SessionOptionsError(
    'secret',
    'secret option required for sessions: secretFromRequest is set but req.secret is empty; install cookie-parser with a secret before the session middleware, or pass `secret`',
  );
}

/** Without a web layer to render the error, the response still ends as the handler wanted. */
function finishDespiteError(_error: unknown, finish: () => void): void {
  finish();
}
