import 'reflect-metadata';
import { UseFilters, UseInterceptors } from '@nestjs/common';
import type { INestApplication, Type } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import request from 'supertest';
import { Session, SessionWsInterceptor, SkipCsrf } from '../../../lib/index.js';
import { createSessionApp, SessionTestController, cookiePair } from '../../support/e2e-app.js';
import { PLATFORMS } from '../../support/platforms.js';
import { recordSessionEvents } from '../../support/session-events.js';
import { WS_TRANSPORTS, wsTransportOf } from './ws-transports.js';
import type { GatewayClient, WsTransport } from './ws-transports.js';

function gatewaysFor(transport: WsTransport): Type[] {
  @WebSocketGateway(transport.gatewayOptions('main'))
  @UseInterceptors(SessionWsInterceptor)
  @UseFilters(...transport.exceptionFilters)
  class CartGateway {
    @SubscribeMessage('views')
    countViews(@Session() session: Session | undefined) {
      if (!session) return { views: null };
      session.views = (session.views ?? 0) + 1;
      return { views: session.views };
    }
  }

  @WebSocketGateway(transport.gatewayOptions('bare'))
  @SkipCsrf()
  @UseFilters(...transport.exceptionFilters)
  class PublicGateway {
    @SubscribeMessage('views')
    hello() {
      return { views: 'public' };
    }
  }
  return [CartGateway, PublicGateway];
}

const CASES = WS_TRANSPORTS.flatMap((transportName) => PLATFORMS.map((platform) => ({ transportName, platform })));

describe.each(CASES)('CSRF protection of WebSocket handshakes ($transportName) on $platform.name', ({ transportName, platform }) => {
  const transport = wsTransportOf(transportName);
  let app: INestApplication;
  let baseUrl: string;
  const clients: GatewayClient[] = [];

  beforeAll(async () => {
    app = await createSessionApp(
      platform,
      { csrf: { trustedOrigins: ['https://app.example.com'] } },
      { controllers: [SessionTestController], providers: gatewaysFor(transport) },
      (app) => transport.configure(app),
    );
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await app.close();
  });

  async function connect(cookie: string, origin?: string, route: 'main' | 'bare' = 'main'): Promise<GatewayClient> {
    const client = await transport.connect(baseUrl, route, cookie, origin);
    clients.push(client);
    return client;
  }

  async function sessionCookie(): Promise<string> {
    const response = await request(baseUrl).get('/views').expect(200);
    return cookiePair(response.headers['set-cookie'])!;
  }

  it('serves a socket opened from the app\'s own origin, a trusted one, or outside a browser', async () => {
    const cookie = await sessionCookie();
    expect((await (await connect(cookie, baseUrl)).send('views')).reply).toMatchObject({ views: 2 });
    expect((await (await connect(cookie, 'https://app.example.com')).send('views')).reply).toMatchObject({ views: 3 });
    expect((await (await connect(cookie)).send('views')).reply).toMatchObject({ views: 4 });
  });

  it('refuses every message of a socket opened from another origin, with a 403 exception and an event', async () => {
    const cookie = await sessionCookie();
    const recorder = recordSessionEvents();
    let outcome;
    try {
      outcome = await (await connect(cookie, 'https://evil.example')).send('views');
    } finally {
      recorder.stop();
    }
    expect(outcome.error).toEqual({ status: 'error', statusCode: 403, message: 'Cross-origin WebSocket connection refused' });
    expect(recorder.events.filter((recorded) => recorded.event === 'csrfRefused').map((recorded) => recorded.payload)).toEqual([
      { reason: 'foreign-origin', method: 'WEBSOCKET' },
    ]);
    // The session was not touched by the refused message.
    const peek = await request(baseUrl).get('/peek').set('cookie', cookie).expect(200);
    expect(peek.body.views).toBe(1);
  });

  it('lets @SkipCsrf() gateways through', async () => {
    const cookie = await sessionCookie();
    expect((await (await connect(cookie, 'https://evil.example', 'bare')).send('views')).reply).toMatchObject({ views: 'public' });
  });
});
