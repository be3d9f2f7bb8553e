import { AUTHENTICATED_AT_KEY, authenticatedAtOf, isRecentSignIn, markAuthenticated } from '../../../lib/core/session/sign-in-time.js';

describe('sign-in time (markAuthenticated, @RequireFreshSession)', () => {
  it('records the time under the reserved key', () => {
    const data: Record<string, unknown> = {};
    markAuthenticated(data, 1_000);
    expect(data).toEqual({ [AUTHENTICATED_AT_KEY]: 1_000 });
    expect(authenticatedAtOf(data)).toBe(1_000);
  });

  it('is recent up to maxAge after it, stale after', () => {
    const data = { [AUTHENTICATED_AT_KEY]: 1_000 };
    expect(isRecentSignIn(data, 300, 1_000)).toBe(true);
    expect(isRecentSignIn(data, 300, 1_300)).toBe(true);
    expect(isRecentSignIn(data, 300, 1_301)).toBe(false);
  });

  it('accepts a time ahead of the clock within maxAge (another server), refuses one further ahead', () => {
    const data = { [AUTHENTICATED_AT_KEY]: 1_200 };
    expect(isRecentSignIn(data, 300, 1_000)).toBe(true);
    expect(isRecentSignIn({ [AUTHENTICATED_AT_KEY]: 1_301 }, 300, 1_000)).toBe(false);
  });

  it.each([undefined, null, '1000', Number.NaN, Infinity, {}])('never recorded or malformed (%p): not recent', (value) => {
    const data = value === undefined ? {} : { [AUTHENTICATED_AT_KEY]: value };
    expect(authenticatedAtOf(data)).toBeUndefined();
    expect(isRecentSignIn(data, 300, 1_000)).toBe(false);
  });
});
