import type { SessionRequest, SessionResponse } from '../../lib/core/http/http-types.js';

/** A response that keeps headers as Node's does and records how it ended. */
export interface FakeResponse extends SessionResponse {
  headersSent: boolean;
  /** Resolves with the arguments of the real `end` once the session commit let it through. */
  readonly finished: Promise<unknown[]>;
  /** The Set-Cookie values sent, as an array. */
  setCookies(): string[];
}

export function fakeRequest(cookieHeader?: string, overrides: Partial<SessionRequest> = {}): SessionRequest {
  return { headers: cookieHeader === undefined ? {} : { cookie: cookieHeader }, url: '/', ...overrides };
}

export function fakeResponse(): FakeResponse {
  const headers = new Map<string, number | string | readonly string[]>();
  let resolveFinished!: (args: unknown[]) => void;
  const finished = new Promise<unknown[]>((resolve) => (resolveFinished = resolve));
  const response: FakeResponse = {
    headersSent: false,
    statusCode: 200,
    finished,
    getHeader: (name) => headers.get(name.toLowerCase()) as string | string[] | undefined,
    setHeader: (name, value) => headers.set(name.toLowerCase(), value),
    removeHeader: (name) => void headers.delete(name.toLowerCase()),
    getHeaders: () => Object.fromEntries(headers) as ReturnType<NonNullable<SessionResponse['getHeaders']>>,
    writeHead(this: FakeResponse) {
      this.headersSent = true;
      return this;
    },
    // As Node's ServerResponse#end: writes the head implicitly (through the hooked writeHead).
    end(this: FakeResponse, ...args: unknown[]) {
      if (!this.headersSent) this.writeHead(this.statusCode);
      resolveFinished(args);
      return this;
    },
    setCookies() {
      const value = headers.get('set-cookie');
      if (value === undefined) return [];
      return Array.isArray(value) ? [...value] : [String(value)];
    },
  };
  return response;
}

/** The `Cookie` request header a browser sends back for a Set-Cookie value. */
export function cookieHeaderFrom(setCookie: string): string {
  return setCookie.split(';', 1)[0]!;
}
