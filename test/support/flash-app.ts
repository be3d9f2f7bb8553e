import request from 'supertest';
import { Body, Controller, Get, Injectable, Post, Redirect, UseInterceptors } from '@nestjs/common';
import type { CallHandler, ExecutionContext, INestApplication, NestInterceptor } from '@nestjs/common';
import { Flash, Session, SessionStore } from '../../lib/index.js';
import type { FlashMessages, SessionModuleOptions } from '../../lib/index.js';
import { cookiePair, createSessionApp, sessionIdOf } from './e2e-app.js';

/** Flashes a message before the handler's parameters are resolved (as middleware or a guard may). */
@Injectable()
class FlashBeforeHandlerInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler) {
    const request = context.switchToHttp().getRequest<{ session: Session }>();
    request.session.flash('notice', 'flashed during this request');
    return next.handle();
  }
}

/** Post/redirect/get, the way applications use flash messages. */
@Controller()
export class FlashController {
  @Post('items')
  @Redirect('/items', 303)
  create(@Session() session: Session, @Body() body: { name?: string }) {
    session.flash('notice', `Saved ${body?.name ?? 'item'}`);
  }

  @Post('fail')
  @Redirect('/items', 303)
  fail(@Session() session: Session) {
    session.flash('error', 'Something went wrong');
    session.flash('error', { field: 'name', problem: 'required' });
  }

  @Get('items')
  list(@Flash('notice') notices: unknown[]) {
    return { notices };
  }

  /** `@Session()` and `@Flash()` on one handler: each parameter gets its own value. */
  @Get('items-of-session')
  listWithSession(@Session() session: Session, @Flash('notice') notices: unknown[], @Session('cookie') cookie: unknown) {
    return { notices, sessionId: session.id, hasCookie: typeof cookie === 'object' && cookie !== null };
  }

  @Get('all-messages')
  all(@Flash() messages: FlashMessages) {
    return messages;
  }

  @Get('flash-and-read')
  @UseInterceptors(FlashBeforeHandlerInterceptor)
  flashAndRead(@Flash('notice') notices: unknown[]) {
    return { notices };
  }
}

/** The flash behaviour over HTTP, the same on every store. */
export function describeFlashOverHttp(moduleOptions: () => Partial<SessionModuleOptions>): void {
  let app: INestApplication | undefined;

  async function start() {
    app = await createSessionApp(moduleOptions(), { controllers: [FlashController] });
    return request(app.getHttpServer());
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('shows a message flashed before a redirect once, on the next page', async () => {
    const http = await start();
    const posted = await http.post('/items').send({ name: 'tea' }).expect(303).expect('Location', '/items');
    const cookie = cookiePair(posted.headers['set-cookie'])!;
    await http.get('/items').set('Cookie', cookie).expect(200, { notices: ['Saved tea'] });
    await http.get('/items').set('Cookie', cookie).expect(200, { notices: [] });
  });

  it('gives @Session() and @Flash() on one handler each their own value', async () => {
    const http = await start();
    const cookie = cookiePair((await http.post('/items').send({ name: 'tea' }).expect(303)).headers['set-cookie'])!;
    const response = await http.get('/items-of-session').set('Cookie', cookie).expect(200);
    expect(response.body).toEqual({ notices: ['Saved tea'], sessionId: sessionIdOf(cookie), hasCookie: true });
  });

  it('queues messages of several requests in order and keeps other keys until read', async () => {
    const http = await start();
    const cookie = cookiePair((await http.post('/items').send({ name: 'one' }).expect(303)).headers['set-cookie'])!;
    await http.post('/items').set('Cookie', cookie).send({ name: 'two' }).expect(303);
    await http.post('/fail').set('Cookie', cookie).expect(303);
    await http.get('/items').set('Cookie', cookie).expect(200, { notices: ['Saved one', 'Saved two'] });
    await http
      .get('/all-messages')
      .set('Cookie', cookie)
      .expect(200, { error: ['Something went wrong', { field: 'name', problem: 'required' }] });
    await http.get('/all-messages').set('Cookie', cookie).expect(200, {});
  });

  it('does not return messages flashed in the current request: they wait for the next one', async () => {
    const http = await start();
    const first = await http.get('/flash-and-read').expect(200, { notices: [] });
    const cookie = cookiePair(first.headers['set-cookie'])!;
    await http.get('/items').set('Cookie', cookie).expect(200, { notices: ['flashed during this request'] });
  });

  it('removes the reserved key once every message is read, and ignores a malformed one', async () => {
    const http = await start();
    const cookie = cookiePair((await http.post('/items').expect(303)).headers['set-cookie'])!;
    const store = app!.get(SessionStore);
    const sessionId = sessionIdOf(cookie);
    expect((await store.get(sessionId))?.__flash).toEqual({ notice: ['Saved item'] });
    await http.get('/items').set('Cookie', cookie).expect(200);
    expect(await store.get(sessionId)).not.toHaveProperty('__flash');
    const stored = (await store.get(sessionId))!;
    await store.set(sessionId, { ...stored, __flash: 'not an object' });
    await http.get('/items').set('Cookie', cookie).expect(200, { notices: [] });
    await store.set(sessionId, { ...stored, __flash: { notice: 'not an array' } });
    await http.get('/all-messages').set('Cookie', cookie).expect(200, {});
  });
}
