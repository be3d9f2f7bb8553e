import 'reflect-metadata';
import request from 'supertest';
import express from 'express';
import type { Express, Request } from 'express';
import expressSession from 'express-session';
import { Body, Controller, Get, HttpCode, Post, Req, UnauthorizedException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { Session } from '../../lib/index.js';
import { cookiePair, createSessionApp, sessionIdOf, TEST_SECRET } from '../support/e2e-app.js';
import { EXPRESS } from '../support/platforms.js';

declare module 'express-session' {
  interface SessionData {
    userId: string;
    cart: string[];
  }
}

/**
 * A rolling migration: the old express-session app and the new SessionModule app run side by
 * side on the same store, secret and cookie name, so a user moves between them still signed in.
 */

const COOKIE = { maxAge: 60 * 60 * 1000, sameSite: 'lax' as const };

/** The application before the migration: express-session mounted with app.use(). */
function createExpressSessionApp(store: expressSession.Store): Express {
  const app = express();
  app.use(express.json());
  app.use(expressSession({ secret: TEST_SECRET, store, cookie: COOKIE, resave: false, saveUninitialized: false }));
  app.post('/login', (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.userId = String(req.body.username);
      res.json({ userId: req.session.userId });
    });
  });
  app.get('/me', (req, res) => {
    if (!req.session.userId) return void res.status(401).json({ signedIn: false });
    res.json({ userId: req.session.userId, cart: req.session.cart ?? [] });
  });
  app.post('/cart', (req, res) => {
    req.session.cart = [...(req.session.cart ?? []), String(req.body.item)];
    res.json({ cart: req.session.cart });
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.json({ signedOut: true })));
  });
  return app;
}

/** The same routes after the migration, on SessionModule. */
@Controller()
class MigratedController {
  @Post('login')
  @HttpCode(200)
  async login(@Session() session: Session, @Body('username') username: string) {
    const signedIn = await session.regenerate();
    signedIn.userId = String(username);
    return { userId: signedIn.userId };
  }

  @Get('me')
  me(@Session() session: Session) {
    if (!session.userId) throw new UnauthorizedException();
    return { userId: session.userId, cart: session.cart ?? [] };
  }

  @Post('cart')
  @HttpCode(200)
  addToCart(@Session() session: Session, @Body('item') item: string) {
    session.cart = [...(session.cart ?? []), String(item)];
    return { cart: session.cart };
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Session() session: Session) {
    await session.destroy();
    return { signedOut: true };
  }
}

