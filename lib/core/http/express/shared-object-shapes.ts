import { IncomingMessage, ServerResponse } from 'node:http';
import { installedOnApplicationPrototype } from './application-prototype.js';

/**
 * Why Express requests and responses are put in V8's dictionary mode:
 *
 * - Express 5 gives every request and response its application's prototype (`Object.setPrototypeOf`),
 *   and from then on V8 gives each of them a hidden class of its own.
 * - Every property the app, Nest, Express or this library adds afterwards copies that class,
 *   and every property read misses V8's inline caches, which key on the class.
 *
 * Adding and deleting one property moves such an object to dictionary mode. Every request then
 * shares one hidden class, and the caches hit from there to the end of the response. Nothing
 * the code sees changes: the same properties, in the same order.
 *
 * It is only done for objects whose prototype is an Express application's. Fastify's and plain
 * `http`'s objects keep their shared hidden classes. It is also only done up to V8 12 (Node.js
 * 20 to 23): from V8 13 (Node.js 24), these objects share their hidden classes anyway, and
 * dictionary mode would only make every access slower. bench/PROFILE.md has the measurements.
 *
 * The earlier it is done, the more of the request's properties are added in dictionary mode.
 * SessionModule does it as the application's router starts on a request, right after Express set
 * the prototypes (`shareExpressObjectShapesFromStart`): before the router's own properties,
 * Nest's body parsers and every middleware. `attach` does it too (a no-op the second time): for
 * an application's first request, and always for applications without an Express 5 router. On
 * an application's first request it also wraps that application's router, so an app that
 * mounts the session itself (`createSessionMiddleware`) gets the switch at the router's start
 * from its second request on.
 */
const GIVES_EACH_REQUEST_ITS_OWN_SHAPE = Number.parseInt(process.versions.v8, 10) < 13;
// On first sight of an application, its router is wrapped too, so that its later requests are
// switched from the router's start (an app that mounted the session itself, without SessionModule).
const hasExpressRequestPrototype = installedOnApplicationPrototype(IncomingMessage.prototype, (applicationPrototype) => {
  shareExpressObjectShapesFromStart((applicationPrototype as { app?: unknown }).app);
  return true;
});
const hasExpressResponsePrototype = installedOnApplicationPrototype(ServerResponse.prototype, () => true);

const THROWAWAY_KEY = Symbol('nest-sessions.sharedShape');

/** Puts an Express request, and its response when given, where V8's caches serve them again (above). */
export function shareExpressObjectShapes(request: object, response: object | undefined): void {
  if (!GIVES_EACH_REQUEST_ITS_OWN_SHAPE) return;
  if (hasExpressRequestPrototype(request) === true) toDictionaryMode(request);
  if (response !== undefined && hasExpressResponsePrototype(response) === true) toDictionaryMode(response);
}

/** Whether this V8 gives each Express request a hidden class of its own (up to V8 12), so that sharing pays. */
export function expressObjectsNeedSharing(): boolean {
  return GIVES_EACH_REQUEST_ITS_OWN_SHAPE;
}

type RouterHandle = (this: unknown, request: object, response: object, done: unknown) => unknown;

/** What Express 5's application has: a router whose `handle` it calls once the prototypes are set. */
interface ExpressApplicationLike {
  readonly router?: { handle?: RouterHandle & { [SHARES_SHAPES]?: true } };
}

const SHARES_SHAPES = Symbol('nest-sessions.sharesShapes');

/**
 * Makes the switch as Express 5's application hands a request to its router (`app.handle` sets
 * the prototypes, then calls `app.router.handle`): the router's `handle` is wrapped, once, at
 * any time before the requests come (it is not a middleware: where it sits in the stack does
 * not matter). Returns false where the application has no such router (not Express 5).
 */
export function shareExpressObjectShapesFromStart(application: unknown): boolean {
  const router = (application as ExpressApplicationLike | undefined)?.router;
  if (typeof router?.handle !== 'function') return false;
  const handle = router.handle;
  if (handle[SHARES_SHAPES]) return true;
  const sharingHandle = function (this: unknown, request: object, response: object, done: unknown): unknown {
    shareExpressObjectShapes(request, response);
    return handle.call(this, request, response, done);
  };
  router.handle = Object.assign(sharingHandle, { [SHARES_SHAPES]: true as const });
  return true;
}

function toDictionaryMode(object: object): void {
  const target = object as Record<symbol, unknown>;
  target[THROWAWAY_KEY] = true;
  delete target[THROWAWAY_KEY];
}
