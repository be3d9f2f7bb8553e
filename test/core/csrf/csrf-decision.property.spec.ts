import fc from 'fast-check';
import { decideCsrf, isForeignHandshake, normalizeOrigin, refererOrigin } from '../../../lib/core/csrf/csrf-decision.js';
import { isValidCsrfToken, maskedCsrfToken } from '../../../lib/core/csrf/csrf-token.js';

/**
 * Untrusted headers and tokens, as any client can send them: nothing throws, and a request
 * passes only with a same-origin signal, a trusted origin or the session's valid token.
 */
const SEED = 20_261_204;
const OWN = 'https://shop.example';
const TRUSTED = 'https://app.example.com';

const headerValue = fc.option(
  fc.oneof(
    fc.constantFrom('same-origin', 'none', 'cross-site', 'same-site', OWN, TRUSTED, `${OWN}/x`, 'https://evil.example', 'null', '', ' ', 'https://shop.example:443'),
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
  ),
  { nil: undefined },
);

describe('the CSRF decision over random requests', () => {
  const session = {};
  const validToken = maskedCsrfToken(session);
  const token = fc.option(
    fc.oneof(fc.constant(validToken), fc.string({ maxLength: 100 }), fc.string({ unit: 'binary', maxLength: 90 }), fc.anything()),
    { nil: undefined },
  );

  it('never throws, and never passes without a same-origin signal, a trusted origin or a valid token', () => {
    fc.assert(
      fc.property(headerValue, headerValue, headerValue, token, (secFetchSite, origin, referer, candidate) => {
        const decision = decideCsrf(
          { method: 'POST', isIgnoredMethod: false, secFetchSite: secFetchSite as string, origin: origin as string, referer: referer as string, ownOrigin: () => OWN, token: candidate },
          { trustedOrigins: new Set([TRUSTED]), isValidToken: (value) => isValidCsrfToken(session, value) },
        );
        if (!decision.allowed) return;
        const site = typeof secFetchSite === 'string' ? secFetchSite.trim().toLowerCase() : '';
        const isSameOriginSignal = site === 'same-origin' || site === 'none';
        const isTrusted = typeof origin === 'string' && normalizeOrigin(origin) === TRUSTED;
        expect(isSameOriginSignal || isTrusted || candidate === validToken).toBe(true);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('reads any text as an origin or a referer without throwing', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        expect(typeof normalizeOrigin(text)).toBe('string');
        expect(['string', 'undefined']).toContain(typeof refererOrigin(text));
        expect(typeof isForeignHandshake(text, OWN, new Set())).toBe('boolean');
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('checks any value as a token without throwing, accepting only tokens of the session', () => {
    fc.assert(
      fc.property(fc.anything(), fc.string({ unit: fc.constantFrom(...'ABCxyz019_-'), minLength: 86, maxLength: 86 }), (value, lookalike) => {
        expect(isValidCsrfToken(session, value)).toBe(value === validToken);
        expect(isValidCsrfToken(session, lookalike)).toBe(lookalike === validToken);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});
