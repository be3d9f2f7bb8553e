import type { IncomingHttpHeaders, OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';
import type { SessionWithData } from '../session/session-data.js';
import type { SessionStore } from '../store/session-store.js';

// `req.session`'s type is defined with the session data; the request types name it.
export type { SessionWithData };

/**
 * The parts of a request the core reads and writes: Node's IncomingMessage as Express or
 * Fastify hand it over, or a WebSocket handshake. No framework type leaks into the core.
 */
export interface SessionRequest {
  headers: IncomingHttpHeaders;
  url?: string;
  /** Express keeps the URL before mounting here; preferred over `url` for the path check. */
  originalUrl?: string;
  /** Express's verdict on the protocol, honouring `trust proxy`. */
  secure?: boolean;
  socket?: { encrypted?: boolean } | object;
  /** Set by cookie-parser; a fallback signing secret (see `secretFromRequest`). */
  secret?: string;
  session?: SessionWithData | null;
  sessionID?: string;
  sessionStore?: SessionStore;
}

/** The parts of a response the core hooks to set the cookie and save before the end. */
export interface SessionResponse {
  readonly headersSent: boolean;
  statusCode: number;
  getHeader(name: string): number | string | string[] | undefined;
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  removeHeader(name: string): void;
  writeHead(
    statusCode: number,
    statusMessage?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
    headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
  ): unknown;
  end(...args: unknown[]): unknown;
  /** Every header set so far (Node's `getHeaders`); without it a repeated `end` cannot undo later changes. */
  getHeaders?(): OutgoingHttpHeaders;
  /** Closes the connection: the last resort for a response that cannot be completed. */
  destroy?(error?: Error): unknown;
  /**
   * Adds one `Set-Cookie` value beside those already set, where the platform appends natively
   * (Fastify's reply); without it the core reads the header and sets the whole list again.
   */
  appendSetCookie?(setCookieValue: string): void;
}
