import { SetMetadata } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import { maskedCsrfToken } from '../core/csrf/csrf-token.js';
import { SessionLookupParam, SessionParamPipe, withPlainDesignType } from './session.decorator.js';

/** Metadata key of `@SkipCsrf()`. */
export const SKIP_CSRF = 'nest-sessions:skipCsrf';

/**
 * Lets a route (or every route of a controller, resolver or gateway) through the CSRF
 * protection: webhooks and other endpoints called by servers, which authenticate otherwise.
 */
export const SkipCsrf = () => SetMetadata(SKIP_CSRF, true);

/** After `SessionParamPipe` (which finds or loads the session): a token of that session. */
const TOKEN_OF_SESSION: PipeTransform = {
  transform: (session: object | undefined) => (session ? maskedCsrfToken(session) : undefined),
};

/**
 * A CSRF token of the request's session, as `session.csrfToken()` gives it: for a form's
 * hidden `_csrf` field or a JSON reply. Masked afresh each time; valid until the session id
 * changes. Undefined only where there is no session (the store down with
 * `storeUnavailable: 'continue'`, a WebSocket without one).
 */
export function CsrfToken(): ParameterDecorator {
  return withPlainDesignType(CsrfToken, SessionLookupParam(undefined, SessionParamPipe, TOKEN_OF_SESSION));
}
