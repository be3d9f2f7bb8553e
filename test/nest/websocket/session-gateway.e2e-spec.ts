import 'reflect-metadata';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { INestApplication, LoggerService, Type } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import request from 'supertest';
import { RequireSessionKeys, Session, SessionGuard, SessionModule, SessionStoreUnavailableError, SessionWsInterceptor } from '../../../lib/index.js';
import {
  createSessionApp,
  SessionTestController,
  TEST_SECRET,
  cookiePair,
  sessionIdOf,
} from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { freePort } from '../../support/redis-server.js';
import { GATEWAY_CASES, startGatewayApp, wsTransportOf } from './ws-transports.js';
import type { GatewayClient, GatewayRoute, WsTransport } from './ws-transports.js';
import { PLATFORMS } from '../../support/platforms.js';

/** The suite's two gateways, placed for the transport (socket.io namespaces, `ws` paths). */
function gatewaysFor(transport: WsTransport): Type[] {
  /** Handlers that read and change the session of the HTTP session the socket's handshake carried. */
  @WebSocketGateway(transport.gatewayOptions('main'))
  @UseInterceptors(SessionWsInterceptor)
  @UseFilters(...transport.exceptionFilters)
  class SessionGateway {
    @SubscribeMessage('views')
    countViews(@Session() session: Session | undefined) {
      if (!session) return { views: null };
      session.views = (session.views ?? 0) + 1;
      return { views: session.views, sessionId: session.id };
    }

    @SubscribeMessage('peek')
    peek(@Session('views') views: number | undefined) {
      return { views: views ?? null };
    }

    @SubscribeMessage('whoami')
    @UseGuards(SessionGuard)
    whoami(@Session('userId') userId: string) {
      return { userId };
    }

    @SubscribeMessage('cart')
    @UseGuards(SessionGuard)
    @RequireSessionKeys('cart')
    cart(@Session('cart') cart: string[]) {
      return { cart };
    }

    @SubscribeMessage('logout')
    async logout(@Session() session: Session | undefined) {
      await session?.destroy();
      return { signedOut: session !== undefined };
    }

    @SubscribeMessage('fail')
    fail(@Session() session: Session | undefined) {
      session!.views = 99;
      throw new Error('handler failed');
    }
  }

  /** A gateway that forgot the interceptor: @Session() must say what to add, the guard still works. */
  @WebSocketGateway(transport.gatewayOptions('bare'))
  @UseFilters(...transport.exceptionFilters)
  class GatewayWithoutInterceptor {
    @SubscribeMessage('views')
    countViews(@Session() session: Session | undefined) {
      return { views: session?.views ?? null };
    }

    @SubscribeMessage('whoami')
    @UseGuards(SessionGuard)
    whoami() {
      return { isSignedIn: true };
    }
  }

  return [SessionGateway, GatewayWithoutInterceptor];
}

