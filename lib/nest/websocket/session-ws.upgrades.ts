// `@nestjs/platform-ws` hands gateways bare `ws` sockets, which keep neither the upgrade request
// nor its cookie: the request is remembered here, by its TCP socket, when the HTTP server sees it.
import type { IncomingMessage } from 'node:http';
import { sharedAcrossBuilds } from '../../core/shared-across-builds.js';

/** What an upgrade listener needs of the application's HTTP server (Node's `http.Server`). */
export interface UpgradingServer {
  listenerCount(eventName: 'upgrade'): number;
  prependListener(eventName: 'upgrade', listener: (request: IncomingMessage) => void): unknown;
}

/** A `ws` WebSocket as gateways get it: its TCP socket is the upgrade request's. */
interface BareWebSocket {
  _socket?: object | null;
}

// Shared by the ESM and CommonJS builds: the module of one build may listen, the guard of the other read.
const upgradeRequestsBySocket = sharedAcrossBuilds('wsUpgradeRequests', new WeakMap<object, IncomingMessage>());
const listeningServers = sharedAcrossBuilds('wsUpgradeServers', new WeakSet<object>());

/**
 * Remembers each upgrade request the server receives, for the `ws` sockets it becomes. Only
 * where something already handles upgrades (a WebSocket adapter): Node treats an upgrade
 * request as a plain request when nobody listens, and a listener of ours alone would hang it.
 */
export function rememberUpgradeRequests(server: UpgradingServer | undefined): void {
  if (!server || typeof server.prependListener !== 'function' || listeningServers.has(server)) return;
  if (server.listenerCount('upgrade') === 0) return;
  listeningServers.add(server);
  // Prepended, so the request is known before the adapter turns the socket into a WebSocket.
  server.prependListener('upgrade', (request) => upgradeRequestsBySocket.set(request.socket, request));
}

/** The upgrade request a `ws` WebSocket was opened with, if the application's server saw it. */
export function upgradeRequestOf(client: object): IncomingMessage | undefined {
  // `_socket` is ws's (undocumented but long-standing) reference to the connection's TCP socket.
  const socket = (client as BareWebSocket)._socket;
  return socket ? upgradeRequestsBySocket.get(socket) : undefined;
}
