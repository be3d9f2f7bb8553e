import request from 'supertest';
import { Controller, Get, HttpCode, HttpException, Injectable, Post, Query, UseGuards } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RequireSessionKeys, Session, SessionGuard, SkipSessionGuard } from '../../../lib/index.js';
import type { SessionModuleOptions } from '../../../lib/index.js';
import { cookiePair, createSessionApp } from '../../support/e2e-app.js';
import { PLATFORMS } from '../../support/platforms.js';

@Controller()
class GuardedController {
  @Post('sign-in')
  @SkipSessionGuard()
  @HttpCode(200)
  async signIn(@Session() session: Session, @Query('cart') withCart?: string) {
    const fresh = await session.regenerate();
    fresh.userId = 'ada';
    if (withCart) fresh.cart = ['tea'];
    return { ok: true };
  }

  @Get('profile')
  @UseGuards(SessionGuard)
  profile(@Session('userId') userId: string) {
    return { userId };
  }

  @Get('checkout')
  @UseGuards(SessionGuard)
  @RequireSessionKeys('cart')
  checkout(@Session('cart') cart: string[]) {
    return { cart };
  }

  @Get('public')
  @SkipSessionGuard()
  open() {
    return { open: true };
  }

  @Get('private')
  hidden() {
    return { hidden: true };
  }
}

describe.each(PLATFORMS)('SessionGuard on $name', (platform) => {
  let app: INestApplication | undefined;

  async function start(options: Partial<SessionModuleOptions> = {}, isGlobal = false) {
    app = await createSessionApp(platform, options, {
      controllers: [GuardedController],
      providers: isGlobal ? [{ provide: APP_GUARD, useClass: SessionGuard }] : [],
    });
    const http = request(app.getHttpServer());
    const signIn = async (query = '') =>
      cookiePair((await http.post(`/sign-in${query}`).expect(200)).headers['set-cookie'])!;
    return { http, signIn };
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('answers 401 without a session cookie and with an anonymous session', async () => {
    const { http } = await start();
    const response = await http.get('/profile').expect(401);
    expect(response.body).toEqual({ statusCode: 401, message: 'A signed-in session is required', error: 'Unauthorized' });
  });

  it('lets a signed-in session through', async () => {
    const { http, signIn } = await start();
    const cookie = await signIn();
    const response = await http.get('/profile').set('Cookie', cookie).expect(200);
    expect(response.body).toEqual({ userId: 'ada' });
  });

  it('requires the keys named by @RequireSessionKeys(): a signed-in session without them gets 403 naming them, not 401', async () => {
    const { http, signIn } = await start();
    const rejected = await http.get('/checkout').set('Cookie', await signIn()).expect(403);
    expect(rejected.body).toEqual({ statusCode: 403, message: 'The session lacks required key(s): cart', error: 'Forbidden' });
    const response = await http.get('/checkout').set('Cookie', await signIn('?cart=1')).expect(200);
    expect(response.body).toEqual({ cart: ['tea'] });
  });

  it('still answers 401 on a @RequireSessionKeys() route to a session that is not signed in', async () => {
    const { http } = await start();
    await http.get('/checkout').expect(401);
  });

  it('lets a subclass answer missing keys its own way (protected missingSessionKeys)', async () => {
    @Injectable()
    class CartGuard extends SessionGuard {
      protected override missingSessionKeys(missingKeys: readonly string[]): Error {
        return new HttpException({ message: 'Start a cart first', missingKeys }, 409);
      }
    }
    @Controller()
    class CartController {
      @Get('cart-checkout')
      @UseGuards(CartGuard)
      @RequireSessionKeys('cart', 'userId')
      checkout() {
        return { ok: true };
      }
    }
    app = await createSessionApp(platform, {}, { controllers: [GuardedController, CartController], providers: [CartGuard] });
    const http = request(app.getHttpServer());
    const cookie = cookiePair((await http.post('/sign-in').expect(200)).headers['set-cookie'])!;

    const response = await http.get('/cart-checkout').set('Cookie', cookie).expect(409);
    expect(response.body).toEqual({ message: 'Start a cart first', missingKeys: ['cart'] });
  });

  it('uses the isAuthenticated option when given', async () => {
    const { http, signIn } = await start({ isAuthenticated: (session) => session.cart !== undefined });
    await http.get('/profile').set('Cookie', await signIn()).expect(401);
    await http.get('/profile').set('Cookie', await signIn('?cart=1')).expect(200);
  });

  it('as a global guard, protects every route but those marked @SkipSessionGuard()', async () => {
    const { http, signIn } = await start({}, true);
    await http.get('/private').expect(401);
    await http.get('/public').expect(200);
    const cookie = await signIn();
    await http.get('/private').set('Cookie', cookie).expect(200);
  });

  it('loads the session itself on routes the middleware was excluded from', async () => {
    const { http, signIn } = await start({ exclude: ['profile'] });
    const cookie = await signIn();
    await http.get('/profile').expect(401);
    const response = await http.get('/profile').set('Cookie', cookie).expect(200);
    expect(response.body).toEqual({ userId: 'ada' });
  });
});
