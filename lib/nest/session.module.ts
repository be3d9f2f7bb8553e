import { Inject, Module, RequestMethod } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import type { MiddlewareConsumer, NestModule, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ResolvedSessionOptions } from '../core/options/resolve-options.js';
import { SessionManager } from '../core/management/session-manager.js';
import { SessionStore } from '../core/store/session-store.js';
import { UserSessions } from '../core/management/user-sessions.js';
import { MemoryStore } from '../stores/memory/memory-store.js';
import { resolveCsrfOptions } from '../core/csrf/csrf-options.js';
import { CsrfGuard, csrfGuardWhenEnabled, RESOLVED_CSRF_OPTIONS } from './csrf.guard.js';
import { FlashParamPipe } from './flash.decorator.js';
import { resolveModuleOptions } from './resolve-module-options.js';
import { SessionParamPipe } from './session.decorator.js';
import { SessionGuard } from './session.guard.js';
import { SessionHttpPlatform } from './session-http-platform.js';
import { SessionMiddleware } from './session.middleware.js';
import { SessionStoreExceptionFilter } from './session-store-exception.filter.js';
import type { SessionModuleOptions } from './session-module-options.interface.js';
import type { OwnHookAttachment } from './platforms/fastify-sessions.js';
import type { SessionResponse } from '../core/http/http-types.js';
import { ConfigurableSessionModule, SESSION_MODULE_OPTIONS } from './session.module-definition.js';
import { assertOneSessionModule } from './session-module-imports.js';
import { SessionResolver } from './session-resolver.service.js';
import { SessionWsInterceptor } from './websocket/session-ws.interceptor.js';
import { rememberUpgradeRequests } from './websocket/session-ws.upgrades.js';
import type { UpgradingServer } from './websocket/session-ws.upgrades.js';
import { withNestLogger } from './store-logger.js';
import { awaitStoreReady } from './store-readiness.js';

/** Injection token of the validated, defaulted middleware options. */
export const RESOLVED_SESSION_OPTIONS = Symbol('nest-sessions:resolvedOptions');

/** By default the middleware runs for every route; Express 5 / path-to-regexp 8 syntax. */
const EVERY_ROUTE = { path: '{*path}', method: RequestMethod.ALL };

/**
 * Server-side sessions for a Nest application: `SessionModule.forRoot({ secret })` or
 * `forRootAsync({ inject, useFactory })`. Installs the session middleware, provides the store
 * under the `SessionStore` token, and exports `SessionGuard` and what `@Session()` needs.
 */
