import request from 'supertest';
import { Controller, Get } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SessionStateError, SessionStore, UserSessions, unsignSessionId } from '../../../lib/index.js';
import { sessionCookie } from '../../../lib/testing.js';
import { createSessionApp, sessionIdOf, TEST_SECRET } from '../../support/e2e-app.js';
import { createUserSessionsApp } from '../../support/user-sessions-app.js';
import { PLATFORMS } from '../../support/platforms.js';

describe.each(PLATFORMS)('nest-sessions/testing: sessionCookie(app, data) on $name', (platform) => {
  it("starts a test signed in: the session is in the app's store and the guard lets it through", async () => {
    const { app, http } = await createUserSessionsApp(platform);
    try {
      const cookie = await sessionCookie(app, { userId: 'ada', cart: ['tea'] });
      await http.get('/me').set('Cookie', cookie).expect(200, { userId: 'ada' });
      expect(await app.get(SessionStore).get(sessionIdOf(cookie))).toMatchObject({ userId: 'ada', cart: ['tea'] });
      // Recorded like any saved session: UserSessions lists it.
      const [listed] = await app.get(UserSessions).list('ada');
      expect(listed!.handle).toBe(app.get(UserSessions).handleOf({ id: sessionIdOf(cookie) }));
    } finally {
      await app.close();
    }
  });

  it("follows the app's cookie name, path and first secret", async () => {
    const app = await createSessionApp(platform, { name: 'app.sid', secret: ['new-secret-long-enough', TEST_SECRET], cookie: { path: '/api' } });
    try {
      const cookie = await sessionCookie(app, { userId: 'grace' });
      expect(cookie).toMatch(/^app\.sid=s%3A/);
      const signed = decodeURIComponent(cookie.slice('app.sid='.length));
      expect(unsignSessionId(signed, ['new-secret-long-enough'])).toBe(sessionIdOf(cookie));
    } finally {
      await app.close();
    }
  });

  it('keeps the creation time with absoluteTimeout, and ignores keys that name session methods', async () => {
    const app = await createSessionApp(platform, { absoluteTimeout: 60_000 });
    try {
      const cookie = await sessionCookie(app, { userId: 'ken', save: 'not a method', cookie: 'no' } as never);
      const stored = await app.get(SessionStore).get(sessionIdOf(cookie));
      expect(typeof stored!.cookie.createdAt).toBe('number');
      expect(stored).not.toHaveProperty('save');
      await request(app.getHttpServer()).get('/peek').set('Cookie', cookie).expect(200).expect((response) => {
        expect(response.body).toMatchObject({ userId: 'ken', sessionId: sessionIdOf(cookie) });
      });
    } finally {
      await app.close();
    }
  });

  it('says what is missing: SessionModule, or a secret of its own', async () => {
    @Controller()
    class EmptyController {
      @Get()
      nothing() {
        return {};
      }
    }
    const moduleRef = await Test.createTestingModule({ controllers: [EmptyController] }).compile();
    const bare = moduleRef.createNestApplication({ logger: false });
    await bare.init();
    await expect(sessionCookie(bare, {})).rejects.toThrow(/imports SessionModule/);
    await bare.close();
    const app = await createSessionApp(platform, { secret: undefined, secretFromRequest: true });
    await expect(sessionCookie(app, {})).rejects.toThrow(SessionStateError);
    await app.close();
  });
});
