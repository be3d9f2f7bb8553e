import type { SessionRequest, SessionResponse } from '../../core/http/http-types.js';
import { attachOutcomeOf } from '../../core/management/session-manager.js';
import { FASTIFY_PASSPORT_ADVICE } from '../passport-hint.js';
import type { SessionFollowerMiddleware } from '../session-module-options.interface.js';
import { FastifySessionResponse } from './fastify-session-response.js';
import type { CommitListener, FastifyReplyLike } from './fastify-session-response.js';

/** The parts of a FastifyRequest this adapter uses. */
interface FastifyRequestLike {
  raw: SessionRequest;
  /** `'https'` or `'http'`, with Fastify's `trustProxy` applied. */
  readonly protocol: string;
}

type HookDone = (error?: Error) => void;

/** The parts of a Fastify instance this adapter uses. */
export interface FastifyInstanceLike {
  hasRequestDecorator(name: string): boolean;
  decorateRequest(name: string, decorator: { getter(this: FastifyRequestLike): unknown; setter(this: FastifyRequestLike, value: unknown): void }): unknown;
  addHook(name: 'onSend', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, payload: unknown, done: CommitListener) => void): unknown;
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike & { raw: object }, done: HookDone) => void): unknown;
  addHook(name: 'onError', hook: (request: FastifyRequestLike, reply: unknown, error: Error, done: HookDone) => void): unknown;
}

/** Told of an error that failed a request in Fastify's hooks (an `app.use()` middleware's, a plugin's). */
export type RequestErrorListener = (error: unknown, request: unknown) => void;

/** The session middleware, as a hook of its own calls it with the raw request and response. */
export type SessionAttacher = (request: SessionRequest, response: unknown, next: (error?: unknown) => void) => void;

/**
 * How the session is attached when no other middleware must run after it: in an `onRequest`
 * hook of its own, so @fastify/middie runs nothing for the request (its copies of Fastify's
 * request fields included). `copiesRequestFields`: user code that gets the raw request (a
 * `cookie` function, `genid`) or `trackClient` reads the fields middie would have copied.
 */
export interface OwnHookAttachment {
  attach: SessionAttacher;
  copiesRequestFields: boolean;
}

/** Fastify's request fields @fastify/middie copies onto the raw request, as a hook copies them when asked. */
interface FastifyRequestFields {
  readonly id: unknown;
  readonly hostname: unknown;
  readonly protocol: unknown;
  readonly ip: unknown;
  readonly ips: unknown;
  readonly log: unknown;
  readonly query: unknown;
}

/** The session's response of a raw request, until Fastify's onSend hook commits it. */
const SESSION_RESPONSE = Symbol('nest-sessions.fastifySessionResponse');

type RawRequest = SessionRequest & { [SESSION_RESPONSE]?: FastifySessionResponse };

/** The request fields the session middleware sets on the raw request, mirrored on Fastify's. */
const SESSION_FIELDS = ['session', 'sessionID', 'sessionStore'] as const;

/**
 * The Fastify side of the module. The session middleware runs on the raw Node request (as
 * every Nest middleware does on Fastify), while handlers, guards and `@Req()` get Fastify's
 * request wrapper: that wrapper reads and writes the raw request's `session`, `sessionID` and
 * `sessionStore`. The session is committed in the `onSend` hook (see FastifySessionResponse).
 */
