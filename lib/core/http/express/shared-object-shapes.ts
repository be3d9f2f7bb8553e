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
 */
const GIVES_EACH_REQUEST_ITS_OWN_SHAPE = Number.parseInt(process.versions.v8, 10) < 13;
const hasExpressRequestPrototype = installedOnApplicationPrototype(IncomingMessage.prototype, () => true);
const hasExpressResponsePrototype = installedOnApplicationPrototype(ServerResponse.prototype, () => true);

const THROWAWAY_KEY = Symbol('nest-sessions.sharedShape');

/** Puts an Express request, and its response when given, where V8's caches serve them again (above). */
export function shareExpressObjectShapes(request: object, response: object | undefined): void {
  if (!GIVES_EACH_REQUEST_ITS_OWN_SHAPE) return;
  if (hasExpressRequestPrototype(request) === true) toDictionaryMode(request);
  if (response !== undefined && hasExpressResponsePrototype(response) === true) toDictionaryMode(response);
}

function toDictionaryMode(object: object): void {
  const target = object as Record<symbol, unknown>;
  target[THROWAWAY_KEY] = true;
  delete target[THROWAWAY_KEY];
}
