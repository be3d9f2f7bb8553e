import { Controller, Get, Post } from '@nestjs/common';
import { Flash, Session } from '../../../lib/index.js';
import type { FlashMessages } from '../../../lib/index.js';

/**
 * Every parameter decorator we export, as an app writes them. test/nest/e2e/swc-validation-pipe
 * compiles this file with SWC (as `nest start -b swc` does), whose decorator metadata records
 * `Session` (the decorator function) as the type of `@Session() session: Session`.
 */
@Controller()
export class ParamDecoratorsController {
  @Post('flash')
  flash(@Session() session: Session) {
    session.flash('notice', 'saved');
    return { hasSession: typeof session.id === 'string' };
  }

  @Get('value')
  value(@Session('cookie') cookie: Session['cookie'], @Session() session: Session) {
    return { sameCookie: cookie === session.cookie };
  }

  @Get('notices')
  notices(@Flash('notice') notices: unknown[]) {
    return { notices };
  }

  @Get('all-messages')
  allMessages(@Flash() messages: FlashMessages) {
    return { messages };
  }
}
