import { Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { SessionGuard } from '../../lib/index.js';
import { LocalAuthGuard } from './local-auth.guard.js';

/** Passport routes: POST /auth/login {"username":"ada","password":"lovelace"}, GET /auth/profile, POST /auth/logout. */
@Controller('auth')
export class AuthController {
  @Post('login')
  @UseGuards(LocalAuthGuard)
  @HttpCode(200)
  login(@Req() request: Request) {
    return { user: request.user };
  }

  /** SessionGuard accepts a Passport login (`session.passport.user`); `req.user` is the deserialized user. */
  @Get('profile')
  @UseGuards(SessionGuard)
  profile(@Req() request: Request) {
    return { user: request.user };
  }

  @Post('logout')
  @HttpCode(200)
  logout(@Req() request: Request) {
    // Passport removes the user, saves, then regenerates the session.
    return new Promise((resolve, reject) => {
      request.logout((error) => (error ? reject(error) : resolve({ signedOut: true })));
    });
  }
}
