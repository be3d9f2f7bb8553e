import { UseGuards, UseInterceptors } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Session, SessionGuard, SessionWsInterceptor } from '../lib/index.js';

/**
 * The sample's socket.io gateway: the same session as the HTTP routes, read from the cookie
 * the handshake carried. The session must exist before the socket connects (no cookie can be
 * set over a socket), and a socket keeps the session it connected with: reconnect after login.
 */
@WebSocketGateway()
@UseInterceptors(SessionWsInterceptor)
export class EventsGateway {
  /** Counts a visit like GET /visits; saved before the reply goes out. */
  @SubscribeMessage('visit')
  countVisit(@Session() session: Session | undefined) {
    if (!session) return { visits: null };
    session.visits = (session.visits ?? 0) + 1;
    return { visits: session.visits };
  }

  @SubscribeMessage('me')
  @UseGuards(SessionGuard)
  me(@Session('userId') userId: string) {
    return { userId };
  }
}
