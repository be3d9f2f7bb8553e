import type { SessionRequest } from './http-types.js';

/**
 * Whether the request arrived over HTTPS, with express-session's rules: a TLS socket always
 * counts; `trustProxy === false` stops there; `true` trusts the first `X-Forwarded-Proto`;
 * undefined defers to the framework's `req.secure` (Express's `trust proxy` setting).
 */
export function isSecureRequest(request: SessionRequest, trustProxy: boolean | undefined): boolean {
  const socket = request.socket as { encrypted?: boolean } | undefined;
  if (socket?.encrypted) return true;
  if (trustProxy === false) return false;
  if (trustProxy !== true) return request.secure === true;
  const header = request.headers['x-forwarded-proto'];
  const forwardedProto = Array.isArray(header) ? header[0] : header;
  if (!forwardedProto) return false;
  const firstProto = forwardedProto.split(',', 1)[0]!.trim().toLowerCase();
  return firstProto === 'https';
}

/** The request's path without the query string, for the cookie-path check. */
export function requestPath(request: SessionRequest): string {
  const url = request.originalUrl ?? request.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  // An absolute-form target (`GET http://host/path`, as sent to proxies): parseurl, which
  // express-session uses, reads the path out of it.
  if (ABSOLUTE_URL.test(path)) return URL.canParse(path) ? new URL(path).pathname : '/';
  return path || '/';
}

const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The origin the request was sent to, as a browser writes it in `Origin` (`https://host:port`,
 * lower case, no default port), for the CSRF check: the scheme by `isSecureRequest`, the host
 * from `Host` (`X-Forwarded-Host` when `trustProxy` is true). Undefined without a usable host.
 */
export function requestOrigin(request: SessionRequest, trustProxy: boolean | undefined): string | undefined {
  const forwardedHost = trustProxy === true ? firstHeaderValue(request.headers['x-forwarded-host']) : undefined;
  const host = forwardedHost || firstHeaderValue(request.headers.host);
  if (!host) return undefined;
  const text = `${isSecureRequest(request, trustProxy) ? 'https' : 'http'}://${host}`;
  let origin = parsedOrigins.get(text);
  if (origin === undefined && !parsedOrigins.has(text)) {
    // The Host comes from the client: the cache is bounded, and emptied when full.
    if (parsedOrigins.size >= MAX_PARSED_ORIGINS) parsedOrigins.clear();
    parsedOrigins.set(text, (origin = originOfHostUrl(text)));
  }
  return origin;
}

/** An application answers to a few hosts: their origins, parsed once. */
const parsedOrigins = new Map<string, string | undefined>();
const MAX_PARSED_ORIGINS = 64;

function originOfHostUrl(text: string): string | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  // A Host with a path, credentials or a query is no host at all.
  return url.pathname === '/' && !url.username && !url.search && !url.hash ? url.origin : undefined;
}

function firstHeaderValue(value: string | string[] | undefined): string | undefined {
  const single = Array.isArray(value) ? value[0] : value;
  return single?.split(',', 1)[0]!.trim();
}
