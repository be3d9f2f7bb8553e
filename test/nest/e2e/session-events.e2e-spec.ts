import { jest } from '@jest/globals';
import expressSession from 'express-session';
import { SESSION_CHANNELS, UserSessions } from '../../../lib/index.js';
import { sessionCookie } from '../../../lib/testing.js';
import request from 'supertest';
import { newBackingStore } from '../../support/backing-store.js';
import { cookiePair, createSessionApp, sessionIdOf } from '../../support/e2e-app.js';
import { recordSessionEvents } from '../../support/session-events.js';
import { createUserSessionsApp } from '../../support/user-sessions-app.js';
import { PLATFORMS } from '../../support/platforms.js';

describe.each(PLATFORMS)('lifecycle events on node:diagnostics_channel on $name', (platform) => {
  let recorder: ReturnType<typeof recordSessionEvents> | undefined;

  afterEach(() => {
    recorder?.stop();
    recorder = undefined;
    jest.restoreAllMocks();
  });

  it('publishes created, loaded, touched, saved, regenerated, destroyed and revoked with handles and owners, never ids', async () => {
    const { app, http, login } = await createUserSessionsApp(platform, { store: newBackingStore(), cookie: { maxAge: 60_000 } });
    try {
      const handleOf = (sessionId: string) => app.get(UserSessions).handleOf({ id: sessionId });
      recorder = recordSessionEvents();
      const { events } = recorder;

      const anonymous = await http.get('/views').expect(200);
      const anonymousId = anonymous.body.sessionId as string;
      expect(events).toEqual([{ event: 'created', payload: { sessionHandle: handleOf(anonymousId) } }]);

      events.length = 0;
      const login1 = await http.post('/login?user=ada').set('Cookie', cookiePair(anonymous.headers['set-cookie'])!).expect(200);
      const adaId = sessionIdOf(cookiePair(login1.headers['set-cookie'])!);
      expect(events).toEqual([
        { event: 'loaded', payload: { sessionHandle: handleOf(anonymousId) } },
        { event: 'regenerated', payload: { sessionHandle: handleOf(adaId), previousSessionHandle: handleOf(anonymousId) } },
        { event: 'created', payload: { sessionHandle: handleOf(adaId), ownerId: 'ada' } },
      ]);

      const adaCookie = cookiePair(login1.headers['set-cookie'])!;
      events.length = 0;
      await http.get('/me').set('Cookie', adaCookie).expect(200);
      await http.get('/views').set('Cookie', adaCookie).expect(200);
      const ada = { sessionHandle: handleOf(adaId), ownerId: 'ada' };
      expect(events).toEqual([
        { event: 'loaded', payload: ada },
        { event: 'touched', payload: ada },
        { event: 'loaded', payload: ada },
        { event: 'saved', payload: ada },
      ]);

      events.length = 0;
      await http.post('/logout').set('Cookie', adaCookie).expect(200);
      expect(events).toEqual([
        { event: 'loaded', payload: ada },
        { event: 'destroyed', payload: { ...ada, reason: 'destroy' } },
      ]);

      const phone = await login('grace');
      events.length = 0;
      await app.get(UserSessions).revokeAll('grace');
      expect(events).toEqual([{ event: 'revoked', payload: { sessionHandle: handleOf(phone.sessionId), ownerId: 'grace' } }]);

      const everything = JSON.stringify(recorder.events);
      for (const sessionId of [anonymousId, adaId, phone.sessionId]) expect(everything).not.toContain(sessionId);
    } finally {
      await app.close();
    }
  });

  it('publishes regenerated only when a stored session was replaced: not at the login of a new visitor', async () => {
    const { app, http } = await createUserSessionsApp(platform, { store: newBackingStore() });
    try {
      recorder = recordSessionEvents();
      const login = await http.post('/login?user=ada').expect(200);
      const adaId = sessionIdOf(cookiePair(login.headers['set-cookie'])!);
      const handleOf = (sessionId: string) => app.get(UserSessions).handleOf({ id: sessionId });
      expect(recorder.events).toEqual([{ event: 'created', payload: { sessionHandle: handleOf(adaId), ownerId: 'ada' } }]);
    } finally {
      await app.close();
    }
  });

  it('reports why a session was destroyed: unset and absolute timeout', async () => {
    const { app, http } = await createUserSessionsApp(platform, { unset: 'destroy', absoluteTimeout: 60_000 });
    try {
      recorder = recordSessionEvents();
      const cookie = await sessionCookie(app, { userId: 'ken' });
      let now = Date.now();
      jest.spyOn(Date, 'now').mockImplementation(() => now);
      now += 61_000;
      recorder.events.length = 0;
      await http.get('/views').set('Cookie', cookie).expect(200);
      expect(recorder.events[0]).toEqual({
        event: 'destroyed',
        payload: { sessionHandle: app.get(UserSessions).handleOf({ id: sessionIdOf(cookie) }), ownerId: 'ken', reason: 'absolute-timeout' },
      });
    } finally {
      await app.close();
    }
    jest.restoreAllMocks();
    const unsetApp = await createSessionApp(platform, { unset: 'destroy' });
    try {
      const cookie = await sessionCookie(unsetApp, { userId: 'dennis' });
      recorder.events.length = 0;
      await request(unsetApp.getHttpServer()).post('/unset').set('Cookie', cookie).expect(200);
      expect(recorder.events).toEqual([
        { event: 'loaded', payload: { sessionHandle: unsetApp.get(UserSessions).handleOf({ id: sessionIdOf(cookie) }), ownerId: 'dennis' } },
        // req.session is gone by then: the owner is not known.
        { event: 'destroyed', payload: { sessionHandle: unsetApp.get(UserSessions).handleOf({ id: sessionIdOf(cookie) }), reason: 'unset' } },
      ]);
    } finally {
      await unsetApp.close();
    }
  });

  it('builds no payload without subscribers (the owner function is not even called)', async () => {
    const sessionOwner = jest.fn((session: { userId?: string }) => session.userId);
    // An express-session store keeps no owner index, so only events would ask for the owner.
    const { app, http, login } = await createUserSessionsApp(platform, { store: new expressSession.MemoryStore(), sessionOwner });
    try {
      const device = await login('ada');
      await http.get('/me').set('Cookie', device.cookie).expect(200);
      expect(sessionOwner).not.toHaveBeenCalled();
      recorder = recordSessionEvents();
      await http.get('/me').set('Cookie', device.cookie).expect(200);
      expect(sessionOwner).toHaveBeenCalled();
      expect(recorder.events.map((recorded) => recorded.event)).toEqual(['loaded', 'touched']);
    } finally {
      await app.close();
    }
  });

  it('names its channels nest-sessions:session:<event>', () => {
    expect(Object.values(SESSION_CHANNELS)).toEqual([
      'nest-sessions:session:created',
      'nest-sessions:session:loaded',
      'nest-sessions:session:saved',
      'nest-sessions:session:touched',
      'nest-sessions:session:regenerated',
      'nest-sessions:session:rotated',
      'nest-sessions:session:destroyed',
      'nest-sessions:session:revoked',
      'nest-sessions:session:csrf-refused',
      'nest-sessions:session:unreadable',
    ]);
  });
});
