import { AsyncLocalStorage } from 'node:async_hooks';
import { jest } from '@jest/globals';
import { continueInCohort } from '../../../lib/core/lifecycle/request-cohort.js';

/** Resolves once the event loop has gone past its check phase (after the cohort's `setImmediate`). */
const afterTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('continueInCohort', () => {
  it('continues the requests of one turn at its end, in order, each before the promise continuations of any of them', async () => {
    const steps: string[] = [];
    const request = (name: string) => () => {
      steps.push(`${name} continues`);
      void Promise.resolve().then(() => steps.push(`${name}'s promise continuation`));
    };
    continueInCohort(request('a'), () => undefined);
    continueInCohort(request('b'), () => undefined);
    await Promise.resolve();
    expect(steps).toEqual([]);
    await afterTurn();
    expect(steps).toEqual(['a continues', 'b continues', "a's promise continuation", "b's promise continuation"]);
  });

  it('starts a new cohort for requests queued while one continues', async () => {
    const steps: string[] = [];
    continueInCohort(() => {
      steps.push('first');
      continueInCohort(() => steps.push('queued by the first'), () => undefined);
    }, () => undefined);
    await afterTurn();
    expect(steps).toEqual(['first']);
    await afterTurn();
    expect(steps).toEqual(['first', 'queued by the first']);
  });

  it("runs each continuation in the async context it was queued in: AsyncLocalStorage stores stay the request's", async () => {
    const storage = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    for (const requestId of ['r1', 'r2', 'r3']) {
      storage.run(requestId, () => continueInCohort(() => {
        seen.push(storage.getStore());
        // And in what the request goes on to do asynchronously.
        void Promise.resolve().then(() => seen.push(`${storage.getStore()} later`));
      }, () => undefined));
    }
    continueInCohort(() => seen.push(storage.getStore()), () => undefined);
    await afterTurn();
    expect(seen).toEqual(['r1', 'r2', 'r3', undefined, 'r1 later', 'r2 later', 'r3 later']);
  });

  it('hands what a continuation throws to its own error handler; the others go on', async () => {
    const failure = new Error('the router failed');
    const handled: unknown[] = [];
    const continued: string[] = [];
    continueInCohort(() => {
      throw failure;
    }, (error) => handled.push(error));
    continueInCohort(() => continued.push('second'), (error) => handled.push(error));
    await afterTurn();
    expect(handled).toEqual([failure]);
    expect(continued).toEqual(['second']);
  });

  it("is not held by a test's fake timers", async () => {
    jest.useFakeTimers();
    try {
      const continued = new Promise<string>((resolve) => continueInCohort(() => resolve('continued'), () => undefined));
      await expect(continued).resolves.toBe('continued');
    } finally {
      jest.useRealTimers();
    }
  });
});