describe.each(GATEWAY_CASES)('@Session() and SessionGuard in WebSocket gateways ($transportName) on $platform.name', ({ transportName, platform }) => {
  const transport = wsTransportOf(transportName);
  let app: INestApplication;
  let store: InstrumentedStore;
  let baseUrl: string;
  const clients: GatewayClient[] = [];

  beforeAll(async () => {
    store = new InstrumentedStore();
    ({ app, baseUrl } = await startGatewayApp(platform, transport, { store }, gatewaysFor(transport)));
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    for (const method of ['get', 'set', 'destroy', 'touch'] as const) delete store.failures[method];
  });

  afterAll(async () => {
    await app.close();
  });

  /** A connected client sending `cookie` with its handshake, as a browser would. */
  async function connect(cookie?: string, route: GatewayRoute = 'main'): Promise<GatewayClient> {
    const client = await transport.connect(baseUrl, route, cookie);
    clients.push(client);
    return client;
  }

  /** Sends `event` and waits for the reply, or for the `exception` event Nest's WS filter sends instead. */
  function send(client: GatewayClient, event: string) {
    return client.send(event);
  }

  async function signIn(user = 'alice'): Promise<string> {
    const response = await request(app.getHttpServer()).post(`/login?user=${user}`).expect(200);
    return cookiePair(response.headers['set-cookie'])!;
  }

  it('reads and changes the HTTP session, saving it to the store after each message', async () => {
    const cookie = await signIn();
    const socket = await connect(cookie);

    expect(await send(socket, 'whoami')).toEqual({ reply: { userId: 'alice' } });
    expect(await send(socket, 'views')).toEqual({ reply: { views: 1, sessionId: sessionIdOf(cookie) } });
    expect(await send(socket, 'views')).toEqual({ reply: { views: 2, sessionId: sessionIdOf(cookie) } });

    // Saved before the ack: HTTP sees it at once, and each message loads what HTTP saved.
    const http = request(app.getHttpServer());
    expect((await http.get('/peek').set('Cookie', cookie).expect(200)).body).toMatchObject({ views: 2, userId: 'alice' });
    await http.get('/views').set('Cookie', cookie).expect(200);
    expect(await send(socket, 'peek')).toEqual({ reply: { views: 3 } });
  });

  it('writes to the store only when a message changed the session', async () => {
    const cookie = await signIn();
    const socket = await connect(cookie);
    const sessionId = sessionIdOf(cookie);
    const writesBefore = store.callsOf('set').length;

    await send(socket, 'peek');
    const readsBefore = store.callsOf('get').length;
    await send(socket, 'whoami');
    // The guard and @Session() of one message share a single load.
    expect(store.callsOf('get').length).toBe(readsBefore + 1);
    expect(store.callsOf('set').length).toBe(writesBefore);
    await send(socket, 'views');
    expect(store.callsOf('set').slice(writesBefore)).toEqual([sessionId]);
  });

  it('gives no session to a socket without a session cookie, and creates none in the store', async () => {
    const socket = await connect();
    const storeCallsBefore = store.calls.length;

    expect(await send(socket, 'views')).toEqual({ reply: { views: null } });
    expect(await send(socket, 'whoami')).toEqual({
      error: { status: 'error', statusCode: 401, message: 'A signed-in session is required' },
    });
    expect(store.calls.slice(storeCallsBefore)).toEqual([]);
  });

  it('treats a cookie naming a session the store no longer has like no cookie', async () => {
    const cookie = await signIn();
    await request(app.getHttpServer()).post('/logout').set('Cookie', cookie).expect(200);
    const socket = await connect(cookie);
    const writesBefore = store.callsOf('set').length;

    expect(await send(socket, 'views')).toEqual({ reply: { views: null } });
    expect((await send(socket, 'whoami')).error).toMatchObject({ statusCode: 401 });
    expect(store.callsOf('set').length).toBe(writesBefore);
  });

  it('rejects a signed-in session missing a key @RequireSessionKeys() names with 403, naming the key', async () => {
    const socket = await connect(await signIn());
    expect((await send(socket, 'cart')).error).toEqual({
      status: 'error',
      statusCode: 403,
      message: 'The session lacks required key(s): cart',
    });
  });

  it('destroys the session from a message: the next HTTP request and message are signed out', async () => {
    const cookie = await signIn();
    const socket = await connect(cookie);

    expect(await send(socket, 'logout')).toEqual({ reply: { signedOut: true } });
    expect(await store.get(sessionIdOf(cookie))).toBeUndefined();
    expect((await send(socket, 'whoami')).error).toMatchObject({ statusCode: 401 });
    const peek = await request(app.getHttpServer()).get('/peek').set('Cookie', cookie).expect(200);
    expect(peek.body).toMatchObject({ userId: null });
  });

  it('still saves the session when the handler throws, as an HTTP error response would', async () => {
    const cookie = await signIn();
    const socket = await connect(cookie);

    expect((await send(socket, 'fail')).error).toMatchObject({ status: 'error', message: 'Internal server error' });
    expect(await store.get(sessionIdOf(cookie))).toMatchObject({ views: 99 });
  });

  it('answers 503 in the exception event when the store is unavailable', async () => {
    const socket = await connect(await signIn());
    store.failures.get = { always: new SessionStoreUnavailableError('connection refused') };

    expect(await send(socket, 'views')).toEqual({
      error: { status: 'error', statusCode: 503, message: 'Session store unavailable, try again later' },
    });
    expect((await send(socket, 'whoami')).error).toMatchObject({ statusCode: 503 });
  });

  it('answers 500 when saving after the message fails', async () => {
    const socket = await connect(await signIn());
    store.failures.set = new Error('disk full');

    expect(await send(socket, 'views')).toEqual({
      error: { status: 'error', statusCode: 500, message: 'Session store error' },
    });
  });

  it('without SessionWsInterceptor: @Session() fails loudly, SessionGuard still checks', async () => {
    const cookie = await signIn();
    const socket = await connect(cookie, 'bare');

    expect((await send(socket, 'views')).error).toMatchObject({ status: 'error', message: 'Internal server error' });
    expect(await send(socket, 'whoami')).toEqual({ reply: { isSignedIn: true } });
    const anonymous = await connect(undefined, 'bare');
    expect((await send(anonymous, 'whoami')).error).toMatchObject({ statusCode: 401 });
  });
});

