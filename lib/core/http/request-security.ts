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
