import { Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { skipSessionTouch } from '../core/lifecycle/request-state.js';
import { SessionResolver } from './session-resolver.service.js';

/**
 * What `@SkipSessionTouch()` applies: marks the request (HTTP route or GraphQL operation) so
 * that its unchanged session is neither touched in the store nor sent as a rolling cookie.
 * The session middleware ran before route metadata was known; this runs before the handler,
 * so the mark is there when the response commits. Never refuses a request.
 */
@Injectable()
export class SkipSessionTouchGuard implements CanActivate {
  constructor(protected readonly sessionResolver: SessionResolver) {}

  canActivate(context: ExecutionContext): boolean {
    const request = this.sessionResolver.coreRequestFor(context);
    if (request) skipSessionTouch(request);
    return true;
  }
}
