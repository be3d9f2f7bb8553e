import { Injectable } from '@nestjs/common';
import type { SessionRequest, SessionResponse } from '../core/http/http-types.js';
import type { CommitErrorHandler } from '../core/lifecycle/response-hooks.js';
import { expressObjectsNeedSharing, shareExpressObjectShapesFromStart } from '../core/http/express/shared-object-shapes.js';
import { FastifySessions } from './platforms/fastify-sessions.js';
import type { FastifyInstanceLike, OwnHookAttachment } from './platforms/fastify-sessions.js';
import { PassportHint } from './passport-hint.js';
import type { SessionFollowerMiddleware } from './session-module-options.interface.js';

/** The HTTP platforms the module serves, by `httpAdapter.getType()`. */
export type SessionPlatformName = 'express' | 'fastify';

const SUPPORTED_PLATFORMS: readonly string[] = ['express', 'fastify'];

/** What SessionModule needs of Nest's HTTP adapter. */
interface HttpAdapterLike {
  getType(): string;
  getInstance(): unknown;
  use(...handlers: unknown[]): unknown;
}

/** An Express error handler: the fourth parameter is what makes Express pass it errors. */
type ExpressErrorObserver = (error: unknown, request: unknown, response: unknown, next: (error: unknown) => void) => void;

/**
 * The one place that knows which HTTP platform the application runs on. Express hands the
 * core its own request and response; Fastify goes through FastifySessions (its raw request,
 * and a response committed in the `onSend` hook).
 */
@Injectable()
export class SessionHttpPlatform {
  #fastifySessions: FastifySessions | undefined;
  #attachesInOwnHook = false;
  readonly #passportHint = new PassportHint();

  /**
   * Installs what the platform needs at start-up; throws for a platform the module cannot
   * serve, so it never starts without sessions. Returns the platform's name. `ownHook`: on
   * Fastify, the session is attached in a hook of its own (`attachesInOwnHook`); Express
   * ignores it (its middleware is no detour).
   */
  install(httpAdapter: HttpAdapterLike, followers: readonly SessionFollowerMiddleware[], ownHook?: OwnHookAttachment): SessionPlatformName {
    const platform = httpAdapter.getType();
    if (!SUPPORTED_PLATFORMS.includes(platform)) {
      throw new Error(
        `nest-sessions: SessionModule cannot serve the "${platform}" HTTP platform: it runs on Nest's express and fastify adapters ` +
          '(@nestjs/platform-express, @nestjs/platform-fastify)',
      );
    }
    const noteRequestError = (error: unknown, request: unknown) => this.#passportHint.noteRequestError(error, request);
    if (platform === 'fastify' && !this.#fastifySessions) {
      this.#fastifySessions = new FastifySessions();
      this.#fastifySessions.install(httpAdapter.getInstance() as FastifyInstanceLike, followers, noteRequestError, ownHook);
      this.#attachesInOwnHook = ownHook !== undefined;
    } else if (platform === 'express') {
      // Every request in one hidden class from the moment Express's router takes it, before
      // Nest's body parsers and every middleware (shared-object-shapes.ts says why).
      if (expressObjectsNeedSharing()) shareExpressObjectShapesFromStart(httpAdapter.getInstance());
      // After app.use() middleware (Passport's, from main.ts): sees the errors they pass on, and passes them along.
      const observeError: ExpressErrorObserver = (error, request, _response, next) => {
        noteRequestError(error, request);
        next(error);
      };
      httpAdapter.use(observeError);
    }
    return platform as SessionPlatformName;
  }

  /** Whether the session is attached in a platform hook of its own, so no middleware is mounted for it. */
  get attachesInOwnHook(): boolean {
    return this.#attachesInOwnHook;
  }

  /** Whether the `middleware` followers run in the platform's own hook rather than after the session middleware. */
  get runsFollowersItself(): boolean {
    return this.#fastifySessions !== undefined;
  }

  /** A request and response as Nest hands them to guards and pipes, as the core handles them. */
  toCoreHttp(request: SessionRequest, response?: SessionResponse): { request: SessionRequest; response?: SessionResponse } {
    return this.#fastifySessions ? this.#fastifySessions.toCoreHttp(request, response) : { request, response };
  }

  /**
   * The response a middleware attaches the session with, and where a failed commit goes:
   * on Express, the middleware's own handler; on Fastify, the onSend hook.
   */
  middlewareResponse(
    request: SessionRequest,
    response: SessionResponse,
    onCommitError: CommitErrorHandler,
  ): { response: SessionResponse; onCommitError: CommitErrorHandler } {
    if (!this.#fastifySessions) return { response, onCommitError };
    const sessionResponse = this.#fastifySessions.responseFor(request);
    return { response: sessionResponse, onCommitError: sessionResponse.failCommit };
  }
}
