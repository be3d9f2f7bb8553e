import 'reflect-metadata';
import { UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { INestApplication, Type } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import request from 'supertest';
import { Session, SessionGuard, SessionWsInterceptor } from '../../../lib/index.js';
import { GATEWAY_CASES, startGatewayApp, wsTransportOf } from './ws-transports.js';
import type { GatewayClient, WsTransport } from './ws-transports.js';

function gatewayFor(transport: WsTransport): Type {
  @WebSocketGateway(transport.gatewayOptions('main'))
  @UseInterceptors(SessionWsInterceptor)
  @UseFilters(...transport.exceptionFilters)
  class HeaderGateway {
    @SubscribeMessage('whoami')
    @UseGuards(SessionGuard)
    whoami(@Session('userId') userId: string) {
      return { userId };
    }

    @SubscribeMessage('views')
    countViews(@Session() session: Session | undefined) {
      if (!session) return { views: null };
      session.views = (session.views ?? 0) + 1;
      return { views: session.views };
    }
  }
  return HeaderGateway;
}

/** A native client's socket carries its token in the handshake's headers, as its HTTP requests do. */
describe.each(GATEWAY_CASES)('the header option in WebSocket gateways ($transportName) on $platform.name', ({ transportName, platform }) => {
  const transport = wsTransportOf(transportName);
  let app: INestApplication;
  let baseUrl: string;
  const clients: GatewayClient[] = [];

  beforeAll(async () => {
    ({ app, baseUrl } = await startGatewayApp(platform, transport, { header: true }, [gatewayFor(transport)]));
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await app.close();
  });

  async function connectWith(authorization: string): Promise<GatewayClient> {
    const client = await transport.connect(baseUrl, 'main', undefined, undefined, { Authorization: authorization });
    clients.push(client);
    return client;
  }

  it('serves the session a valid handshake token names, and saves it after each message', async () => {
    const http = request(app.getHttpServer());
    // A client that announces itself with the scheme alone gets its first token in the response header.
    const fresh = await http.get('/views').set('Authorization', 'Bearer').expect(200);
    const token = fresh.headers['session-token'] as string;
    const socket = await connectWith(`Bearer ${token}`);
    expect(await socket.send('views')).toEqual({ reply: { views: 2 } });
    expect((await http.get('/peek').set('Authorization', `Bearer ${token}`).expect(200)).body).toMatchObject({ views: 2 });
  });

  it('gives no session to a handshake with a forged token, and refuses a guarded message with 401', async () => {
    const socket = await connectWith('Bearer s:forged.token');
    expect(await socket.send('views')).toEqual({ reply: { views: null } });
    expect(await socket.send('whoami')).toEqual({ error: expect.objectContaining({ statusCode: 401 }) });
  });
});
