import request from 'supertest';
import { BadRequestException, Body, Controller, Get, Injectable, HttpCode, Post, Query, Redirect, Render, UseGuards, UseInterceptors } from '@nestjs/common';
import type { CallHandler, CanActivate, ExecutionContext, INestApplication, NestInterceptor } from '@nestjs/common';
import { Flash, Session, SessionStore } from '../../lib/index.js';
import type { FlashMessages, SessionModuleOptions } from '../../lib/index.js';
import { cookiePair, createSessionApp, sessionIdOf } from './e2e-app.js';
import { waitUntil } from './redis-server.js';
import { gate } from './rotate-merge-app.js';
import type { Platform } from './platforms.js';

/** Flashes a message before the handler's parameters are resolved (as middleware or a guard may). */
@Injectable()
class FlashBeforeHandlerInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler) {
    const request = context.switchToHttp().getRequest<{ session: Session }>();
    request.session.flash('notice', 'flashed during this request');
    return next.handle();
  }
}

/**
 * Holds a request after its session is loaded and before its `@Flash()` parameters are read
 * (guards run before pipes), until `size` requests of the query's `group` are there.
 */
@Injectable()
class ArrivalGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { group, size } = context.switchToHttp().getRequest<{ query: Record<string, string> }>().query;
    await gate.arrive(group!, Number(size));
    return true;
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

  /** Reads once `size` requests of `group` have loaded the session; answers after `hold` is released. */
  @Get('read-overlapping')
  @UseGuards(ArrivalGuard)
  async readOverlapping(@Flash('notice') notices: unknown[], @Query('hold') hold?: string) {
    if (hold !== undefined) await gate.hold(hold);
    return { notices };
  }

  /** Flashes once `size` requests of `group` have loaded the session and `hold` is released. */
  @Post('flash-overlapping')
  @HttpCode(200)
  async flashOverlapping(@Session() session: Session, @Query('group') group: string, @Query('size') size: string, @Query('hold') hold: string, @Query('value') value: string) {
    await gate.arrive(group, Number(size));
    await gate.hold(hold);
    session.flash('notice', value);
    return { ok: true };
  }

  /** The page that was to show the messages fails. */
  @Get('read-then-fail')
  readThenFail(@Flash('notice') notices: unknown[]) {
    throw new Error(`could not show ${notices.length} notices`);
  }

  /** The page refuses the request (a 4xx): the messages were read and are gone. */
  @Get('read-then-refuse')
  readThenRefuse(@Flash('notice') notices: unknown[]) {
    throw new BadRequestException(`not showing ${notices.length} notices`);
  }

  /** The page of docs/flash-messages.md, in an app without a view engine: rendering fails (a 500). */
  @Get('rendered-items')
  @Render('items')
  renderedList(@Flash('notice') notices: string[]) {
    return { notices };
  }

  /** Flashes a new message and then fails. */
  @Post('flash-then-fail')
  flashThenFail(@Session() session: Session, @Flash() all: FlashMessages) {
    session.flash('notice', 'flashed by the failed request');
    throw new Error(`failed with ${Object.keys(all).length} keys read`);
  }

  @Get('flash-and-read')
  @UseInterceptors(FlashBeforeHandlerInterceptor)
  flashAndRead(@Flash('notice') notices: unknown[]) {
    return { notices };
  }
}

/**
 * The flash behaviour over HTTP, the same on every store. `takesAtomically`: the store removes
 * messages itself (`takeFlashMessages`), so overlapping requests show each message once.
 */
