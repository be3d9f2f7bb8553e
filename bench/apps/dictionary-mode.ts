/**
 * Mode 15, the app without sessions with what nest-sessions does around the session on Express,
 * at the same places: each request and response put in V8's dictionary mode, where every request
 * shares one hidden class (lib/core/http/express/shared-object-shapes.ts: adding and deleting one
 * property), and the requests continued in cohorts where the session middleware runs
 * (lib/core/lifecycle/request-cohort.ts, the library's own function).
 */
import { continueInCohort } from '../../lib/core/lifecycle/request-cohort.js';

const THROWAWAY_KEY = Symbol('bench.dictionaryMode');

function toDictionaryMode(object: object): void {
  (object as Record<symbol, unknown>)[THROWAWAY_KEY] = true;
  delete (object as Record<symbol, unknown>)[THROWAWAY_KEY];
}

type RouterHandle = (this: unknown, request: object, response: object, done: unknown) => unknown;

/** The part of Express 5's application the Nest app's switch uses. */
export interface ExpressApplication {
  router: { handle: RouterHandle };
}

/**
 * Where nest-sessions makes the switch: as Express hands the request to its router, right after
 * it set the prototypes (SessionModule from the start, `createSessionMiddleware` from the
 * application's second request on).
 */
export function switchAtRouterStart(application: ExpressApplication): void {
  const handle = application.router.handle;
  application.router.handle = function (this: unknown, request, response, done) {
    toDictionaryMode(request);
    toDictionaryMode(response);
    return handle.call(this, request, response, done);
  };
}

/** What the session middleware does on the MemoryStore once a session is attached: the request goes on with its turn's cohort. */
export function continueWithCohort(_request: unknown, _response: unknown, next: (error?: unknown) => void): void {
  continueInCohort(next, next);
}
