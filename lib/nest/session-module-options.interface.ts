import type { ExecutionContext, MiddlewareConsumer } from '@nestjs/common';
import type { CsrfOptions } from '../core/csrf/csrf-options.js';
import type { SessionWithData } from '../core/http/http-types.js';
import type { SessionOptions } from '../core/options/session-options.js';
import type { MemoryStoreOptions } from '../stores/memory/memory-store.js';

type MiddlewareConfigProxy = ReturnType<MiddlewareConsumer['apply']>;

/** A route for `forRoutes`: a path (Express 5 syntax), a `{ path, method }` or a controller. */
export type SessionRoute = Parameters<MiddlewareConfigProxy['forRoutes']>[number];

/** A route for `exclude`: a path or a `{ path, method }`. */
export type SessionExcludedRoute = Parameters<MiddlewareConfigProxy['exclude']>[number];

/**
 * An Express-style `(req, res, next)` function, as `passport.session()` returns. The
 * parameters are `never` so that handlers typed for Express, connect or Node all fit.
 */
export type SessionFollowerMiddleware = (request: never, response: never, next: never) => unknown;

/** Decides whether a session belongs to a signed-in user; see `SessionModuleOptions.isAuthenticated`. */
export type IsAuthenticated = (session: SessionWithData, context: ExecutionContext) => boolean | Promise<boolean>;

/** Options of `SessionModule.forRoot()` / `forRootAsync()`: the middleware's options plus Nest wiring. */
export interface SessionModuleOptions extends SessionOptions {
  /** Options of the default `MemoryStore`, used when no `store` is given. */
  memoryStore?: MemoryStoreOptions;
  /** Routes the session middleware runs for. Default: every route (`'{*path}'`). */
  forRoutes?: SessionRoute[];
  /** Routes the session middleware skips (`@Session()` and `SessionGuard` still load the session there). */
  exclude?: SessionExcludedRoute[];
  /**
   * Middleware functions that need `req.session` (Passport's `passport.initialize()` and
   * `passport.session()`), run in order right after the session middleware, for the same
   * routes. Middleware added with `app.use()` runs before the module's and sees no session.
   */
  middleware?: SessionFollowerMiddleware[];
  /**
   * Whether a session is signed in, for `SessionGuard`. Default: the session has a `userId`
   * or `user` value, or a Passport user (`session.passport.user`).
   */
  isAuthenticated?: IsAuthenticated;
  /**
   * Close the store (its timers and the connections it created) when the application shuts
   * down. Default `true`; set `false` for a store shared with something that outlives the app.
   */
  closeStoreOnShutdown?: boolean;
  /**
   * CSRF protection bound to the session: `true` (the defaults) or `CsrfOptions`. A global
   * guard then refuses state-changing requests from other sites (Fetch Metadata, Origin, then
   * the session's token). Default `false`: no guard is registered.
   */
  csrf?: boolean | CsrfOptions;
}
