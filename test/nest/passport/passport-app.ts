import 'reflect-metadata';
import { Controller, Get, HttpCode, Injectable, Module, Post, Req, UnauthorizedException, UseGuards } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { PassportModule, PassportSerializer, PassportStrategy } from '@nestjs/passport';
import type { IAuthModuleOptions } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import type { Request } from 'express';
import passport from 'passport';
import { Strategy } from 'passport-local';
import { Session, SessionGuard, SessionModule, SessionStore } from '../../../lib/index.js';
import type { SessionModuleOptions } from '../../../lib/index.js';
import { startApp, TEST_SECRET, withBackingStore } from '../../support/e2e-app.js';
// The guard that logs in is the sample's, exactly as docs/passport.md shows it.
import { LocalAuthGuard } from '../../../sample/auth/local-auth.guard.js';
import type { Platform } from '../../support/platforms.js';

/**
 * The Passport recipe of docs/passport.md, as an application would write it: a passport-local strategy,
 * a serializer that keeps only the user id in the session, a guard that logs in, and
 * Passport's middleware given to SessionModule's `middleware` option.
 */

/** A user as the application knows it; only `id` goes into the session. */
export interface User {
  id: number;
  username: string;
  displayName: string;
}

const USERS = [
  { id: 1, username: 'ada', password: 'lovelace', displayName: 'Ada Lovelace' },
  { id: 2, username: 'grace', password: 'hopper', displayName: 'Grace Hopper' },
];

@Injectable()
export class UsersService {
  /** The user with these credentials, without the password; null otherwise. */
  findByCredentials(username: string, password: string): User | null {
    const match = USERS.find((user) => user.username === username && user.password === password);
    return match ? this.#public(match) : null;
  }

  findById(id: number): User | null {
    const match = USERS.find((user) => user.id === id);
    return match ? this.#public(match) : null;
  }

  #public({ id, username, displayName }: (typeof USERS)[number]): User {
    return { id, username, displayName };
  }
}

@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy) {
  constructor(private readonly users: UsersService) {
    super();
  }

  validate(username: string, password: string): User {
    const user = this.users.findByCredentials(username, password);
    if (!user) throw new UnauthorizedException('Wrong username or password');
    return user;
  }
}

@Injectable()
export class SessionSerializer extends PassportSerializer {
  constructor(private readonly users: UsersService) {
    super();
  }

  serializeUser(user: User, done: (error: Error | null, userId?: number) => void): void {
    done(null, user.id);
  }

  deserializeUser(userId: number, done: (error: Error | null, user?: User | null) => void): void {
    // null (a deleted user) makes Passport drop the login from the session.
    done(null, this.users.findById(userId));
  }
}

@Controller()
export class AuthController {
  @Post('login')
  @UseGuards(LocalAuthGuard)
  @HttpCode(200)
  login(@Req() request: Request) {
    return { user: request.user, sessionId: request.sessionID };
  }

  @Get('profile')
  @UseGuards(SessionGuard)
  profile(@Req() request: Request) {
    return { user: request.user, isAuthenticated: request.isAuthenticated() };
  }

  @Post('logout')
  @HttpCode(200)
  logout(@Req() request: Request) {
    return new Promise((resolve, reject) => {
      request.logout((error) => (error ? reject(error) : resolve({ signedOut: true })));
    });
  }

  /** Something an anonymous visitor writes, so a session exists before login. */
  @Get('visits')
  countVisit(@Session() session: Session) {
    session.views = (session.views ?? 0) + 1;
    return { views: session.views };
  }
}

/** The recipe's AppModule with the given extra SessionModule and PassportModule options. */
export function passportAppModule(options: Partial<SessionModuleOptions> = {}, passportOptions: IAuthModuleOptions = {}) {
  @Module({
    imports: [
      SessionModule.forRoot({
        secret: TEST_SECRET,
        middleware: [passport.initialize(), passport.session()],
        ...withBackingStore(options),
      }),
      PassportModule.register({ session: true, ...passportOptions }),
    ],
    controllers: [AuthController],
    providers: [UsersService, LocalStrategy, SessionSerializer],
  })
  class AppModule {}
  return AppModule;
}

/** The recipe's app, started, with its store for assertions. */
export async function createPassportApp(
  platform: Platform,
  options: Partial<SessionModuleOptions> = {},
  configure?: (app: INestApplication) => void,
  passportOptions: IAuthModuleOptions = {},
): Promise<{ app: INestApplication; store: SessionStore }> {
  const moduleRef = await Test.createTestingModule({ imports: [passportAppModule(options, passportOptions)] }).compile();
  const app = await startApp(platform, moduleRef, configure);
  return { app, store: app.get(SessionStore) };
}
