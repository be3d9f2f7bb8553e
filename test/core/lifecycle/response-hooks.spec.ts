import { jest } from '@jest/globals';
import { SessionStoreError } from '../../../lib/core/errors.js';
import type { SessionRequest } from '../../../lib/core/http/http-types.js';
import { resolveSessionOptions } from '../../../lib/core/options/resolve-options.js';
import { moveWriteHeadHeaders } from '../../../lib/core/http/response-head.js';
import type { Session } from '../../../lib/core/session/session.js';
import { SessionManager } from '../../../lib/core/management/session-manager.js';
import type { SessionOptions } from '../../../lib/core/options/session-options.js';
import { MemoryStore } from '../../../lib/stores/memory/memory-store.js';
import { cookieHeaderFrom, fakeRequest, fakeResponse } from '../../support/fake-http.js';
import type { FakeResponse } from '../../support/fake-http.js';
import { TEST_SECRET } from '../../support/test-secret.js';

const secret = TEST_SECRET;
type Data = Record<string, unknown>;

let store: MemoryStore;
let manager: SessionManager;

/** A MemoryStore whose writes are its own async methods (an override): the response waits for them. */
class WaitedMemoryStore extends MemoryStore {
  override async set(...args: Parameters<MemoryStore['set']>): Promise<boolean> {
    return super.set(...args);
  }
}

function setUp(options: Partial<SessionOptions> = {}, storeClass: typeof MemoryStore = MemoryStore): void {
  store = new storeClass({ checkPeriod: 0 });
  manager = new SessionManager(resolveSessionOptions({ secret, ...options }), store);
}

afterEach(() => manager.dispose());

const session = (request: SessionRequest) => request.session as Session & Data;

/** A cookie for a stored session with `views: 1`. */
async function storedSessionCookie(): Promise<string> {
  const request = fakeRequest();
  const response = fakeResponse();
  await manager.attach(request, response);
  session(request).views = 1;
  response.end();
  await response.finished;
  return cookieHeaderFrom(response.setCookies()[0]!);
}

function breakCookie(request: SessionRequest): void {
  Object.defineProperty(request.session!.cookie, 'serialize', {
    value: () => {
      throw new TypeError('cannot serialize');
    },
  });
}

describe('hookResponse: failures after the handler', () => {
  it('a cookie that throws with nothing to wait for: end() does not throw, the error handler runs once, later', async () => {
    setUp({ rolling: true });
    const cookie = await storedSessionCookie();
    // A store without touch: an unchanged session is not written, so nothing is waited for.
    Object.defineProperty(store, 'touch', { value: undefined });
    const request = fakeRequest(cookie);
    const response = fakeResponse();
    const onCommitError = jest.fn((_error: unknown, finish: (body?: string) => void) => finish('error body'));
    await manager.attach(request, response, onCommitError);
    breakCookie(request);
    expect(() => response.end('body')).not.toThrow();
    expect(onCommitError).not.toHaveBeenCalled();
    expect(await response.finished).toEqual(['error body']);
    expect(onCommitError).toHaveBeenCalledTimes(1);
    expect(onCommitError.mock.calls[0]![0]).toBeInstanceOf(TypeError);
    expect(response.setCookies()).toEqual([]);
  });

  it('a cookie that throws after the save: the error handler gets it, no cookie goes out', async () => {
    setUp();
    const request = fakeRequest();
    const response = fakeResponse();
    const onCommitError = jest.fn((_error: unknown, finish: (body?: string) => void) => finish('error body'));
    await manager.attach(request, response, onCommitError);
    session(request).views = 1;
    breakCookie(request);
    response.end('body');
    expect(await response.finished).toEqual(['error body']);
    expect(onCommitError).toHaveBeenCalledTimes(1);
    expect(response.setCookies()).toEqual([]);
  });

  it('an error handler that throws still lets the response end, as a 500', async () => {
    setUp();
    jest.spyOn(store, 'set').mockRejectedValueOnce(new Error('write failed'));
    const request = fakeRequest();
    const response = fakeResponse();
    await manager.attach(request, response, () => {
      throw new Error('the error handler is broken too');
    });
    session(request).views = 1;
    response.end('body');
    expect(await response.finished).toEqual(['body']);
    expect(response.statusCode).toBe(500);
  });

  it('a store failure reaches the error handler as a SessionStoreError', async () => {
    setUp();
    const cookie = await storedSessionCookie();
    jest.spyOn(store, 'touch').mockImplementationOnce(() => {
      throw new Error('touch exploded synchronously');
    });
    const request = fakeRequest(cookie);
    const response = fakeResponse();
    const onCommitError = jest.fn((_error: unknown, finish: (body?: string) => void) => finish());
    await manager.attach(request, response, onCommitError);
    response.end('body');
    await response.finished;
    expect(onCommitError.mock.calls[0]![0]).toBeInstanceOf(SessionStoreError);
  });

  it('a cookie that throws inside a head the handler writes itself goes out without the cookie, and is reported at the end', async () => {
    setUp();
    const request = fakeRequest();
    const response = fakeResponse();
    const onCommitError = jest.fn((_error: unknown, finish: (body?: string) => void) => finish());
    await manager.attach(request, response, onCommitError);
    session(request).views = 1;
    breakCookie(request);
    expect(() => response.writeHead(200)).not.toThrow();
    response.end('body');
    expect(await response.finished).toEqual(['body']);
    expect(onCommitError).toHaveBeenCalledTimes(1);
    expect(response.setCookies()).toEqual([]);
    // The session was not saved: a cookie for it never went out.
    expect(await store.length()).toBe(0);
  });
});

