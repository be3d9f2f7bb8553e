import { isSecureRequest, requestPath } from '../../../lib/core/http/request-security.js';
import type { SessionRequest } from '../../../lib/core/http/http-types.js';

function request(overrides: Partial<SessionRequest> = {}): SessionRequest {
  return { headers: {}, url: '/', ...overrides };
}
const forwarded = (proto: string | string[]) => request({ headers: { 'x-forwarded-proto': proto as string } });

describe('isSecureRequest', () => {
  it('counts a TLS socket as secure whatever the proxy setting', () => {
    const tls = request({ socket: { encrypted: true } });
    expect(isSecureRequest(tls, true)).toBe(true);
    expect(isSecureRequest(tls, false)).toBe(true);
    expect(isSecureRequest(tls, undefined)).toBe(true);
  });

  it('proxy false: only the socket counts, not the header nor req.secure', () => {
    expect(isSecureRequest(forwarded('https'), false)).toBe(false);
    expect(isSecureRequest(request({ secure: true }), false)).toBe(false);
    expect(isSecureRequest(request({ socket: {} }), false)).toBe(false);
  });

  it("proxy undefined: defers to the framework's req.secure and ignores the header", () => {
    expect(isSecureRequest(request({ secure: true }), undefined)).toBe(true);
    expect(isSecureRequest(request({ secure: false }), undefined)).toBe(false);
    expect(isSecureRequest(forwarded('https'), undefined)).toBe(false);
  });

  it.each([
    ['https', true],
    ['HTTPS', true],
    [' https ', true],
    ['https, http', true],
    ['https,http', true],
    ['http, https', false],
    ['http', false],
    ['', false],
    ['httpsx', false],
  ])('proxy true: X-Forwarded-Proto %j → %s', (proto, isSecure) => {
    expect(isSecureRequest(forwarded(proto), true)).toBe(isSecure);
  });

  it('proxy true: no header means not secure, even if req.secure says so', () => {
    expect(isSecureRequest(request({ secure: true }), true)).toBe(false);
  });

  it('proxy true: a header given as an array uses its first value', () => {
    expect(isSecureRequest(forwarded(['https', 'http']), true)).toBe(true);
    expect(isSecureRequest(forwarded(['http', 'https']), true)).toBe(false);
  });
});

describe('requestPath', () => {
  it.each([
    [{ url: '/a/b?x=1' }, '/a/b'],
    [{ url: '/a/b' }, '/a/b'],
    [{ url: '?x=1' }, '/'],
    [{ url: '' }, '/'],
    [{ url: undefined }, '/'],
    [{ url: '/inner', originalUrl: '/mounted/inner?q' }, '/mounted/inner'],
    // Absolute-form request targets (sent to proxies): express-session's parseurl reads the path.
    [{ url: 'http://example.com/a/b?x=1' }, '/a/b'],
    [{ url: 'http://example.com' }, '/'],
  ])('%j → %s', (overrides, path) => {
    expect(requestPath(request(overrides))).toBe(path);
  });
});
