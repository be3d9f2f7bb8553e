import 'reflect-metadata';
import { UseFilters, UseInterceptors } from '@nestjs/common';
import type { INestApplication, Type } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import request from 'supertest';
import { Session, SessionWsInterceptor, SkipCsrf } from '../../../lib/index.js';
import { cookiePair } from '../../support/e2e-app.js';
import { recordSessionEvents } from '../../support/session-events.js';
import { GATEWAY_CASES, startGatewayApp, wsTransportOf } from './ws-transports.js';
import type { GatewayClient, WsTransport } from './ws-transports.js';

/** Messages a gateway handler ran for: a refused message never reaches it. */
let handledMessages = 0;

function gatewaysFor(transport: WsTransport): Type[] {
  @WebSocketGateway(transport.gatewayOptions('main'))
  @UseInterceptors(SessionWsInterceptor)
  @UseFilters(...transport.exceptionFilters)
  class AccountGateway {
    @SubscribeMessage('whoami')
    whoami(@Session('userId') userId: string | undefined) {
      handledMessages += 1;
      return { userId: userId ?? null };
    }
  }

  @WebSocketGateway(transport.gatewayOptions('bare'))
  @SkipCsrf()
  @UseFilters(...transport.exceptionFilters)
  class PublicGateway {
    @SubscribeMessage('whoami')
    anyone() {
      handledMessages += 1;
      return { userId: 'public' };
    }
  }
  return [AccountGateway, PublicGateway];
}

describe.each(GATEWAY_CASES)('CSRF protection of WebSocket handshakes ($transportName) on $platform.name', ({ transportName, platform }) => {
  const transport = wsTransportOf(transportName);
  let app: INestApplication;
  let baseUrl: string;
  const clients: GatewayClient[] = [];

  beforeAll(async () => {
    ({ app, baseUrl } = await startGatewayApp(platform, transport, { csrf: { trustedOrigins: ['https://app.example.com'] } }, gatewaysFor(transport)));
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
    const response = await request(baseUrl).post('/login?user=ada').set('sec-fetch-site', 'same-origin').expect(200);
    return cookiePair(response.headers['set-cookie'])!;
  }

  it("serves a socket opened from the app's own origin, a trusted one, or outside a browser", async () => {
    const cookie = await sessionCookie();
    for (const origin of [baseUrl, 'https://app.example.com', undefined]) {
      expect((await (await connect(cookie, origin)).send('whoami')).reply).toMatchObject({ userId: 'ada' });
    }
  });

  it('refuses every message of a socket opened from another origin, with a 403 exception and an event', async () => {
    const cookie = await sessionCookie();
    const client = await connect(cookie, 'https://evil.example');
    const recorder = recordSessionEvents();
    const handledBefore = handledMessages;
    const outcomes = [];
    try {
      outcomes.push(await client.send('whoami'), await client.send('whoami'));
    } finally {
      recorder.stop();
    }
    for (const outcome of outcomes) {
      expect(outcome.error).toEqual({ status: 'error', statusCode: 403, message: 'Cross-origin WebSocket connection refused' });
    }
    expect(handledMessages).toBe(handledBefore);
    const refusals = recorder.events.filter((recorded) => recorded.event === 'csrfRefused').map((recorded) => recorded.payload);
    expect(refusals).toEqual([
      { reason: 'foreign-origin', method: 'WEBSOCKET' },
      { reason: 'foreign-origin', method: 'WEBSOCKET' },
    ]);
  });

  it('lets @SkipCsrf() gateways through', async () => {
    const cookie = await sessionCookie();
    expect((await (await connect(cookie, 'https://evil.example', 'bare')).send('whoami')).reply).toMatchObject({ userId: 'public' });
  });
});
