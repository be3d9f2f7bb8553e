import { decideCsrf, isForeignHandshake, normalizeOrigin, refererOrigin } from '../../../lib/core/csrf/csrf-decision.js';
import type { CsrfRequestFacts } from '../../../lib/core/csrf/csrf-decision.js';

const OWN = 'https://shop.example';
const TRUSTED = new Set(['https://app.example.com']);
const VALID = 'valid-token';

function decide(facts: Partial<CsrfRequestFacts>, trustedOrigins: ReadonlySet<string> = TRUSTED) {
  return decideCsrf(
    { method: 'POST', isIgnoredMethod: false, secFetchSite: undefined, origin: undefined, referer: undefined, ownOrigin: () => OWN, token: undefined, ...facts },
    { trustedOrigins, isValidToken: (token) => token === VALID },
  );
}

describe('decideCsrf: the decision table', () => {
  it.each<[string, Partial<CsrfRequestFacts>, boolean, string]>([
    ['an ignored method, whatever else', { isIgnoredMethod: true, secFetchSite: 'cross-site' }, true, 'ignored-method'],
    ['a session named by a valid header token, without Origin or token', { isHeaderAuthenticated: true }, true, 'header-token'],
    ['a session named by a valid header token, even cross-site', { isHeaderAuthenticated: true, secFetchSite: 'cross-site' }, true, 'header-token'],
    ['a request whose header token named no session: checked as any other', { isHeaderAuthenticated: false }, false, 'missing-token'],
    ['Sec-Fetch-Site same-origin', { secFetchSite: 'same-origin' }, true, 'same-origin'],
    ['Sec-Fetch-Site none (typed URL)', { secFetchSite: 'none' }, true, 'same-origin'],
    ['Sec-Fetch-Site in capitals', { secFetchSite: 'Same-Origin' }, true, 'same-origin'],
    ['Sec-Fetch-Site cross-site with a valid token', { secFetchSite: 'cross-site', token: VALID }, false, 'cross-site'],
    ['Sec-Fetch-Site same-site', { secFetchSite: 'same-site', token: VALID }, false, 'cross-site'],
    ['Sec-Fetch-Site of an unknown value', { secFetchSite: 'sideways' }, false, 'cross-site'],
    ['Sec-Fetch-Site cross-site from a trusted Origin', { secFetchSite: 'cross-site', origin: 'https://app.example.com' }, true, 'trusted-origin'],
    ['Sec-Fetch-Site same-site from a trusted Origin', { secFetchSite: 'same-site', origin: 'https://APP.example.com:443' }, true, 'trusted-origin'],
    ['no Sec-Fetch-Site, a foreign Origin with a valid token', { origin: 'https://evil.example', token: VALID }, false, 'foreign-origin'],
    ['no Sec-Fetch-Site, Origin null', { origin: 'null', token: VALID }, false, 'foreign-origin'],
    ['no Sec-Fetch-Site, the own origin over http', { origin: 'http://shop.example', token: VALID }, false, 'foreign-origin'],
    ['no Sec-Fetch-Site, a trusted Origin', { origin: 'https://app.example.com' }, true, 'trusted-origin'],
    ['no Sec-Fetch-Site, the own Origin and no token', { origin: OWN }, false, 'missing-token'],
    ['no Sec-Fetch-Site, the own Origin and a valid token', { origin: OWN, token: VALID }, true, 'valid-token'],
    ['no Sec-Fetch-Site, the own Origin and a wrong token', { origin: OWN, token: 'wrong' }, false, 'invalid-token'],
    ['a foreign Referer with a valid token', { referer: 'https://evil.example/form', token: VALID }, false, 'foreign-origin'],
    ['an unreadable Referer', { referer: 'garbage', token: VALID }, false, 'foreign-origin'],
    ['the own Referer with a valid token', { referer: `${OWN}/form?x=1`, token: VALID }, true, 'valid-token'],
    ['a trusted Referer without a token', { referer: 'https://app.example.com/page' }, false, 'missing-token'],
    ['a trusted Referer with a valid token', { referer: 'https://app.example.com/page', token: VALID }, true, 'valid-token'],
    ['no header at all, a valid token', { token: VALID }, true, 'valid-token'],
    ['no header at all, no token', {}, false, 'missing-token'],
    ['an empty token', { token: '' }, false, 'missing-token'],
    ['Origin sent twice', { origin: [OWN, OWN], token: VALID }, false, 'foreign-origin'],
  ])('%s', (_label, facts, allowed, reason) => {
    expect(decide(facts)).toEqual({ allowed, reason });
  });

  it('prefers the Origin to the Referer', () => {
    expect(decide({ origin: OWN, referer: 'https://evil.example/', token: VALID })).toEqual({ allowed: true, reason: 'valid-token' });
  });

  it('does not ask for the token when the headers decide, nor for the own origin without a header to compare', () => {
    let asked = 0;
    const context = { trustedOrigins: TRUSTED, isValidToken: () => ((asked += 1), true) };
    let askedOwnOrigin = 0;
    const base = { method: 'POST', isIgnoredMethod: false, referer: undefined, ownOrigin: () => ((askedOwnOrigin += 1), OWN), token: VALID };
    decideCsrf({ ...base, secFetchSite: 'same-origin', origin: undefined }, context);
    decideCsrf({ ...base, secFetchSite: undefined, origin: 'https://evil.example' }, context);
    expect(asked).toBe(0);
    // Nor for the request's own origin when no Origin or Referer is to be compared.
    expect(askedOwnOrigin).toBe(1);
    decideCsrf({ ...base, secFetchSite: undefined, origin: undefined }, context);
    expect(askedOwnOrigin).toBe(1);
  });
});

describe('origins', () => {
  it.each([
    ['https://Example.COM', 'https://example.com'],
    ['https://example.com:443', 'https://example.com'],
    ['http://example.com:8080', 'http://example.com:8080'],
    ['https://example.com/', 'https://example.com'],
    ['https://example.com/path', ''],
    ['https://user:pw@example.com', ''],
    ['https://example.com?q', ''],
    ['null', ''],
    ['ftp://example.com', ''],
    ['', ''],
  ])('normalizeOrigin(%p) is %p', (value, expected) => {
    expect(normalizeOrigin(value)).toBe(expected);
  });

  it('reads the origin of a Referer', () => {
    expect(refererOrigin('https://a.example:443/x?y#z')).toBe('https://a.example');
    expect(refererOrigin('javascript:alert(1)')).toBe('');
    expect(refererOrigin('')).toBeUndefined();
    expect(refererOrigin(undefined)).toBeUndefined();
  });

  it('refuses a WebSocket handshake from another origin, not one without Origin', () => {
    expect(isForeignHandshake('https://evil.example', OWN, TRUSTED)).toBe(true);
    expect(isForeignHandshake('null', OWN, TRUSTED)).toBe(true);
    expect(isForeignHandshake(OWN, OWN, TRUSTED)).toBe(false);
    expect(isForeignHandshake('https://app.example.com', OWN, TRUSTED)).toBe(false);
    expect(isForeignHandshake(undefined, OWN, TRUSTED)).toBe(false);
  });
});
