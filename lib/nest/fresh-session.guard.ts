import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isRecentSignIn } from '../core/session/sign-in-time.js';
import { isGraphqlContext, withGraphqlExtensions } from './graphql/graphql-context.js';
import { SessionResolver } from './session-resolver.service.js';
import { toWsException } from './websocket/session-ws.errors.js';

/** Metadata key of `@RequireFreshSession()`: the longest age of the last sign-in, in ms. */
export const FRESH_SESSION_MAX_AGE = 'nest-sessions:freshSessionMaxAge';

/** Why a request was refused, in the 401's body (and a GraphQL error's `extensions.reason`). */
export const REAUTHENTICATE_REASON = 'reauthenticate';

/**
 * What `@RequireFreshSession(maxAgeMs)` applies: lets a request through only when its session
 * recorded a sign-in (`session.markAuthenticated()`) at most `maxAgeMs` ago; else 401 with
 * `{ statusCode: 401, error: 'Unauthorized', message: 'Recent sign-in required', reason:
 * 'reauthenticate' }`, so a client asks for the password again rather than signing out. In a
 * GraphQL resolver the 401 is a GraphQL error with `extensions.code` `UNAUTHENTICATED` and
 * `extensions.reason` `reauthenticate`. Override `staleSession` to answer otherwise.
 */
@Injectable()
export class FreshSessionGuard implements CanActivate {
  constructor(
    protected readonly reflector: Reflector,
    protected readonly sessionResolver: SessionResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const maxAgeMs = this.reflector.getAllAndOverride<number | undefined>(FRESH_SESSION_MAX_AGE, [context.getHandler(), context.getClass()]);
    if (maxAgeMs === undefined) return true;
    const session = await this.sessionResolver.sessionFor(context);
    if (session && isRecentSignIn(session, maxAgeMs)) return true;
    throw await this.#rejection(this.staleSession(context), context);
  }

  /** The error of a session whose last sign-in is too old, or was never recorded. */
  protected staleSession(_context: ExecutionContext): Error {
    return new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', message: 'Recent sign-in required', reason: REAUTHENTICATE_REASON });
  }

  async #rejection(error: Error, context: ExecutionContext): Promise<unknown> {
    if (context.getType() === 'ws') return toWsException(error);
    if (!isGraphqlContext(context)) return error;
    const withExtensions = withGraphqlExtensions(error) as { extensions?: Record<string, unknown> };
    if (withExtensions.extensions) withExtensions.extensions.reason = REAUTHENTICATE_REASON;
    return withExtensions;
  }
}
