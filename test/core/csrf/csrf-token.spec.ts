import { CSRF_SECRET_KEY, dropCsrfSecret, isValidCsrfToken, maskedCsrfToken } from '../../../lib/core/csrf/csrf-token.js';

describe('CSRF tokens', () => {
  it('creates the secret under the reserved key on first use, and keeps it', () => {
    const session: Record<string, unknown> = {};
    maskedCsrfToken(session);
    const secret = session[CSRF_SECRET_KEY];
    expect(typeof secret).toBe('string');
    expect(Buffer.from(secret as string, 'base64url')).toHaveLength(32);
    maskedCsrfToken(session);
    expect(session[CSRF_SECRET_KEY]).toBe(secret);
  });

  it('masks every token differently, each one valid for its session only', () => {
    const session = {};
    const tokens = Array.from({ length: 20 }, () => maskedCsrfToken(session));
    expect(new Set(tokens).size).toBe(20);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{86}$/);
      expect(isValidCsrfToken(session, token)).toBe(true);
      expect(isValidCsrfToken({ [CSRF_SECRET_KEY]: (maskedCsrfToken({}), undefined) }, token)).toBe(false);
    }
    const other = {};
    maskedCsrfToken(other);
    expect(isValidCsrfToken(other, tokens[0])).toBe(false);
  });

  it('never holds the secret in the clear', () => {
    const session: Record<string, unknown> = {};
    const token = maskedCsrfToken(session);
    expect(token).not.toContain(session[CSRF_SECRET_KEY] as string);
  });

  it.each([
    ['a session without a secret', {}],
    ['a malformed stored secret', { [CSRF_SECRET_KEY]: 42 }],
    ['a stored secret of the wrong length', { [CSRF_SECRET_KEY]: 'abcd' }],
    ['a stored secret that is not base64url', { [CSRF_SECRET_KEY]: '!'.repeat(43) }],
    ['no session at all', undefined],
  ])('refuses every token for %s', (_label, session) => {
    const token = maskedCsrfToken({});
    expect(isValidCsrfToken(session, token)).toBe(false);
  });

  it.each([undefined, null, 42, {}, [], '', 'short', 'a'.repeat(86) + 'a', '!'.repeat(86), 'é'.repeat(86)])('refuses %p without throwing', (token) => {
    const session = {};
    maskedCsrfToken(session);
    expect(isValidCsrfToken(session, token)).toBe(false);
  });

  it('forgets every token once the secret is dropped (rotate())', () => {
    const session: Record<string, unknown> = {};
    const token = maskedCsrfToken(session);
    dropCsrfSecret(session);
    expect(CSRF_SECRET_KEY in session).toBe(false);
    expect(isValidCsrfToken(session, token)).toBe(false);
    expect(isValidCsrfToken(session, maskedCsrfToken(session))).toBe(true);
    expect(isValidCsrfToken(session, token)).toBe(false);
  });
});

describe('CSRF token check against Node’s base64url decoder', () => {
  // The check unmasks and compares in its own loop: it must accept exactly the tokens whose
  // bytes, as Node decodes them, unmask to the secret.
  const reference = (session: Record<string, unknown>, token: string): boolean => {
    const secret = Buffer.from(session[CSRF_SECRET_KEY] as string, 'base64url');
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== 64) return false;
    return bytes.subarray(0, 32).every((padByte, index) => (padByte ^ bytes[32 + index]!) === secret[index]);
  };

  it('agrees with Node on tokens made of any bytes, and on valid tokens with one character changed', async () => {
    const { default: fc } = await import('fast-check');
    const session: Record<string, unknown> = {};
    maskedCsrfToken(session);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        const token = Buffer.from(bytes).toString('base64url');
        expect(isValidCsrfToken(session, token)).toBe(reference(session, token));
      }),
    );
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(fc.nat(85), fc.nat(63), (position, characterIndex) => {
        const token = maskedCsrfToken(session);
        const changed = token.slice(0, position) + alphabet[characterIndex] + token.slice(position + 1);
        expect(isValidCsrfToken(session, changed)).toBe(reference(session, changed));
      }),
    );
  });

});
