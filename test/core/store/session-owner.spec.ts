import { jest } from '@jest/globals';
import { defaultSessionOwner, resolveSessionOptions, SessionOptionsError } from '../../../lib/index.js';
import { ACTIVITY_INTERVAL_MS, noteActivity } from '../../../lib/core/lifecycle/session-activity.js';
import { setSessionTransport } from '../../../lib/core/lifecycle/request-state.js';
import { sessionHandle } from '../../../lib/core/session/session-handle.js';
import { ownerOfSession, resolveOwnerOptions } from '../../../lib/core/store/session-owner-index.js';
import type { SessionRequest } from '../../../lib/index.js';
import { TEST_SECRET } from '../../support/test-secret.js';

describe('session owners', () => {
  it('defaults to session.userId when it is a non-empty string or a finite number', () => {
    expect(defaultSessionOwner({ userId: 'ada' } as never)).toBe('ada');
    expect(defaultSessionOwner({ userId: 42 } as never)).toBe('42');
    for (const userId of [undefined, null, '', Number.NaN, { id: 1 }, ['a']]) {
      expect(defaultSessionOwner({ userId } as never)).toBeUndefined();
    }
  });

  it('treats a resolver that throws or answers a non-string as "no owner"', () => {
    expect(ownerOfSession({}, () => { throw new Error('bug'); })).toBeUndefined();
    expect(ownerOfSession({}, () => ({ id: 1 }) as never)).toBeUndefined();
    expect(ownerOfSession({}, () => 7 as never)).toBe('7');
  });

  it('validates the options', () => {
    expect(() => resolveOwnerOptions({ sessionOwner: 'userId' })).toThrow(SessionOptionsError);
    expect(() => resolveOwnerOptions({ trackClient: 'yes' })).toThrow(/trackClient/);
    const resolved = resolveSessionOptions({ secret: TEST_SECRET, sessionOwner: (session) => String(session.id), trackClient: true });
    expect(resolved.trackClient).toBe(true);
    expect(resolveSessionOptions({ secret: TEST_SECRET }).sessionOwner).toBe(defaultSessionOwner);
  });
});

describe('session activity', () => {
  const options = resolveOwnerOptions({});
  const request = { headers: { 'user-agent': 'x'.repeat(1000) }, ip: '10.0.0.1' } as SessionRequest & { ip: string };

  it('renews lastActiveAt only when it is a minute old, keeping createdAt', () => {
    const data: Record<string, unknown> = { userId: 'ada' };
    expect(noteActivity(data, request, options, undefined, 1_000)).toBe('ada');
    expect(data.__activity).toEqual({ createdAt: 1_000, lastActiveAt: 1_000 });
    noteActivity(data, request, options, undefined, 1_000 + ACTIVITY_INTERVAL_MS - 1);
    expect(data.__activity).toEqual({ createdAt: 1_000, lastActiveAt: 1_000 });
    noteActivity(data, request, options, undefined, 1_000 + ACTIVITY_INTERVAL_MS);
    expect(data.__activity).toEqual({ createdAt: 1_000, lastActiveAt: 1_000 + ACTIVITY_INTERVAL_MS });
  });

  it('reads the clock only for an owned session, and when no time is given', () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(7_000);
    try {
      const unowned: Record<string, unknown> = { theme: 'dark' };
      expect(noteActivity(unowned, request, options)).toBeUndefined();
      expect(now).not.toHaveBeenCalled();
      const owned: Record<string, unknown> = { userId: 'ada' };
      expect(noteActivity(owned, request, options)).toBe('ada');
      expect(owned.__activity).toEqual({ createdAt: 7_000, lastActiveAt: 7_000 });
      expect(now).toHaveBeenCalledTimes(1);
    } finally {
      now.mockRestore();
    }
  });

  it('takes createdAt from the cookie when known, and drops the record when the owner is gone', () => {
    const data: Record<string, unknown> = { userId: 'ada' };
    noteActivity(data, request, options, 500, 1_000);
    expect(data.__activity).toEqual({ createdAt: 500, lastActiveAt: 1_000 });
    delete data.userId;
    expect(noteActivity(data, request, options, 500, 2_000)).toBeUndefined();
    expect(data).not.toHaveProperty('__activity');
  });

  it("records a header client's transport at once, and reads a record without one as a cookie's", () => {
    const data: Record<string, unknown> = { userId: 'ada' };
    const cookieRequest: SessionRequest = { headers: {}, url: '/' };
    setSessionTransport(cookieRequest, 'cookie', false);
    noteActivity(data, cookieRequest, options, undefined, 1_000);
    // A cookie session's record is as it was before transports were kept.
    expect(data.__activity).toEqual({ createdAt: 1_000, lastActiveAt: 1_000 });
    const headerRequest: SessionRequest = { headers: {}, url: '/' };
    setSessionTransport(headerRequest, 'header', true);
    noteActivity(data, headerRequest, options, undefined, 2_000);
    expect(data.__activity).toEqual({ createdAt: 1_000, lastActiveAt: 2_000, transport: 'header' });
    noteActivity(data, headerRequest, options, undefined, 3_000);
    expect(data.__activity).toEqual({ createdAt: 1_000, lastActiveAt: 2_000, transport: 'header' });
    noteActivity(data, cookieRequest, options, undefined, 4_000);
    expect(data.__activity).toEqual({ createdAt: 1_000, lastActiveAt: 4_000 });
    // Without a request (the testing helper), the transport recorded stays.
    const headerData: Record<string, unknown> = { userId: 'ada', __activity: { createdAt: 1, lastActiveAt: 1, transport: 'header' } };
    noteActivity(headerData, undefined, options, undefined, 1 + ACTIVITY_INTERVAL_MS);
    expect(headerData.__activity).toEqual({ createdAt: 1, lastActiveAt: 1 + ACTIVITY_INTERVAL_MS, transport: 'header' });
  });

  it('keeps the client (user agent bounded) only with trackClient, and ignores a malformed record', () => {
    const data: Record<string, unknown> = { userId: 'ada', __activity: 'garbage' };
    noteActivity(data, request, resolveOwnerOptions({ trackClient: true }), undefined, 1_000);
    expect(data.__activity).toEqual({ createdAt: 1_000, lastActiveAt: 1_000, userAgent: 'x'.repeat(256), ip: '10.0.0.1' });
  });
});

describe('session handles', () => {
  it('are stable, short, keyed by the first secret, and never contain the id', () => {
    const sessionId = 'a-session-id-that-is-a-credential';
    const handle = sessionHandle(sessionId, ['first', 'second']);
    expect(handle).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(sessionHandle(sessionId, ['first'])).toBe(handle);
    expect(sessionHandle(sessionId, ['other'])).not.toBe(handle);
    expect(sessionHandle('another-id', ['first'])).not.toBe(handle);
    expect(sessionHandle(sessionId, undefined)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(handle).not.toContain(sessionId.slice(0, 6));
  });
});
