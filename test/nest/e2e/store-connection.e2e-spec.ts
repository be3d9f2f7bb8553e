import request from 'supertest';
import { Controller, Get, Req } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Session, SessionStoreUnavailableError } from '../../../lib/index.js';
import type { RequestWithSession, SessionModuleOptions } from '../../../lib/index.js';
import { cookiePair, createSessionApp, SessionTestController } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { PLATFORMS } from '../../support/platforms.js';

@Controller('connection')
class ConnectionController {
  @Get('health')
  health(@Req() request: RequestWithSession) {
    return { ok: true, hasSession: request.session != null };
  }

  @Get('optional')
  optional(@Session() session: Session | undefined) {
    return { hasSession: session !== undefined };
  }
}

/** What requests get while the store reports itself disconnected or fails to answer. */
describe.each(PLATFORMS)('store connection state on $name', (platform) => {
  let app: INestApplication;
  let store: InstrumentedStore;
  let http: ReturnType<typeof request>;

  async function start(options: Partial<SessionModuleOptions> = {}, isConnectedAtStart = true) {
    store = new InstrumentedStore();
    store.isConnectedAtStart = isConnectedAtStart;
    app = await createSessionApp(platform, { store, ...options }, { controllers: [SessionTestController, ConnectionController] });
    http = request(app.getHttpServer());
  }

  afterEach(async () => {
    await app.close();
  });

  it("after 'disconnect' requests pass without req.session (as express-session), and 'connect' brings sessions back", async () => {
    await start();
    const cookie = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
    store.emit('disconnect');
    const during = await http.get('/connection/health').set('Cookie', cookie).expect(200);
    expect(during.body).toEqual({ ok: true, hasSession: false });
    expect(store.callsOf('get')).toEqual([]);
    store.emit('connect');
    const after = await http.get('/views').set('Cookie', cookie).expect(200);
    expect(after.body.views).toBe(2);
  });

  it('routes that need the session answer 503 while the store is disconnected', async () => {
    await start();
    store.emit('disconnect');
    const response = await http.get('/views').expect(503);
    expect(response.body.message).toBe('Session store unavailable, try again later');
    expect(response.headers['retry-after']).toBe('5');
    const guarded = await http.get('/me').expect(503);
    expect(guarded.headers['retry-after']).toBe('5');
  });

  it('a store that is already down when the app starts is treated as disconnected until it connects', async () => {
    await start({}, false);
    await http.get('/views').expect(503);
    expect((await http.get('/connection/health').expect(200)).body).toEqual({ ok: true, hasSession: false });
    expect(store.callsOf('get')).toEqual([]);
    store.emit('connect');
    await http.get('/views').expect(200);
  });

  it("storeUnavailable: 'continue' lets requests go on without a session when the store fails", async () => {
    await start({ storeUnavailable: 'continue' });
    const cookie = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
    store.failures.get = new SessionStoreUnavailableError('connection refused');
    const response = await http.get('/connection/optional').set('Cookie', cookie).expect(200);
    expect(response.body).toEqual({ hasSession: false });
    store.emit('disconnect');
    await http.get('/me').expect(401);
  });
});
