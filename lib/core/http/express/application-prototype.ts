/**
 * The prototype an Express application made for its own requests or responses.
 *
 * Express gives each application `app.request = Object.create(express.request)` (and the same
 * for `response`), whose prototype is Node's `IncomingMessage.prototype` (`ServerResponse`'s),
 * and a mounted application's prototype inherits from its parent's. Starting from the
 * prototype of a request (or response), this walks up to the topmost application's, so what
 * is installed there also serves the parent's middleware after a mounted application hands
 * the request back. A prototype that is Node's own, a framework's shared base or anything else
 * gives `undefined`: the session never changes an object other than an application's own.
 *
 * Why install anything there: Express 5 changes every request's and response's prototype,
 * after which V8 adds each new own property through its slow path; what lives on the
 * application's prototype costs nothing per request (costs in bench/PROFILE.md).
 */
function applicationPrototypeOf(prototype: object | null, nodeBase: object): object | undefined {
  if (prototype === null) return undefined;
  let applicationPrototype: object | undefined;
  let candidate = prototype;
  for (let depth = 0; depth < 8; depth++) {
    const parent = Object.getPrototypeOf(candidate) as object | null;
    if (parent === null || parent === Object.prototype) return undefined;
    if (parent === nodeBase) return applicationPrototype;
    applicationPrototype = candidate;
    candidate = parent;
  }
  return undefined;
}

/**
 * For an object (a request or a response), what `install` put on its application's prototype,
 * installing it there on first sight. Cached per direct prototype (the last one checked first)
 * and per application prototype, so the prototype chain is walked once per prototype, not per
 * request, and a mounted application's objects find their parent's installation. `install`
 * answers null where it must not install (another library's own property there); objects with
 * no application prototype (or no `app`, which Express's application prototypes all define),
 * or such an application, get `undefined`.
 */
export function installedOnApplicationPrototype<T>(
  nodeBase: object,
  install: (applicationPrototype: object) => T | null,
): (instance: object) => T | undefined {
  const byPrototype = new WeakMap<object, T | null>();
  const byApplication = new WeakMap<object, T | null>();
  let lastPrototype: object | undefined;
  let lastInstalled: T | undefined;

  const installedFor = (prototype: object): T | null => {
    const applicationPrototype = applicationPrototypeOf(prototype, nodeBase);
    if (applicationPrototype === undefined) return null;
    let installed = byApplication.get(applicationPrototype);
    if (installed === undefined) {
      installed = install(applicationPrototype);
      byApplication.set(applicationPrototype, installed);
    }
    return installed;
  };

  return (instance) => {
    // Express's application prototypes carry `app`: an object without it (Fastify's, plain
    // `http`'s) is answered without reading its prototype, which is a call into V8's runtime.
    if ((instance as { app?: unknown }).app === undefined) return undefined;
    const prototype = Object.getPrototypeOf(instance) as object | null;
    if (prototype === null) return undefined;
    if (prototype === lastPrototype) return lastInstalled;
    let installed = byPrototype.get(prototype);
    if (installed === undefined) {
      installed = installedFor(prototype);
      byPrototype.set(prototype, installed);
    }
    // Remembered either way: an object with `app` and Node's prototype may ask again.
    lastPrototype = prototype;
    lastInstalled = installed ?? undefined;
    return lastInstalled;
  };
}
