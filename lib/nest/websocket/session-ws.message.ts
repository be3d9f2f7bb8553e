import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders } from 'node:http';
import type { ExecutionContext } from '@nestjs/common';
import { SessionStateError } from '../../core/errors.js';
import type { SessionRequest, SessionWithData } from '../../core/http/http-types.js';
import type { AttachOutcome, SessionManager } from '../../core/management/session-manager.js';
import { upgradeRequestOf } from './session-ws.upgrades.js';

/**
 * The parts of a socket.io `Socket` a session is read from: its handshake. (A bare `ws` socket
 * from `@nestjs/platform-ws` has none: its session is read from the upgrade request instead.)
 */
export interface SessionSocket {
  handshake: { headers: IncomingHttpHeaders; url?: string; secure?: boolean };
  /** The handshake's HTTP request (socket.io's `socket.request`), for TLS detection. */
  request?: { socket?: object };
}

/**
 * A request-like object made from the HTTP request that opened the socket, as the core expects:
 * socket.io's handshake, or the upgrade request of a bare `ws` socket (`@nestjs/platform-ws`).
 * A fresh object per message, so one message's session never leaks into the next.
 */
function handshakeRequestOf(client: SessionSocket | object): SessionRequest {
  const { handshake, request } = client as Partial<SessionSocket>;
  if (handshake?.headers) {
    return {
      headers: handshake.headers,
      // The handshake's path (e.g. /socket.io/?EIO=4…) meets the cookie-path check as the
      // browser did when it decided to send the cookie with the handshake.
      url: handshake.url ?? '/',
      secure: handshake.secure === true,
      socket: request?.socket,
    };
  }
  const upgradeRequest = upgradeRequestOf(client);
  if (!upgradeRequest) throw new SessionStateError(UNKNOWN_UPGRADE_REQUEST);
  // The upgrade's own path, for the cookie-path check; TLS shows on its socket.
  return { headers: upgradeRequest.headers, url: upgradeRequest.url ?? '/', socket: upgradeRequest.socket };
}

/** Why a `ws` socket's session cannot be read, and what to change. */
const UNKNOWN_UPGRADE_REQUEST =
  "nest-sessions: the session cookie of this WebSocket client cannot be read: the application's HTTP server never saw its " +
  'upgrade request. With @nestjs/platform-ws, run the gateway on that server (@WebSocketGateway() without a port) and call ' +
  'app.useWebSocketAdapter(new WsAdapter(app)) before app.init() / app.listen()';

/** What loading a message's session found. */
export interface WsMessageSessionLoad {
  /** The stored session the handshake's cookie names; undefined when there is none. */
  session: SessionWithData | undefined;
  outcome: AttachOutcome;
}

/**
 * One WebSocket message's session: loaded on first use, through the core, from the cookie the
 * handshake (socket.io) or upgrade request (`ws`) carried, and committed once the handler is
 * done. Each message loads afresh, so it sees what HTTP requests and other messages saved since
 * the socket connected.
 */
export class WsMessageSession {
  /** A request-like object made from the handshake, as the core expects. */
  readonly request: SessionRequest;
  #loading: Promise<WsMessageSessionLoad> | undefined;

  constructor(
    client: SessionSocket | object,
    private readonly sessionManager: SessionManager,
  ) {
    this.request = handshakeRequestOf(client);
  }

  /** Loads the session once per message; later calls share the first load. */
  load(): Promise<WsMessageSessionLoad> {
    return (this.#loading ??= this.#load());
  }

  /**
   * Saves, touches or destroys the session in the store by the usual end-of-request rules.
   * Does nothing if no handler asked for the session or there was none to load.
   */
  async commit(): Promise<void> {
    if (!this.#loading) return;
    const loaded = await this.#loading.catch(() => undefined);
    if (!loaded?.session) return;
    await this.sessionManager.commit(this.request);
  }

  async #load(): Promise<WsMessageSessionLoad> {
    const outcome = await this.sessionManager.attach(this.request);
    // A session created here could never reach the browser (a socket cannot set a cookie),
    // so a message without a stored session has none, and nothing is written for it.
    if (outcome !== 'attached' || !this.sessionManager.isStoredSession(this.request)) {
      return { session: undefined, outcome };
    }
    return { session: this.request.session ?? undefined, outcome };
  }
}

/** The message being handled inside `SessionWsInterceptor`, for `@Session()` to find. */
const messageScope = new AsyncLocalStorage<WsMessageSession>();

/**
 * Messages a guard loaded before the interceptor ran, keyed by the argument array Nest hands
 * both the guards and the interceptors of one message, so the session is loaded only once.
 */
const messagesByHandlerArgs = new WeakMap<unknown[], WsMessageSession>();

/** The message `SessionWsInterceptor` is running the handler of, if any. */
export function currentWsMessage(): WsMessageSession | undefined {
  return messageScope.getStore();
}

/** The message of a guard's or interceptor's context: the one already started, or a new one. */
export function wsMessageOf(context: ExecutionContext, sessionManager: SessionManager): WsMessageSession {
  const current = messageScope.getStore();
  if (current) return current;
  const handlerArgs = context.getArgs();
  let message = messagesByHandlerArgs.get(handlerArgs);
  if (!message) {
    message = new WsMessageSession(context.switchToWs().getClient<object>(), sessionManager);
    messagesByHandlerArgs.set(handlerArgs, message);
  }
  return message;
}

/** Runs `handle` (the handler, its pipes included) with `message` as the current message. */
export function runInWsMessage<T>(message: WsMessageSession, handle: () => T): T {
  return messageScope.run(message, handle);
}
