import { sign } from 'cookie-signature';
import { resolveSessionOptions } from '../../../lib/core/options/resolve-options.js';
import type { Session } from '../../../lib/core/session/session.js';
import { SessionManager } from '../../../lib/core/management/session-manager.js';
import { MemoryStore } from '../../../lib/stores/memory/memory-store.js';
import { fakeRequest } from '../../support/fake-http.js';
import { TEST_SECRET } from '../../support/test-secret.js';

const secret = TEST_SECRET;
const signedCookie = (sessionId: string) => `connect.sid=${encodeURIComponent('s:' + sign(sessionId, secret))}`;

/** attach() without a response (a WebSocket message), then commit() by the same rules. */
describe('SessionManager without a response', () => {
  let store: MemoryStore;
  let manager: SessionManager;

  beforeEach(async () => {
    store = new MemoryStore({ checkPeriod: 0 });
    manager = new SessionManager(resolveSessionOptions({ secret }), store);
    await store.set('known', { cookie: { originalMaxAge: null }, views: 1 });
  });

  afterEach(() => manager.dispose());

  it('loads the stored session the cookie names and tells it apart from a new one', async () => {
    const known = fakeRequest(signedCookie('known'));
    await manager.attach(known);
    expect(manager.isStoredSession(known)).toBe(true);
    expect((known.session as Session & { views: number }).views).toBe(1);

    const unknown = fakeRequest(signedCookie('unknown'));
    await manager.attach(unknown);
    expect(manager.isStoredSession(unknown)).toBe(false);

    const anonymous = fakeRequest();
    await manager.attach(anonymous);
    expect(manager.isStoredSession(anonymous)).toBe(false);
  });

  it('commit() saves a changed session as an update, and does nothing twice', async () => {
    const request = fakeRequest(signedCookie('known'));
    await manager.attach(request);
    (request.session as Session & { views: number }).views = 2;
    await manager.commit(request);
    expect(await store.get('known')).toMatchObject({ views: 2 });
    (request.session as Session & { views: number }).views = 3;
    await manager.commit(request);
    expect(await store.get('known')).toMatchObject({ views: 2 });
  });

  it('commit() of an untouched new session stores nothing', async () => {
    const request = fakeRequest();
    await manager.attach(request);
    await manager.commit(request);
    expect(await store.length()).toBe(1);
  });

  it('commit() after destroy() does not bring the session back', async () => {
    const request = fakeRequest(signedCookie('known'));
    await manager.attach(request);
    const session = request.session as Session & { views: number };
    await session.destroy();
    session.views = 9;
    await manager.commit(request);
    expect(await store.get('known')).toBeUndefined();
  });
});