export function describeFlashOverHttp(platform: Platform, moduleOptions: () => Partial<SessionModuleOptions>, { takesAtomically = true } = {}): void {
  let app: INestApplication | undefined;

  async function start() {
    app = await createSessionApp(platform, moduleOptions(), { controllers: [FlashController] });
    return request(app.getHttpServer());
  }

  beforeEach(() => gate.reset());

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
    expect(Object.values((await store.get(sessionId))?.__flash as object)).toEqual([{ key: 'notice', value: 'Saved item' }]);
    await http.get('/items').set('Cookie', cookie).expect(200);
    expect(await store.get(sessionId)).not.toHaveProperty('__flash');
    const stored = (await store.get(sessionId))!;
    await store.set(sessionId, { ...stored, __flash: 'not an object' });
    await http.get('/items').set('Cookie', cookie).expect(200, { notices: [] });
    await store.set(sessionId, { ...stored, __flash: { notice: 'not an array' } });
    await http.get('/all-messages').set('Cookie', cookie).expect(200, {});
  });

  it('reads the messages of sessions stored by 0.1 (a queue per key), oldest first', async () => {
    const http = await start();
    const cookie = cookiePair((await http.post('/items').send({ name: 'new' }).expect(303)).headers['set-cookie'])!;
    const store = app!.get(SessionStore);
    const sessionId = sessionIdOf(cookie);
    const stored = (await store.get(sessionId))!;
    await store.set(sessionId, { ...stored, __flash: { ...(stored.__flash as object), notice: ['old one', 'old two'], error: ['old error'] } });
    await http.get('/items').set('Cookie', cookie).expect(200, { notices: ['old one', 'old two', 'Saved new'] });
    await http.get('/all-messages').set('Cookie', cookie).expect(200, { error: ['old error'] });
    expect(await store.get(sessionId)).not.toHaveProperty('__flash');
  });

  it('keeps the messages a request read when its response is a 5xx (the page was not shown), not after a 4xx', async () => {
    const http = await start();
    const cookie = cookiePair((await http.post('/items').send({ name: 'tea' }).expect(303)).headers['set-cookie'])!;
    await http.get('/read-then-fail').set('Cookie', cookie).expect(500);
    // The @Render page of docs/flash-messages.md in an app without a view engine.
    await http.get('/rendered-items').set('Cookie', cookie).expect(500);
    await http.get('/items').set('Cookie', cookie).expect(200, { notices: ['Saved tea'] });
    await http.post('/items').set('Cookie', cookie).send({ name: 'milk' }).expect(303);
    await http.get('/read-then-refuse').set('Cookie', cookie).expect(400);
    await http.get('/items').set('Cookie', cookie).expect(200, { notices: [] });
  });

  it('a failed request keeps both the messages it read and those it flashed, in flash order', async () => {
    const http = await start();
    const cookie = cookiePair((await http.post('/items').send({ name: 'one' }).expect(303)).headers['set-cookie'])!;
    await http.post('/fail').set('Cookie', cookie).expect(303);
    await http.post('/flash-then-fail').set('Cookie', cookie).expect(500);
    await http
      .get('/all-messages')
      .set('Cookie', cookie)
      .expect(200, { notice: ['Saved one', 'flashed by the failed request'], error: ['Something went wrong', { field: 'name', problem: 'required' }] });
  });

  if (!takesAtomically) return;

  it('two overlapping requests reading one message: exactly one of them shows it', async () => {
    const http = await start();
    const cookie = cookiePair((await http.post('/items').send({ name: 'tea' }).expect(303)).headers['set-cookie'])!;
    // Both have loaded the session (with the message) before either reads it.
    const responses = await Promise.all([
      http.get('/read-overlapping?group=readers&size=2').set('Cookie', cookie),
      http.get('/read-overlapping?group=readers&size=2').set('Cookie', cookie),
    ]);
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect(responses.flatMap((response) => response.body.notices as unknown[])).toEqual(['Saved tea']);
    await http.get('/items').set('Cookie', cookie).expect(200, { notices: [] });
  });

  it.each(['reader', 'flasher'])(
    'a message flashed while another request reads is shown once, by a later request (the %s saves first)',
    async (firstToSave) => {
      const http = await start();
      const cookie = cookiePair((await http.post('/items').send({ name: 'one' }).expect(303)).headers['set-cookie'])!;
      const reader = http.get('/read-overlapping?group=pair&size=2&hold=reader').set('Cookie', cookie).then((response) => response);
      const flasher = http.post('/flash-overlapping?group=pair&size=2&hold=flasher&value=two').set('Cookie', cookie).then((response) => response);
      await waitUntil(() => gate.isHeld('reader') && gate.isHeld('flasher'), 'both requests loaded the session');
      const [first, second] = firstToSave === 'reader' ? [reader, flasher] : [flasher, reader];
      gate.release(firstToSave);
      expect((await first).status).toBe(200);
      gate.release(firstToSave === 'reader' ? 'flasher' : 'reader');
      expect((await second).status).toBe(200);
      expect((await reader).body).toEqual({ notices: ['Saved one'] });
      await http.get('/items').set('Cookie', cookie).expect(200, { notices: ['two'] });
      await http.get('/items').set('Cookie', cookie).expect(200, { notices: [] });
    },
  );
}
