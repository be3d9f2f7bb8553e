import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { CsrfToken, Session, SessionGuard } from '../lib/index.js';

declare module '../lib/index.js' {
  interface SessionData {
    userId: string;
    visits: number;
    cart: string[];
  }
}

/** The sample's routes: a visit counter and a cart for anyone, login/logout, and a guarded /me. */
@Controller()
export class AppController {
  @Get('visits')
  countVisit(@Session() session: Session) {
    session.visits = (session.visits ?? 0) + 1;
    return { visits: session.visits };
  }

  /** A CSRF token for scripts and API clients (send it as X-CSRF-Token); the page gets its own in the form. */
  @Get('csrf-token')
  csrfToken(@CsrfToken() csrfToken: string) {
    return { csrfToken };
  }

  @Get('cart')
  showCart(@Session('cart') cart: string[] | undefined) {
    return { cart: cart ?? [] };
  }

  @Post('cart')
  addToCart(@Session() session: Session, @Body('item') item: unknown) {
    if (typeof item === 'string' && item.length > 0) session.cart = [...(session.cart ?? []), item];
    return { cart: session.cart ?? [] };
  }

  /** Signs in as `username` (no password check in the sample). The id is regenerated first. */
  @Post('login')
  @HttpCode(200)
  async login(@Session() session: Session, @Body('username') username: unknown) {
    const userId = typeof username === 'string' && username.length > 0 ? username : 'guest';
    const { cart } = session;
    // A new id at login defeats session fixation; the promise gives the new session.
    const signedIn = await session.regenerate();
    signedIn.userId = userId;
    if (cart) signedIn.cart = cart;
    // The new id came with a new CSRF secret: the page's forms need a token of it.
    return { userId, csrfToken: signedIn.csrfToken() };
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Session() session: Session) {
    await session.destroy();
    return { signedOut: true };
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@Session() session: Session) {
    return { userId: session.userId, visits: session.visits ?? 0, cart: session.cart ?? [] };
  }
}
