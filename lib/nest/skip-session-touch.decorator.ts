import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { SkipSessionTouchGuard } from './skip-session-touch.guard.js';

/** Metadata key of `@SkipSessionTouch()`. */
export const SKIP_SESSION_TOUCH = 'nest-sessions:skipSessionTouch';

/**
 * On a route, resolver or controller that clients poll: the request reads the session without
 * extending it. An unchanged session is not touched in the store and gets no rolling cookie,
 * and the request does not count as activity (`UserSessions`' `lastActiveAt`), so an idle
 * session still expires while a page polls. A handler that changes the session still saves
 * it, and that save extends its life as any save does.
 */
export const SkipSessionTouch = () => applyDecorators(SetMetadata(SKIP_SESSION_TOUCH, true), UseGuards(SkipSessionTouchGuard));
