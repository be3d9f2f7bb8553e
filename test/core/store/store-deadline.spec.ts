import { jest } from '@jest/globals';
import { SessionStoreError, SessionStoreUnavailableError } from '../../../lib/core/errors.js';
import { storeCall } from '../../../lib/core/store/store-deadline.js';

const backend = {
  name: 'Db',
  toStoreError: (error: unknown, action: string) => new SessionStoreError(`Db refused to ${action}: ${(error as Error).message}`, { cause: error }),
};

describe('storeCall: one call to a backend', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('passes the reply through, without a deadline too', async () => {
    await expect(storeCall(backend, 'load', async () => 'text', undefined)).resolves.toBe('text');
    await expect(storeCall(backend, 'load', async () => 'text', 1_000)).resolves.toBe('text');
  });

  it('types a failure, also one the command throws before it returns a promise', async () => {
    await expect(storeCall(backend, 'save', () => Promise.reject(new Error('full')), undefined)).rejects.toThrow('Db refused to save: full');
    const throwing = () => {
      throw new Error('bad arguments');
    };
    await expect(storeCall(backend, 'save', throwing, 1_000)).rejects.toThrow('Db refused to save: bad arguments');
  });

  it('with a deadline, an unanswered call fails with a 503 naming the backend', async () => {
    jest.useFakeTimers();
    const pending = storeCall(backend, 'load the session', () => new Promise<never>(() => undefined), 500);
    const outcome = pending.catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(500);
    const error = await outcome;
    expect(error).toBeInstanceOf(SessionStoreUnavailableError);
    expect((error as Error).message).toBe('nest-sessions: Db is unavailable, could not load the session: Command timed out (no reply within 500 ms)');
  });
});
