import { ServerResponse } from 'node:http';
import { installedOnApplicationPrototype } from './application-prototype.js';
import type { SessionResponse } from '../http-types.js';

/**
 * The session's `writeHead`/`end` hooks, installed once on an Express application's response
 * prototype instead of on every response: own properties on a response whose prototype
 * Express 5 changed take V8's slow path (costs in bench/PROFILE.md).
 *
 * The prototype's hooks serve every response of the application: a response with a commit in
 * `commitByResponse` is committed through it, any other (a route without sessions, a response
 * a session middleware of the other build hooked itself) goes straight to Node's methods.
 */
export const commitByResponse = new WeakMap<object, ResponseCommitHooks>();

/** What the prototype's hooks call for a response with a commit (the lifecycle's `ResponseCommit`). */
export interface ResponseCommitHooks {
  writeHead(response: SessionResponse, args: unknown[]): unknown;
  end(response: SessionResponse, args: unknown[]): unknown;
}

type ResponseMethods = Pick<SessionResponse, 'writeHead' | 'end'>;

interface InstalledHooks extends ResponseMethods {
  /** What the hooks call through to: the prototype above the application's (Express's, then Node's). */
  readonly base: ResponseMethods;
}

/** The hooks serving a response's application, installed on first sight. */
const hooksOf = installedOnApplicationPrototype(ServerResponse.prototype, installHooks);

/**
 * The methods the hooks call through to, when this response is served by hooks on its
 * application's prototype and nothing has wrapped its `writeHead`/`end` yet; `undefined`
 * otherwise, and the response is hooked with own properties, outside any wrapper installed
 * before the session (compression, on-headers), exactly where express-session's hooks are.
 */
export function applicationHookBase(response: SessionResponse): ResponseMethods | undefined {
  const hooks = hooksOf(response);
  if (hooks === undefined) return undefined;
  // Own wrappers and the prototype's methods checked apart: reading the methods off a response
  // whose prototype Express changed misses V8's caches, off the prototype itself it does not.
  if (Object.hasOwn(response, 'writeHead') || Object.hasOwn(response, 'end')) return undefined;
  const prototype = Object.getPrototypeOf(response) as ResponseMethods;
  return prototype.writeHead === hooks.writeHead && prototype.end === hooks.end ? hooks.base : undefined;
}

function installHooks(applicationPrototype: object): InstalledHooks | null {
  // Another library's own methods there (or the other build's hooks) are left alone.
  if (Object.hasOwn(applicationPrototype, 'writeHead') || Object.hasOwn(applicationPrototype, 'end')) return null;
  const base = Object.getPrototypeOf(applicationPrototype) as ResponseMethods;
  const hooks: InstalledHooks = {
    base,
    writeHead: function writeHeadWithSessionCookie(this: SessionResponse, ...args: unknown[]) {
      const commit = commitByResponse.get(this);
      return commit === undefined ? (base.writeHead as (...a: unknown[]) => unknown).apply(this, args) : commit.writeHead(this, args);
    } as SessionResponse['writeHead'],
    end: function endAfterSessionCommit(this: SessionResponse, ...args: unknown[]) {
      const commit = commitByResponse.get(this);
      return commit === undefined ? base.end.apply(this, args) : commit.end(this, args);
    },
  };
  for (const name of ['writeHead', 'end'] as const) {
    Object.defineProperty(applicationPrototype, name, { value: hooks[name], writable: true, configurable: true, enumerable: false });
  }
  return hooks;
}
