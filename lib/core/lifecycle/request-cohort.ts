import { AsyncResource } from 'node:async_hooks';
// Not the global: a test's fake timers (Jest's replace the global one) must not hold requests.
import { setImmediate } from 'node:timers';

/**
 * Requests whose session was attached without waiting for the store (the MemoryStore) continue
 * together, at the end of the event loop's turn in which they were attached: one after another,
 * before the promise continuations of any of them run. Each stage of the app's request path
 * (Nest's pipeline, the handler, the response) then runs for the whole cohort in a row, with
 * its code still in the CPU's caches, as it does for requests whose sessions a Redis reply
 * answered together; one request at a time, the whole path ran cold for each (bench/PROFILE.md,
 * "Requests in cohorts"). A request waits at most for the others attached in the same turn.
 */

/** The continuations waiting for the turn's end, each with the async context it was queued in. */
let waiting: Array<{ continuation: () => void; onError: (error: unknown) => void; context: AsyncResource }> = [];

/**
 * Runs `continuation` at the end of this turn of the event loop, after the continuations queued
 * before it, in the async context of this call (AsyncLocalStorage stores stay the request's).
 * What it throws goes to `onError`, and the cohort's other requests go on.
 */
export function continueInCohort(continuation: () => void, onError: (error: unknown) => void): void {
  if (waiting.length === 0) setImmediate(continueCohort);
  waiting.push({ continuation, onError, context: new AsyncResource('nest-sessions.RequestCohort') });
}

function continueCohort(): void {
  const cohort = waiting;
  waiting = [];
  for (const { continuation, onError, context } of cohort) {
    context.runInAsyncScope(() => {
      try {
        continuation();
      } catch (error) {
        onError(error);
      }
    });
  }
}
