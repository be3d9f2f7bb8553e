import 'reflect-metadata';
import { Controller, Get, UseGuards, UseInterceptors } from '@nestjs/common';
import type { Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Flash, Session, SessionGuard, SessionWsInterceptor } from '../../../lib/index.js';

/**
 * An app that uses the decorators, guard and interceptor without importing SessionModule fails
 * at start-up with a message saying what to import, not with Nest's DI error naming internals.
 */
@Controller()
class SessionParamController {
  @Get('views')
  views(@Session() session: Session) {
    return { id: session.id };
  }
}

@Controller()
class FlashParamController {
  @Get('notices')
  notices(@Flash('notice') notices: unknown[]) {
    return notices;
  }
}

@Controller()
@UseGuards(SessionGuard)
class GuardedController {
  @Get('me')
  me() {
    return {};
  }
}

@Controller()
@UseInterceptors(SessionWsInterceptor)
class InterceptedController {
  @Get('ping')
  ping() {
    return {};
  }
}

const USES: Array<[string, Type]> = [
  ['@Session()', SessionParamController],
  ['@Flash()', FlashParamController],
  ['SessionGuard', GuardedController],
  ['SessionWsInterceptor', InterceptedController],
];

describe('an app without SessionModule', () => {
  it.each(USES)('fails at start-up saying to import SessionModule.forRoot() when it uses %s', async (what, controller) => {
    const starting = Test.createTestingModule({ controllers: [controller] }).compile();
    const error: Error = await starting.then(
      () => new Error('the app started'),
      (failure: Error) => failure,
    );
    expect(error.message).toContain(`nest-sessions: ${what} needs SessionModule: import SessionModule.forRoot() (or forRootAsync())`);
    expect(error.message).not.toMatch(/SessionResolver|SessionParamPipe|FlashParamPipe|SessionManager/);
  });
});
