import { Injectable, Optional } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { concat, defer, Observable } from 'rxjs';
import { catchError, concatMap, ignoreElements } from 'rxjs/operators';
import { SessionManager } from '../../core/management/session-manager.js';
import { CsrfGuard } from '../csrf.guard.js';
import { missingSessionModuleError } from '../missing-session-module.js';
import { toWsException } from './session-ws.errors.js';
import { runInWsMessage, wsMessageOf } from './session-ws.message.js';

/**
 * Gives WebSocket gateway handlers their session: `@Session()` reads the session the
 * handshake's cookie names (loaded afresh for each message), and after the handler the session
 * is saved, touched or destroyed in the store, before the handler's reply (ack) goes out.
 * Apply it with `@UseInterceptors(SessionWsInterceptor)` on a gateway or handler, or as a
 * global `APP_INTERCEPTOR`; on HTTP it does nothing. With the `csrf` option it also refuses
 * messages of sockets opened from another origin (Nest 12 runs the global CSRF guard for
 * gateways too; Nest 11 does not, and this is then the check).
 */
@Injectable()
export class SessionWsInterceptor implements NestInterceptor {
  private readonly sessionManager: SessionManager;

  constructor(
    @Optional() sessionManager?: SessionManager,
    @Optional() private readonly csrfGuard?: CsrfGuard,
  ) {
    if (!sessionManager) throw missingSessionModuleError('SessionWsInterceptor');
    this.sessionManager = sessionManager;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'ws') return next.handle();
    const csrfCheck = this.csrfGuard?.checkWsMessage(context) ?? true;
    if (csrfCheck === true) return this.#withSession(context, next);
    return defer(() => csrfCheck).pipe(concatMap(() => this.#withSession(context, next)));
  }

  #withSession(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const message = wsMessageOf(context, this.sessionManager);
    let commit: Promise<void> | undefined;
    const commitOnce = () =>
      (commit ??= message.commit().catch(async (error: unknown) => {
        throw await toWsException(error);
      }));

    // The handler (and its pipes) must start inside the scope: Nest binds it when handle() is called.
    const handled = runInWsMessage(message, () => next.handle());
    return concat(
      handled.pipe(
        concatMap(async (reply) => {
          await commitOnce();
          return reply;
        }),
      ),
      // A handler that replies nothing still has its session committed.
      defer(commitOnce).pipe(ignoreElements()),
    ).pipe(
      catchError((error: unknown) =>
        defer(async () => {
          // As on HTTP, where an error response still ends the request: commit, then report the error.
          await commitOnce().catch(() => undefined);
          throw error;
        }),
      ),
    );
  }
}