describe('migrating from express-session: both running on one store', () => {
  let store: expressSession.MemoryStore;
  let before: Express;
  let after: INestApplication;

  beforeEach(async () => {
    // A connect-style (callback) store, given as is to both.
    store = new expressSession.MemoryStore();
    before = createExpressSessionApp(store);
    after = await createSessionApp(
      EXPRESS,
      { store, cookie: COOKIE },
      { controllers: [MigratedController] },
    );
  });

  afterEach(async () => {
    await after.close();
  });

  it('keeps a user signed in under express-session signed in under SessionModule, and back', async () => {
    const login = await request(before).post('/login').send({ username: 'ada' }).expect(200);
    const cookie = cookiePair(login.headers['set-cookie'])!;

    const me = await request(after.getHttpServer()).get('/me').set('Cookie', cookie);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ userId: 'ada', cart: [] });

    const cart = await request(after.getHttpServer()).post('/cart').set('Cookie', cookie).send({ item: 'tea' });
    expect(cart.body).toEqual({ cart: ['tea'] });

    const meBefore = await request(before).get('/me').set('Cookie', cookie);
    expect(meBefore.status).toBe(200);
    expect(meBefore.body).toEqual({ userId: 'ada', cart: ['tea'] });
  });

  it('keeps a user signed in under SessionModule signed in under express-session, and back', async () => {
    const login = await request(after.getHttpServer()).post('/login').send({ username: 'grace' }).expect(200);
    const cookie = cookiePair(login.headers['set-cookie'])!;

    const me = await request(before).get('/me').set('Cookie', cookie);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ userId: 'grace', cart: [] });

    await request(before).post('/cart').set('Cookie', cookie).send({ item: 'scones' }).expect(200);

    const meAfter = await request(after.getHttpServer()).get('/me').set('Cookie', cookie);
    expect(meAfter.status).toBe(200);
    expect(meAfter.body).toEqual({ userId: 'grace', cart: ['scones'] });
  });

  it('re-sends the very cookie express-session issued: same id, same signature', async () => {
    const login = await request(before).post('/login').send({ username: 'ada' }).expect(200);
    const cookie = cookiePair(login.headers['set-cookie'])!;

    // A change re-sends the persistent cookie; it names the same session.
    const cart = await request(after.getHttpServer()).post('/cart').set('Cookie', cookie).send({ item: 'tea' });
    const resent = cookiePair(cart.headers['set-cookie']);
    expect(resent).toBe(cookie);
    expect(sessionIdOf(resent!)).toBe(sessionIdOf(cookie));
  });

  it('keeps the stored cookie readable for the other: expiry moves on when either app saves', async () => {
    const login = await request(before).post('/login').send({ username: 'ada' }).expect(200);
    const cookie = cookiePair(login.headers['set-cookie'])!;
    const sessionId = sessionIdOf(cookie);
    const expiryAt = () =>
      new Promise<number>((resolve, reject) =>
        store.get(sessionId, (error, record) => (error ? reject(error) : resolve(Date.parse(String(record!.cookie.expires))))),
      );
    const firstExpiry = await expiryAt();
    await new Promise((resolve) => setTimeout(resolve, 20));

    await request(after.getHttpServer()).post('/cart').set('Cookie', cookie).send({ item: 'tea' }).expect(200);

    expect(await expiryAt()).toBeGreaterThan(firstExpiry);
    await request(before).get('/me').set('Cookie', cookie).expect(200);
  });

  it('signs a user out of both when either one logs out', async () => {
    const login = await request(before).post('/login').send({ username: 'ada' }).expect(200);
    const cookie = cookiePair(login.headers['set-cookie'])!;

    await request(after.getHttpServer()).post('/logout').set('Cookie', cookie).expect(200);

    await request(before).get('/me').set('Cookie', cookie).expect(401);
    await request(after.getHttpServer()).get('/me').set('Cookie', cookie).expect(401);

    const secondLogin = await request(after.getHttpServer()).post('/login').send({ username: 'ada' }).expect(200);
    const secondCookie = cookiePair(secondLogin.headers['set-cookie'])!;
    await request(before).post('/logout').set('Cookie', secondCookie).expect(200);
    await request(after.getHttpServer()).get('/me').set('Cookie', secondCookie).expect(401);
  });

  it('regenerates on login under either app, leaving no session behind under the old id', async () => {
    const visit = await request(before).post('/cart').send({ item: 'tea' }).expect(200);
    const anonymousCookie = cookiePair(visit.headers['set-cookie'])!;

    const login = await request(after.getHttpServer()).post('/login').set('Cookie', anonymousCookie).send({ username: 'ada' });
    const cookie = cookiePair(login.headers['set-cookie'])!;

    expect(sessionIdOf(cookie)).not.toBe(sessionIdOf(anonymousCookie));
    await request(before).get('/me').set('Cookie', anonymousCookie).expect(401);
    await request(before).get('/me').set('Cookie', cookie).expect(200);
  });
});

/** A Nest app before the migration, as the Nest docs (and nestjs-session) set it up: express-session in app.use(). */
@Controller()
class NestOnExpressSessionController {
  @Post('login')
  @HttpCode(200)
  login(@Req() request: Request, @Body('username') username: string) {
    return new Promise((resolve, reject) =>
      request.session.regenerate((error) => {
        if (error) return reject(error);
        request.session.userId = String(username);
        resolve({ userId: request.session.userId });
      }),
    );
  }

  @Get('me')
  me(@Req() request: Request) {
    if (!request.session.userId) throw new UnauthorizedException();
    return { userId: request.session.userId, cart: request.session.cart ?? [] };
  }
}

describe('migrating a Nest app from app.use(expressSession(...)) to SessionModule', () => {
  it("keeps the old deployment's users signed in on the new one, and back", async () => {
    const store = new expressSession.MemoryStore();
    const oldModule = await Test.createTestingModule({ controllers: [NestOnExpressSessionController] }).compile();
    const oldApp = oldModule.createNestApplication({ logger: false });
    oldApp.use(expressSession({ secret: TEST_SECRET, store, resave: false, saveUninitialized: false }));
    await oldApp.init();
    const newApp = await createSessionApp(
      EXPRESS,
      { store },
      { controllers: [MigratedController] },
    );
    try {
      const login = await request(oldApp.getHttpServer()).post('/login').send({ username: 'ada' }).expect(200);
      const cookie = cookiePair(login.headers['set-cookie'])!;

      const me = await request(newApp.getHttpServer()).get('/me').set('Cookie', cookie);
      expect(me.body).toEqual({ userId: 'ada', cart: [] });
      await request(newApp.getHttpServer()).post('/cart').set('Cookie', cookie).send({ item: 'tea' }).expect(200);

      const meOnOld = await request(oldApp.getHttpServer()).get('/me').set('Cookie', cookie);
      expect(meOnOld.body).toEqual({ userId: 'ada', cart: ['tea'] });
    } finally {
      await oldApp.close();
      await newApp.close();
    }
  });
});
