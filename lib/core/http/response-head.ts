import type { OutgoingHttpHeaders } from 'node:http';
import type { SessionResponse } from './http-types.js';

/** A response's status and headers at one moment. */
export interface ResponseHeadSnapshot {
  statusCode: number;
  headers: OutgoingHttpHeaders;
}

/** The head now; `statusCode` is the response's, read by the caller (each read of a response's property costs). */
export function snapshotResponseHead(response: SessionResponse, statusCode: number): ResponseHeadSnapshot | undefined {
  const getHeaders = response.getHeaders;
  return getHeaders ? { statusCode, headers: getHeaders.call(response) } : undefined;
}

/** Puts the status and headers back as they were in `snapshot`. */
export function restoreResponseHead(response: SessionResponse, snapshot: ResponseHeadSnapshot): void {
  response.statusCode = snapshot.statusCode;
  for (const name of Object.keys(response.getHeaders!())) {
    if (!(name in snapshot.headers)) response.removeHeader(name);
  }
  for (const [name, value] of Object.entries(snapshot.headers)) {
    if (value !== undefined) response.setHeader(name, value as string | number | readonly string[]);
  }
}

/**
 * `writeHead(status, [message,] headers)` with the headers applied through `setHeader` first,
 * by Node's own rules (they replace earlier values of the same names; a flat
 * `[name, value, …]` list may repeat a name), as on-headers does for express-session. The
 * session's Set-Cookie, added afterwards, then joins the handler's instead of being replaced
 * by it. Returns the arguments left for the real writeHead.
 */
export function moveWriteHeadHeaders(response: SessionResponse, args: unknown[]): unknown[] {
  const [statusCode, messageOrHeaders, headersAfterMessage] = args;
  const hasMessage = typeof messageOrHeaders === 'string';
  const headers = hasMessage ? headersAfterMessage : messageOrHeaders;
  if (typeof headers !== 'object' || headers === null) return args;
  if (Array.isArray(headers)) {
    // An odd-length list is invalid: left to Node, which throws.
    if (headers.length % 2 !== 0) return args;
    for (let index = 0; index < headers.length; index += 2) response.removeHeader(String(headers[index]));
    for (let index = 0; index < headers.length; index += 2) {
      if (headers[index]) appendHeader(response, String(headers[index]), headers[index + 1]);
    }
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
      if (name) response.setHeader(name, value as string);
    }
  }
  return hasMessage ? [statusCode, messageOrHeaders] : [statusCode];
}

function appendHeader(response: SessionResponse, name: string, value: unknown): void {
  const existing = response.getHeader(name);
  if (existing === undefined) response.setHeader(name, value as string);
  else response.setHeader(name, (Array.isArray(existing) ? existing : [String(existing)]).concat(value as string | string[]));
}
