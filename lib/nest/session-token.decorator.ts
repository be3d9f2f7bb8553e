import type { PipeTransform } from '@nestjs/common';
import type { SessionWithData } from '../core/http/http-types.js';
import { SessionLookupParam, SessionParamPipe, withPlainDesignType } from './session.decorator.js';

/**
 * After `SessionParamPipe` (which finds or loads the session): its signed token, by the
 * prototype's method, which a stored `token` key hides on the session itself.
 */
const TOKEN_OF_SESSION: PipeTransform = {
  transform: (session: SessionWithData | undefined) => (session === undefined ? undefined : (Object.getPrototypeOf(session) as SessionWithData).token.call(session)),
};

/**
 * The signed token of the request's session, as `session.token()` gives it when the handler
 * starts: what a client of the `header` option sends (`Authorization: Bearer <token>`), e.g.
 * to hand a browser's session over to an app. A handler that changes the id (`regenerate()`
 * at sign-in, `rotate()`) returns `session.token()` of the new session instead. Undefined only
 * where there is no session (the store down with `storeUnavailable: 'continue'`, a WebSocket
 * without one).
 */
export function SessionToken(): ParameterDecorator {
  return withPlainDesignType(SessionToken, SessionLookupParam(undefined, SessionParamPipe, TOKEN_OF_SESSION));
}
