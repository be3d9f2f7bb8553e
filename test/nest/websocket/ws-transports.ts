import 'reflect-metadata';
import { Catch } from '@nestjs/common';
import type { ArgumentsHost, INestApplication } from '@nestjs/common';
import { BaseWsExceptionFilter } from '@nestjs/websockets';
import type { GatewayMetadata } from '@nestjs/websockets';
import { WsAdapter } from '@nestjs/platform-ws';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import type { Type } from '@nestjs/common';
import type { SessionModuleOptions } from '../../../lib/index.js';
import { createSessionApp, SessionTestController } from '../../support/e2e-app.js';
import { PLATFORMS } from '../../support/platforms.js';
import type { Platform } from '../../support/platforms.js';

/** Nest's WebSocket adapters the gateway suites run on (`describe.each`). */
export type WsTransportName = 'socket.io' | 'ws';
export const WS_TRANSPORTS: WsTransportName[] = ['socket.io', 'ws'];

/** The error a gateway client receives in Nest's `exception` event. */
export interface WsError {
  status: string;
  statusCode?: number;
  message: string;
}

/** A handler's reply, or the `exception` Nest's WS filter sent instead. */
export interface WsOutcome {
  reply?: unknown;
  error?: WsError;
}

/** A connected gateway client, whichever the transport. */
export interface GatewayClient {
  /** Sends `event` with an empty body; resolves with the reply or the exception. */
  send(event: string): Promise<WsOutcome>;
  close(): void;
}

/** The gateways' routes: the main one, a second for a gateway without the interceptor, and a gateway's default. */
export type GatewayRoute = 'main' | 'bare' | 'root';

/** Where each route is with the `ws` adapter, which has no namespaces: a path on the HTTP server. */
const WS_PATHS: Record<GatewayRoute, string> = { main: '/ws', bare: '/ws-bare', root: '/' };

/** How a suite sets up one transport: the app's adapter, the gateways' options, a client. */
export interface WsTransport {
  name: WsTransportName;
  /** Installs the transport's adapter (before app.init()). */
  configure(app: INestApplication): void;
  /** `@WebSocketGateway()` options placing a gateway on `route`. */
  gatewayOptions(route: GatewayRoute): GatewayMetadata;
  /** Exception filters a gateway needs for its errors to reach the client (Nest 11 with `ws`). */
  exceptionFilters: Array<new () => BaseWsExceptionFilter>;
  /**
   * Connects to `route` of the app at `baseUrl`, sending `cookie` (and `origin`, the page's) with
   * the handshake as a browser would, and `headers` as a native client may (`Authorization`).
   */
  connect(baseUrl: string, route: GatewayRoute, cookie?: string, origin?: string, headers?: Record<string, string>): Promise<GatewayClient>;
}

function handshakeHeaders(cookie: string | undefined, origin: string | undefined, headers: Record<string, string> = {}): Record<string, string> {
  return { ...(cookie ? { Cookie: cookie } : {}), ...(origin ? { Origin: origin } : {}), ...headers };
}

const socketIoTransport: WsTransport = {
  name: 'socket.io',
  configure: () => undefined, // Nest's default adapter
  gatewayOptions: (route) => (route === 'bare' ? { namespace: 'bare' } : {}),
  exceptionFilters: [],
  async connect(baseUrl, route, cookie, origin, headers) {
    const socket = io(`${baseUrl}${route === 'bare' ? '/bare' : ''}`, {
      transports: ['websocket'],
      extraHeaders: handshakeHeaders(cookie, origin, headers),
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return {
      // Emits and waits for the ack, or for the `exception` event Nest's WS filter sends instead.
      send: (event) =>
        new Promise((resolve) => {
          const onException = (error: WsError) => resolve({ error });
          socket.once('exception', onException);
          socket.emit(event, {}, (reply: unknown) => {
            socket.off('exception', onException);
            resolve({ reply });
          });
        }),
      close: () => socket.disconnect(),
    };
  },
};

/**
 * Nest 11's `BaseWsExceptionFilter` emits exceptions as local events, which a bare `ws` client
 * never receives (Nest 12 sends them as `{ event: 'exception', data }`). The same, sent.
 */
@Catch()
export class SendingWsExceptionFilter extends BaseWsExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    const client = ws.getClient<WebSocket>();
    const sendingClient = { emit: (event: string, data: unknown) => client.send(JSON.stringify({ event, data })) };
    this.handleError(sendingClient, exception, { pattern: ws.getPattern(), data: ws.getData() });
  }
}

/** Whether Nest's own WS exception filter sends exceptions to bare `ws` clients (Nest 12 on). */
const nestSendsWsExceptions = 'isNativeWebSocket' in BaseWsExceptionFilter.prototype;

const wsTransport: WsTransport = {
  name: 'ws',
  configure: (app) => app.useWebSocketAdapter(new WsAdapter(app)),
  // The `ws` adapter has no namespaces: each gateway gets its own path on the HTTP server.
  gatewayOptions: (route) => ({ path: WS_PATHS[route] }),
  exceptionFilters: nestSendsWsExceptions ? [] : [SendingWsExceptionFilter],
  async connect(baseUrl, route, cookie, origin, headers) {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${WS_PATHS[route]}`, {
      headers: handshakeHeaders(cookie, origin, headers),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return {
      // The `ws` adapter answers with the handler's value as the next message, or an `exception` event.
      send: (event) =>
        new Promise((resolve) => {
          socket.once('message', (data) => {
            const message = JSON.parse(String(data)) as { event?: string; data?: unknown };
            resolve(message.event === 'exception' ? { error: message.data as WsError } : { reply: message });
          });
          socket.send(JSON.stringify({ event, data: {} }));
        }),
      close: () => socket.close(),
    };
  },
};

/** The transport of a name. */
export function wsTransportOf(name: WsTransportName): WsTransport {
  return name === 'ws' ? wsTransport : socketIoTransport;
}

/** Each transport on each HTTP platform: the cases of a gateway suite's `describe.each`. */
export const GATEWAY_CASES = WS_TRANSPORTS.flatMap((transportName) => PLATFORMS.map((platform) => ({ transportName, platform })));

/** A session app with the test controller and `gateways` on `transport`, listening on 127.0.0.1; with its base URL. */
export async function startGatewayApp(
  platform: Platform,
  transport: WsTransport,
  options: Partial<SessionModuleOptions>,
  gateways: Type[],
): Promise<{ app: INestApplication; baseUrl: string }> {
  const app = await createSessionApp(platform, options, { controllers: [SessionTestController], providers: gateways }, (created) => transport.configure(created));
  await app.listen(0, '127.0.0.1');
  return { app, baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}