export class FastifySessions {
  /**
   * Decorates Fastify's request, adds the commit hook and, when there are `followers`
   * (Passport's middleware), runs them after the session with Fastify's request, so that what
   * they set (`req.user`, `req.logout`) is what handlers see. `onRequestError` hears of
   * errors that fail a request outside Nest's handlers. With `ownHook`, the session is attached
   * in an `onRequest` hook of its own (after @fastify/middie's, so after `app.use()` middleware,
   * as on Express), before the followers.
   */
  install(
    instance: FastifyInstanceLike,
    followers: readonly SessionFollowerMiddleware[],
    onRequestError: RequestErrorListener,
    ownHook?: OwnHookAttachment,
  ): void {
    for (const field of SESSION_FIELDS) {
      if (instance.hasRequestDecorator(field)) {
        // @fastify/passport's plugin (through @fastify/flash) asks for a session plugin: the usual reason for one here.
        const passportAdvice = instance.hasRequestDecorator('passport') ? `. ${FASTIFY_PASSPORT_ADVICE}` : '';
        throw new Error(
          `nest-sessions: Fastify's request already has a "${field}" decorator (@fastify/session or @fastify/secure-session?): use one session library${passportAdvice}`,
        );
      }
      instance.decorateRequest(field, {
        getter() {
          return this.raw[field];
        },
        setter(value) {
          (this.raw as unknown as Record<string, unknown>)[field] = value;
        },
      });
    }
    instance.addHook('onSend', (request, reply, payload, done) => {
      const raw = request.raw as RawRequest;
      const sessionResponse = raw[SESSION_RESPONSE];
      if (!sessionResponse) return done(null, payload);
      // Taken off first: an error answer of a failed commit passes through this hook again.
      raw[SESSION_RESPONSE] = undefined;
      sessionResponse.commitBeforeSend(reply, payload, done);
    });
    instance.addHook('onError', (request, _reply, error, done) => {
      onRequestError(error, request);
      done();
    });
    if (ownHook) {
      const { attach, copiesRequestFields } = ownHook;
      instance.addHook('onRequest', (request, reply, done) => {
        const raw = request.raw;
        // Where Express has `req.secure`; middie's `protocol` copy gives responseFor the same.
        raw.secure = request.protocol === 'https';
        if (copiesRequestFields) copyRequestFields(request as FastifyRequestLike & FastifyRequestFields);
        // What the middleware passes on goes to Fastify as it is, as @fastify/middie passes it.
        attach(raw, reply.raw, done as (error?: unknown) => void);
      });
    }
    if (followers.length > 0) {
      instance.addHook('onRequest', (request, reply, done) => {
        // Only where the session middleware ran (forRoutes / exclude), as on Express.
        if (attachOutcomeOf(request.raw) === undefined) return done();
        runFollowers(followers, request, reply.raw, done);
      });
    }
  }

  /**
   * The response a session attached to this raw request is committed through (one per
   * request). Also gives the core Fastify's verdict on HTTPS (its `trustProxy` applied), which
   * @fastify/middie copies onto the raw request as `protocol`, where Express has `req.secure`.
   */
  responseFor(rawRequest: SessionRequest): FastifySessionResponse {
    const raw = rawRequest as RawRequest & { protocol?: string };
    raw.secure ??= raw.protocol === 'https';
    return (raw[SESSION_RESPONSE] ??= new FastifySessionResponse());
  }

  /** Fastify's request and reply (as handlers get them) as the core handles them. */
  toCoreHttp(request: SessionRequest, reply?: SessionResponse): { request: SessionRequest; response?: SessionResponse } {
    const raw = (request as unknown as Partial<FastifyRequestLike>).raw;
    if (!raw) return { request, response: reply };
    return { request: raw, response: reply ? this.responseFor(raw) : undefined };
  }
}

/** What @fastify/middie copies onto the raw request before its middleware run (`hostname`, `ip`…). */
function copyRequestFields(request: FastifyRequestLike & FastifyRequestFields): void {
  const raw = request.raw as SessionRequest & Record<keyof FastifyRequestFields | 'originalUrl', unknown>;
  raw.originalUrl = raw.url;
  raw.id = request.id;
  raw.hostname = request.hostname;
  raw.protocol = request.protocol;
  raw.ip = request.ip;
  raw.ips = request.ips;
  raw.log = request.log;
  raw.query = request.query;
}

/** Runs Express-style middleware in order; an error (or a thrown one) stops the chain. */
function runFollowers(followers: readonly SessionFollowerMiddleware[], request: unknown, response: unknown, done: HookDone): void {
  let index = 0;
  const next = (error?: unknown): void => {
    if (error !== undefined && error !== null && error !== 'route') return done(error instanceof Error ? error : new Error(String(error)));
    const follower = followers[index++];
    if (!follower) return done();
    try {
      (follower as (request: unknown, response: unknown, next: (error?: unknown) => void) => unknown)(request, response, next);
    } catch (thrown) {
      next(thrown ?? new Error('middleware threw'));
    }
  };
  next();
}
