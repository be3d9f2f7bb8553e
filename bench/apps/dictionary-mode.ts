/**
 * What nest-sessions does to Express's requests and responses when it attaches a session
 * (lib/core/http/express/shared-object-shapes.ts), as a middleware of its own for the app
 * without sessions of mode 15: adding and deleting one property puts each object in V8's
 * dictionary mode, where every request shares one hidden class.
 */
const THROWAWAY_KEY = Symbol('bench.dictionaryMode');

export function dictionaryModeMiddleware(request: object, response: object, next: () => void): void {
  for (const object of [request, response] as Record<symbol, unknown>[]) {
    object[THROWAWAY_KEY] = true;
    delete object[THROWAWAY_KEY];
  }
  next();
}
