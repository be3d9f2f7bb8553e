import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnection } from 'node:net';

/** A response read off the socket as bytes: status, Set-Cookie values and the raw body. */
export interface RawResponse {
  status: number;
  setCookies: string[];
  body: string;
}

/** Starts listening on a free port if the server is not listening yet; returns the port. */
export async function listeningPort(server: Server): Promise<number> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

/**
 * Sends `GET path` with the Cookie header's value as raw bytes (control bytes and all, which
 * HTTP clients refuse to send) and reads the whole response. Rejects if no complete response
 * arrives within `limitMs`: a response that never ends is what the caller tests for.
 */
export function rawGet(port: number, path: string, cookieBytes: Uint8Array, limitMs = 5_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response to GET ${path} within ${limitMs} ms`));
    }, limitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const headEnd = text.indexOf('\r\n\r\n');
      const statusMatch = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (headEnd < 0 || !statusMatch) {
        reject(new Error(`no HTTP response to GET ${path}: ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const headLines = text.slice(0, headEnd).split('\r\n');
      const setCookies = headLines.filter((line) => /^set-cookie:/i.test(line)).map((line) => line.slice(line.indexOf(':') + 1).trim());
      resolve({ status: Number(statusMatch[1]), setCookies, body: text.slice(headEnd + 4) });
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nCookie: `);
    socket.write(cookieBytes);
    socket.write('\r\n\r\n');
  });
}
