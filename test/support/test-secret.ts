/** The secret every spec signs with, unless it tests secrets themselves: 32 characters or more, so no short-secret warning. */
export const TEST_SECRET = 'test-secret-that-is-long-enough-to-sign-cookies';
