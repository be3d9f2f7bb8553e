import { isSecureRequest, requestOrigin, requestPath } from '../../../lib/core/http/request-security.js';
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

describe('requestOrigin: the origin a request was sent to, for the CSRF check', () => {
  it('takes the scheme from isSecureRequest and the host from Host, as browsers write Origin', () => {
    expect(requestOrigin(request({ headers: { host: 'Shop.Example:8080' } }), undefined)).toBe('http://shop.example:8080');
    expect(requestOrigin(request({ headers: { host: 'shop.example:443' }, secure: true }), undefined)).toBe('https://shop.example');
    expect(requestOrigin(request({ headers: { host: 'shop.example' }, socket: { encrypted: true } }), false)).toBe('https://shop.example');
  });

  it('reads X-Forwarded-Host and X-Forwarded-Proto only when the proxy is trusted', () => {
    const proxied = request({ headers: { host: 'internal:3000', 'x-forwarded-host': 'shop.example, other', 'x-forwarded-proto': 'https' } });
    expect(requestOrigin(proxied, true)).toBe('https://shop.example');
    expect(requestOrigin(proxied, false)).toBe('http://internal:3000');
    expect(requestOrigin(proxied, undefined)).toBe('http://internal:3000');
  });

  it('stays right for many hosts (its cache of parsed origins is bounded)', () => {
    for (let index = 0; index < 300; index += 1) {
      expect(requestOrigin(request({ headers: { host: `host-${index}.example:${1000 + index}` } }), undefined)).toBe(`http://host-${index}.example:${1000 + index}`);
    }
    expect(requestOrigin(request({ headers: { host: 'host-1.example:1001' } }), undefined)).toBe('http://host-1.example:1001');
  });

  it.each([undefined, '', 'a b', 'shop.example/path', 'user@shop.example', 'shop.example?x', '[::1'])('is undefined for the Host %p', (host) => {
    expect(requestOrigin(request({ headers: host === undefined ? {} : { host } }), undefined)).toBeUndefined();
  });
});
