import { IncomingMessage } from 'node:http';
import { installedOnApplicationPrototype } from '../http/express/application-prototype.js';
import type { SessionRequest } from '../http/http-types.js';
import { sharedAcrossBuilds } from '../shared-across-builds.js';
import type { SessionStore } from '../store/session-store.js';

/** Why a request has, or has not, got a session after `attach`. */
export type AttachOutcome =
  /** `req.session` was put on the request (loaded or new). */
  | 'attached'
  /** The request already had a session (another session middleware ran first); left alone. */
  | 'already-attached'
  /** The store emitted `disconnect`: the request goes on without a session. */
  | 'store-disconnected'
  /** The store failed to answer and `storeUnavailable: 'continue'` lets the request go on. */
  | 'store-unavailable'
  /** The request's path is outside the cookie's `path`: no session, as express-session. */
  | 'outside-cookie-path';

/** How a session id travels: the cookie, or the `header` option's request header. */
export type SessionTransportName = 'cookie' | 'header';

/**
 * What the session middleware keeps for a request besides `req.session`: in a WeakMap rather
 * than on the request, whose new own properties take V8's slow path once Express 5 has changed
 * its prototype (costs in bench/PROFILE.md). `req.sessionID` and `req.sessionStore` are
 * accessors on the application's request prototype that read and write this state.
 * `req.session` stays an own property: `delete req.session` must end the session as in
 * express-session (`unset`), and no accessor can see a `delete`.
 */
interface RequestState {
  /** How `attach` handled the request; undefined while it runs (or if it failed). */
  outcome: AttachOutcome | undefined;
  /** What `req.sessionStore` shows through the prototype's accessor. */
  store: SessionStore | undefined;
  /** What `req.sessionID` shows through the prototype's accessor: any value a handler assigns. */
  sessionId: unknown;
  /** The route reads the session without extending it (`@SkipSessionTouch()`). */
  isTouchSkipped: boolean;
  /** The transport `attach` chose for the request: `'header'` when it carried the header. */
  transport: SessionTransportName | undefined;
  /** The session on the request is the stored one a valid header token named. */
  isHeaderAuthenticated: boolean;
}

/** Shared by the ESM and CommonJS builds, as the registered symbol property it replaced was. */
const requestStates: WeakMap<object, RequestState> = sharedAcrossBuilds('requestStates.v2', new WeakMap());

/**
 * Where a request without an application prototype (Fastify's raw request, plain `http`) keeps
 * its state: a symbol property, cheaper than a WeakMap entry on objects whose prototype nobody
 * changed. Registered, so both builds read it.
 */
const STATE = Symbol.for('nest-sessions.requestState.v2');

type RequestWithState = SessionRequest & { [STATE]?: RequestState };

/** How the request was handled by `attach`, or undefined if no session middleware ran on it. */
export function attachOutcomeOf(request: SessionRequest): AttachOutcome | undefined {
  return ((request as RequestWithState)[STATE] ?? requestStates.get(request))?.outcome;
}

/** Records how `attach` handled the request. */
export function setAttachOutcome(request: SessionRequest, outcome: AttachOutcome): void {
  stateOf(request).outcome = outcome;
}

/**
 * Marks the request as one that reads its session without extending it: no store touch and
 * no rolling cookie for an unchanged session (`@SkipSessionTouch()`, set before the response ends).
 */
export function skipSessionTouch(request: SessionRequest): void {
  stateOf(request).isTouchSkipped = true;
}

/** Whether `skipSessionTouch` marked the request. */
export function isSessionTouchSkipped(request: SessionRequest): boolean {
  return ((request as RequestWithState)[STATE] ?? requestStates.get(request))?.isTouchSkipped === true;
}

/**
 * The transport the request's session id travels by (`'header'` when the request carried the
 * `header` option's header, which wins over a cookie); undefined when no session was attached,
 * or without the `header` option (every session is a cookie's then).
 */
export function sessionTransportOf(request: SessionRequest): SessionTransportName | undefined {
  return ((request as RequestWithState)[STATE] ?? requestStates.get(request))?.transport;
}

/**
 * Whether the request's session was loaded from the store by a valid header token: not a
 * request that merely carries the header (an unknown, forged or expired token gets a new
 * session, which does not count).
 */
export function isHeaderAuthenticated(request: SessionRequest): boolean {
  return ((request as RequestWithState)[STATE] ?? requestStates.get(request))?.isHeaderAuthenticated === true;
}

/** Records the transport `attach` chose, and whether a header token named the loaded session. */
export function setSessionTransport(request: SessionRequest, transport: SessionTransportName, isAuthenticatedByHeader: boolean): void {
  const state = stateOf(request);
  state.transport = transport;
  state.isHeaderAuthenticated = isAuthenticatedByHeader;
}

/**
 * Sets `req.sessionStore`: through the accessor on the request's application prototype where
 * there is one (Express), as an own property otherwise (plain `http`, Fastify's raw request,
 * where adding properties costs nothing special) or when the request already has its own.
 */
export function exposeSessionStore(request: SessionRequest, store: SessionStore): void {
  if (!Object.hasOwn(request, 'sessionStore') && accessorsOf(request) !== undefined) {
    stateInWeakMap(request).store = store;
  } else {
    request.sessionStore = store;
  }
}

/** Sets `req.sessionID`, the same way as `exposeSessionStore` sets `req.sessionStore`. */
export function setRequestSessionId(request: SessionRequest, sessionId: string | undefined): void {
  if (!Object.hasOwn(request, 'sessionID') && accessorsOf(request) !== undefined) {
    stateInWeakMap(request).sessionId = sessionId;
  } else {
    request.sessionID = sessionId;
  }
}

function stateOf(request: SessionRequest): RequestState {
  if (accessorsOf(request) === undefined) return ((request as RequestWithState)[STATE] ??= newState());
  return stateInWeakMap(request);
}

/** The state of a request whose application prototype carries the accessors (they read the WeakMap). */
function stateInWeakMap(request: SessionRequest): RequestState {
  let state = requestStates.get(request);
  if (state === undefined) {
    state = newState();
    requestStates.set(request, state);
  }
  return state;
}

function newState(): RequestState {
  return { outcome: undefined, store: undefined, sessionId: undefined, isTouchSkipped: false, transport: undefined, isHeaderAuthenticated: false };
}

/** Whether the request's application prototype carries the accessors (installed on first sight). */
const accessorsOf = installedOnApplicationPrototype(IncomingMessage.prototype, installAccessors);

function installAccessors(applicationPrototype: object): true | null {
  // Another library's own property there (or the other build's accessors) is left alone.
  if (Object.hasOwn(applicationPrototype, 'sessionStore') || Object.hasOwn(applicationPrototype, 'sessionID')) return null;
  defineStateAccessor(applicationPrototype, 'sessionStore', 'store');
  defineStateAccessor(applicationPrototype, 'sessionID', 'sessionId');
  return true;
}

function defineStateAccessor(applicationPrototype: object, property: 'sessionStore' | 'sessionID', slot: 'store' | 'sessionId'): void {
  Object.defineProperty(applicationPrototype, property, {
    configurable: true,
    enumerable: false,
    get(this: SessionRequest) {
      return requestStates.get(this)?.[slot];
    },
    set(this: SessionRequest, value: unknown) {
      // An assignment by the application makes it the request's own, as on any object.
      Object.defineProperty(this, property, { value, writable: true, enumerable: true, configurable: true });
    },
  });
}