@Module({
  providers: [
    {
      provide: RESOLVED_SESSION_OPTIONS,
      useFactory: resolveModuleOptions,
      inject: [SESSION_MODULE_OPTIONS],
    },
    {
      provide: SessionManager,
      useFactory: (options: SessionModuleOptions, resolved: ResolvedSessionOptions) =>
        new SessionManager(resolved, withNestLogger(resolved.store ?? new MemoryStore(options.memoryStore))),
      inject: [SESSION_MODULE_OPTIONS, RESOLVED_SESSION_OPTIONS],
    },
    {
      // The manager's store, as sessions are reached by id: with `hashIds` and `encryption`, the
      // wrappers that hash the ids and seal the data (hashed(sealed(store))).
      provide: SessionStore,
      useFactory: (manager: SessionManager) => manager.store,
      inject: [SessionManager],
    },
    {
      provide: UserSessions,
      useFactory: (manager: SessionManager) => new UserSessions(manager.store, manager.options),
      inject: [SessionManager],
    },
    {
      provide: RESOLVED_CSRF_OPTIONS,
      // After the session options, whose errors come first; checked in resolveModuleOptions.
      useFactory: (options: SessionModuleOptions, _resolved: ResolvedSessionOptions) => resolveCsrfOptions(options.csrf) ?? null,
      inject: [SESSION_MODULE_OPTIONS, RESOLVED_SESSION_OPTIONS],
    },
    CsrfGuard,
    // Registered only when `csrf` is on: a factory returning null adds no global guard.
    { provide: APP_GUARD, useFactory: csrfGuardWhenEnabled, inject: [RESOLVED_CSRF_OPTIONS, CsrfGuard] },
    SessionMiddleware,
    SessionHttpPlatform,
    SessionResolver,
    SessionParamPipe,
    FlashParamPipe,
    SessionGuard,
    SessionWsInterceptor,
    // Store failures inside handlers (logout, login) answer 503/500 as failed loads do.
    { provide: APP_FILTER, useClass: SessionStoreExceptionFilter },
  ],
  exports: [
    SessionStore,
    SessionManager,
    SessionResolver,
    SessionParamPipe,
    SessionGuard,
    SessionWsInterceptor,
    // SessionWsInterceptor checks gateways' messages with it where Nest runs no global guard for them (Nest 11).
    CsrfGuard,
    UserSessions,
    FlashParamPipe,
    SESSION_MODULE_OPTIONS,
  ],
})
export class SessionModule extends ConfigurableSessionModule implements NestModule, OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: SessionModuleOptions,
    private readonly sessionManager: SessionManager,
    private readonly sessionMiddleware: SessionMiddleware,
    private readonly adapterHost: HttpAdapterHost,
    private readonly httpPlatform: SessionHttpPlatform,
    private readonly modulesContainer: ModulesContainer,
  ) {
    super();
    assertOneSessionModule(modulesContainer, SessionModule);
  }

  configure(consumer: MiddlewareConsumer): void {
    const { forRoutes, exclude = [], middleware = [] } = this.options;
    const httpAdapter = this.adapterHost.httpAdapter;
    const isEveryRoute = forRoutes === undefined && exclude.length === 0;
    // Fails start-up on a platform the module cannot serve; on Fastify, runs the followers itself
    // and, when no module's middleware must run after the session, attaches it in a hook of its own.
    if (httpAdapter) this.httpPlatform.install(httpAdapter, middleware, isEveryRoute ? this.#ownHookUnlessOtherMiddleware() : undefined);
    if (this.httpPlatform.attachesInOwnHook) return;
    const followers = this.httpPlatform.runsFollowersItself ? [] : middleware;
    if (isEveryRoute && httpAdapter) {
      // Every route: one application-level mount, ahead of every module's middleware, which
      // skips the cost of Nest's per-route middleware layer.
      httpAdapter.use((request: never, response: never, next: never) => this.sessionMiddleware.use(request, response, next));
      for (const follower of followers) httpAdapter.use(follower);
      return;
    }
    // One chain, so the followers (Passport) always run after the session, whatever the
    // module order: Nest mounts a root module's middleware before a non-global import's.
    consumer
      .apply(SessionMiddleware, ...followers)
      .exclude(...exclude)
      .forRoutes(...(forRoutes ?? [EVERY_ROUTE]));
  }

  /**
   * The session's own hook (Fastify), unless another module mounts middleware (`configure()`):
   * Nest runs those after the session, where they may read it (Passport's `session()`), and a
   * hook would run after all of @fastify/middie's. Middleware an app adds with `app.use()`
   * runs before the session either way, as on Express.
   */
  #ownHookUnlessOtherMiddleware(): OwnHookAttachment | undefined {
    const hasOtherModuleMiddleware = [...this.modulesContainer.values()].some(
      (module) => module.metatype !== SessionModule && typeof (module.instance as Partial<NestModule> | undefined)?.configure === 'function',
    );
    if (hasOtherModuleMiddleware) return undefined;
    const { cookie, genid, trackClient } = this.options;
    return {
      attach: (request, response, next) => this.sessionMiddleware.use(request, response as SessionResponse, next),
      copiesRequestFields: typeof cookie === 'function' || genid !== undefined || trackClient === true,
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    // Gateways are bound by now: a `ws` adapter (@nestjs/platform-ws) listens for upgrades, whose cookies its sockets need.
    rememberUpgradeRequests(this.adapterHost.httpAdapter?.getHttpServer() as UpgradingServer | undefined);
    await awaitStoreReady(this.sessionManager.store);
  }

  async onApplicationShutdown(): Promise<void> {
    this.sessionManager.dispose();
    if (this.options.closeStoreOnShutdown !== false) await this.sessionManager.store.close?.();
  }
}
