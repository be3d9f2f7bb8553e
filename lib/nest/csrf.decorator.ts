import { Injectable, Optional, SetMetadata } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import { maskedCsrfToken } from '../core/csrf/csrf-token.js';
import { missingSessionModuleError } from './missing-session-module.js';
import { SessionLookup, SessionLookupParam, withPlainDesignType } from './session.decorator.js';
import { SessionResolver } from './session-resolver.service.js';

/** Metadata key of `@SkipCsrf()`. */
export const SKIP_CSRF = 'nest-sessions:skipCsrf';

/**
 * Lets a route (or every route of a controller, resolver or gateway) through the CSRF
 * protection: webhooks and other endpoints called by servers, which authenticate otherwise.
 */
export const SkipCsrf = () => SetMetadata(SKIP_CSRF, true);

/** Resolves a `@CsrfToken()` parameter (a pipe, so the session can be loaded where the middleware did not run). */
@Injectable()
export class CsrfTokenPipe implements PipeTransform {
  private readonly sessionResolver: SessionResolver;

  constructor(@Optional() sessionResolver?: SessionResolver) {
    if (!sessionResolver) throw missingSessionModuleError('@CsrfToken()');
    this.sessionResolver = sessionResolver;
  }

  async transform(value: unknown): Promise<unknown> {
    if (!(value instanceof SessionLookup)) return value;
    const session = await this.sessionResolver.sessionFor(value.context);
    return session ? maskedCsrfToken(session) : undefined;
  }
}

/**
 * A CSRF token of the request's session, as `session.csrfToken()` gives it: for a form's
 * hidden `_csrf` field or a JSON reply. Masked afresh each time; valid until the session id
 * changes. Undefined only where there is no session (the store down with
 * `storeUnavailable: 'continue'`, a WebSocket without one).
 */
export function CsrfToken(): ParameterDecorator {
  return withPlainDesignType(CsrfToken, SessionLookupParam(undefined, CsrfTokenPipe));
}
