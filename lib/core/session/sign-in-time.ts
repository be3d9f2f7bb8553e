/**
 * The reserved session key holding when the user last proved who they are (epoch ms): set by
 * `session.markAuthenticated()` after the app checked a password or a second factor, read by
 * `@RequireFreshSession()` ("sudo mode"). Kept by `rotate()` (it keeps data); a session
 * `regenerate()` starts has none until the app marks it.
 */
export const AUTHENTICATED_AT_KEY = '__authenticatedAt';

/** Records a sign-in at `now` in the session's data. */
export function markAuthenticated(data: object, now = Date.now()): void {
  (data as Record<string, unknown>)[AUTHENTICATED_AT_KEY] = now;
}

/** When the session's last sign-in was recorded (epoch ms), or undefined when never (or malformed). */
export function authenticatedAtOf(data: object): number | undefined {
  const authenticatedAt = (data as Record<string, unknown>)[AUTHENTICATED_AT_KEY];
  return typeof authenticatedAt === 'number' && Number.isFinite(authenticatedAt) ? authenticatedAt : undefined;
}

/**
 * Whether the last recorded sign-in is at most `maxAgeMs` from `now`. A time ahead of `now`
 * (another server's clock) is accepted within the same distance; one further ahead is no
 * sign-in a clock could have recorded, and is refused.
 */
export function isRecentSignIn(data: object, maxAgeMs: number, now = Date.now()): boolean {
  const authenticatedAt = authenticatedAtOf(data);
  return authenticatedAt !== undefined && Math.abs(now - authenticatedAt) <= maxAgeMs;
}