/** Collects what Nest logs as errors (the WS exception filter logs unknown errors there). */
class CollectingNestLogger implements LoggerService {
  readonly errors: string[] = [];
  log(): void {}
  warn(): void {}
  error(message: unknown): void {
    this.errors.push(message instanceof Error ? message.message : String(message));
  }
}

/** Sends an HTTP request asking to upgrade to a WebSocket; resolves with the plain HTTP status it gets. */
function requestUpgrade(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const upgradeRequest = httpRequest({ host: '127.0.0.1', port, path, headers: { Connection: 'Upgrade', Upgrade: 'websocket' } });
    upgradeRequest.once('response', (response) => {
      response.resume();
      resolve(response.statusCode!);
    });
    upgradeRequest.once('upgrade', () => reject(new Error('unexpectedly upgraded')));
    upgradeRequest.once('error', reject);
    upgradeRequest.end();
  });
}

describe.each(PLATFORMS)('WebSocket sessions with @nestjs/platform-ws: setups that cannot read the cookie, on $name', (platform) => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("fails a message on a gateway with its own port (the app's server never sees the upgrade), logging what to change", async () => {
    const gatewayPort = await freePort();
    @WebSocketGateway(gatewayPort)
    @UseInterceptors(SessionWsInterceptor)
    @UseFilters(...wsTransportOf('ws').exceptionFilters)
    class OwnPortGateway {
      @SubscribeMessage('views')
      countViews(@Session('views') views: number | undefined) {
        return { views: views ?? null };
      }
    }
    const logger = new CollectingNestLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ secret: TEST_SECRET })],
      controllers: [SessionTestController],
      providers: [OwnPortGateway],
    }).compile();
    app = moduleRef.createNestApplication(platform.createAdapter(), { logger });
    app.useWebSocketAdapter(new WsAdapter(app));
    await app.listen(0, '127.0.0.1');
    const signIn = await request(app.getHttpServer()).post('/login').expect(200);
    const client = await wsTransportOf('ws').connect(`http://127.0.0.1:${gatewayPort}`, 'root', cookiePair(signIn.headers['set-cookie']));

    try {
      expect((await client.send('views')).error).toMatchObject({ status: 'error', message: 'Internal server error' });
    } finally {
      client.close();
    }
    expect(logger.errors).toEqual([expect.stringMatching(/upgrade request.*@WebSocketGateway\(\) without a port.*useWebSocketAdapter/)]);
  });

  it('leaves upgrade requests to an app without WebSocket gateways answered as plain requests', async () => {
    app = await createSessionApp(platform, {});
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;

    expect(await requestUpgrade(port, '/nothing')).toBe(200);
  });
});