describe('hookResponse: end called again while the store is waited for', () => {
  it('keeps the status and headers of the first end, and its body', async () => {
    setUp({}, WaitedMemoryStore);
    const request = fakeRequest();
    const response: FakeResponse = fakeResponse();
    await manager.attach(request, response);
    session(request).views = 1;
    response.setHeader('Content-Length', '5');
    response.end('first');
    response.statusCode = 500;
    response.setHeader('Content-Length', '40');
    response.setHeader('X-Late', 'yes');
    response.end('a second and longer body, ignored');
    expect(await response.finished).toEqual(['first']);
    expect(response.statusCode).toBe(200);
    expect(response.getHeader('content-length')).toBe('5');
    expect(response.getHeader('x-late')).toBeUndefined();
    expect(response.setCookies()).toHaveLength(1);
  });
});

describe('hookResponse with a store that answers in this process (MemoryStore)', () => {
  it('ends the response within end(): the session saved, the cookie set, nothing waited for', async () => {
    setUp();
    const request = fakeRequest();
    const response = fakeResponse();
    await manager.attach(request, response);
    session(request).views = 1;
    response.end('body');
    // Read before any await: the store answered and the cookie was set before end() returned.
    expect(response.setCookies()).toHaveLength(1);
    expect(await response.finished).toEqual(['body']);
    expect(await store.length()).toBe(1);
  });

  it('waits for the store when its writes are overridden, and saves the same way', async () => {
    setUp({}, WaitedMemoryStore);
    const request = fakeRequest();
    const response = fakeResponse();
    await manager.attach(request, response);
    session(request).views = 1;
    response.end('body');
    expect(response.setCookies()).toHaveLength(0);
    expect(await response.finished).toEqual(['body']);
    expect(response.setCookies()).toHaveLength(1);
    expect(await store.length()).toBe(1);
  });
});

describe('moveWriteHeadHeaders', () => {
  it.each([
    ['an object', [200, { 'Set-Cookie': 'app=1', 'X-A': '1' }], [200], ['app=1']],
    ['a message and an object with an array value', [201, 'Created', { 'Set-Cookie': ['a=1', 'b=2'] }], [201, 'Created'], ['a=1', 'b=2']],
    ['a flat list repeating a name', [200, ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']], [200], ['a=1', 'b=2']],
  ])('applies %s through setHeader and leaves the status for writeHead', (_label, args, rest, cookies) => {
    const response = fakeResponse();
    response.setHeader('Set-Cookie', 'earlier=0');
    expect(moveWriteHeadHeaders(response, args)).toEqual(rest);
    // Node's rule: headers given to writeHead replace earlier values of the same name.
    expect(response.setCookies()).toEqual(cookies);
  });

  it('leaves an odd-length list to Node, which rejects it', () => {
    const response = fakeResponse();
    const args = [200, ['Set-Cookie']];
    expect(moveWriteHeadHeaders(response, args)).toBe(args);
  });
});
