import { jest } from '@jest/globals';
import { SessionStoreError, SessionStoreUnavailableError } from '../../../lib/index.js';
import { withinDeadline } from '../../../lib/core/store/store-deadline.js';

const TIMEOUT_MS = 1_000;

/** A command whose reply the test gives (or never gives). */
function command<T>(): { pending: Promise<T>; reply(value: T): void; fail(error: Error): void } {
  let reply!: (value: T) => void;
  let fail!: (error: Error) => void;
  const pending = new Promise<T>((resolve, reject) => {
    reply = resolve;
    fail = reject;
  });
  return { pending, reply, fail };
}

/** What a promise has come to so far. */
function outcomeOf<T>(promise: Promise<T>): { value?: T; error?: unknown } {
  const outcome: { value?: T; error?: unknown } = {};
  promise.then(
    (value) => (outcome.value = value),
    (error: unknown) => (outcome.error = error),
  );
  return outcome;
}

/** The store's deadline per call: `timeoutMs` from the call, its failures typed. */
describe('withinDeadline', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  const backend = { name: 'Redis', toStoreError: (error: unknown, action: string) => new SessionStoreError(`could not ${action}: ${String(error)}`) };
  const bounded = { bound: <T>(pending: Promise<T>, action: string) => withinDeadline(pending, TIMEOUT_MS, action, backend) };

  it('passes replies and typed failures through', async () => {
    const ok = command<string>();
    const failing = command<string>();
    const okResult = bounded.bound(ok.pending, 'load');
    const failResult = bounded.bound(failing.pending, 'save');
    ok.reply('text');
    failing.fail(new Error('boom'));
    await expect(okResult).resolves.toBe('text');
    await expect(failResult).rejects.toThrow('could not save: Error: boom');
  });

  it('fails each unanswered call when its own deadline passes, not those of calls made later or answered', async () => {
    const first = outcomeOf(bounded.bound(command<string>().pending, 'load the session'));
    await jest.advanceTimersByTimeAsync(400);
    const answered = command<string>();
    const answeredOutcome = outcomeOf(bounded.bound(answered.pending, 'touch'));
    const second = outcomeOf(bounded.bound(command<string>().pending, 'save the session'));
    answered.reply('OK');

    await jest.advanceTimersByTimeAsync(TIMEOUT_MS - 400);
    expect(first.error).toBeInstanceOf(SessionStoreUnavailableError);
    expect((first.error as Error).message).toMatch(/could not load the session: Command timed out \(no reply within 1000 ms\)/);
    // Made 400 ms later: still within its time.
    expect(second.error).toBeUndefined();
    expect(answeredOutcome.value).toBe('OK');

    await jest.advanceTimersByTimeAsync(400);
    expect(second.error).toBeInstanceOf(SessionStoreUnavailableError);
    expect(answeredOutcome.error).toBeUndefined();
  });

  it('a reply after the deadline changes nothing, and later calls are bounded again', async () => {
    const late = command<string>();
    const lateOutcome = outcomeOf(bounded.bound(late.pending, 'load'));
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);
    late.reply('too late');
    await Promise.resolve();
    expect(lateOutcome.error).toBeInstanceOf(SessionStoreUnavailableError);
    expect(lateOutcome.value).toBeUndefined();

    const next = outcomeOf(bounded.bound(command<string>().pending, 'load'));
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);
    expect(next.error).toBeInstanceOf(SessionStoreUnavailableError);
  });
});
