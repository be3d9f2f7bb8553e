import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { SessionOptionsError } from '../core/errors.js';
import { checkedOption, positiveNumber } from '../core/option-checks.js';
import { FRESH_SESSION_MAX_AGE, FreshSessionGuard } from './fresh-session.guard.js';

/**
 * On a sensitive route, resolver or controller (change the password, delete the account):
 * the session must have recorded a sign-in (`session.markAuthenticated()`) at most `maxAgeMs`
 * ago, however old the session is; else 401 with `reason: 'reauthenticate'` in the body (see
 * `FreshSessionGuard`). On a handler it overrides its controller's.
 */
export function RequireFreshSession(maxAgeMs: number): MethodDecorator & ClassDecorator {
  const checked = checkedOption('@RequireFreshSession(maxAgeMs)', maxAgeMs, positiveNumber('milliseconds'));
  if (checked === undefined) throw new SessionOptionsError('@RequireFreshSession(maxAgeMs)', 'must be a positive number of milliseconds, got undefined');
  return applyDecorators(SetMetadata(FRESH_SESSION_MAX_AGE, checked), UseGuards(FreshSessionGuard));
}
