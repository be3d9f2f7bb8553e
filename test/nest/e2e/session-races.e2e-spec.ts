import request from 'supertest';
import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Session } from '../../../lib/index.js';
import { cookiePair, createSessionApp, SessionTestController, sessionIdOf } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { PLATFORMS } from '../../support/platforms.js';

let releaseSlowRequest: () => void = () => undefined;

@Controller('race')
class RaceController {
  /** Changes the session only after the test releases it (e.g. after a logout). */
  @Get('slow')
  async slowChange(@Session() session: Session) {
    await new Promise<void>((resolve) => {
      releaseSlowRequest = resolve;
    });
    session.views = 999;
    return { changed: true };
  }

  /** Calls the methods without callback and without awaiting, as careless code does. */
  @Post('fire-and-forget')
  @HttpCode(200)
  fireAndForget(@Session() session: Session) {
    void session.save();
    void session.regenerate();
    return { ok: true };
  }

  @Post('destroy-then-save')
  @HttpCode(200)
  async destroyThenSave(@Session() session: Session) {
    await session.destroy();
    session.views = 5;
    await session.save();
    return { ok: true };
  }
}

describe.each(PLATFORMS)('sessions under races and careless calls on $name', (platform) => {
  let app: INestApplication;
  let store: InstrumentedStore;
  let http: ReturnType<typeof request>;

  beforeEach(async () => {
    store = new InstrumentedStore();
    app = await createSessionApp(platform, { store }, { controllers: [SessionTestController, RaceController] });
    http = request(app.getHttpServer());
  });

  afterEach(async () => {
    await app.close();
  });

  it('a slow request finishing after logout does not log the user back in', async () => {
    const cookie = cookiePair((await http.post('/login?user=ada').expect(200)).headers['set-cookie'])!;
    const slow = http.get('/race/slow').set('Cookie', cookie).then((response) => response);
    await waitFor(() => store.callsOf('get').length >= 1);
    await http.post('/logout').set('Cookie', cookie).expect(200);
    releaseSlowRequest();
    await slow;
    expect(await store.inner.get(sessionIdOf(cookie))).toBeUndefined();
    await http.get('/me').set('Cookie', cookie).expect(401);
  });

  it('save() after destroy() in the same request does not re-create the session', async () => {
    const cookie = cookiePair((await http.post('/login?user=ada').expect(200)).headers['set-cookie'])!;
    await http.post('/race/destroy-then-save').set('Cookie', cookie).expect(200);
    expect(await store.inner.get(sessionIdOf(cookie))).toBeUndefined();
    expect(await store.inner.length()).toBe(0);
  });

  it('methods called without callback or await never crash the process when the store fails', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const cookie = cookiePair((await http.get('/views').expect(200)).headers['set-cookie'])!;
      store.failures.set = { always: new Error('store write failed') };
      store.failures.destroy = { always: new Error('store delete failed') };
      await http.post('/race/fire-and-forget').set('Cookie', cookie);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      delete store.failures.set;
      delete store.failures.destroy;
      await http.get('/views').set('Cookie', cookie).expect(200);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (!condition()) throw new Error('condition not reached');
}
