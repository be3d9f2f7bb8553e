import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { cookiePair } from '../../support/e2e-app.js';
import { initSampleApp, sampleCsrfToken } from '../../support/sample-app.js';
import { PLATFORMS } from '../../support/platforms.js';

/** The sample app's Passport routes, wired as sample/app.module.ts does (the recipe of docs/passport.md). */
describe.each(PLATFORMS)('sample Passport routes (sample/auth) on $name', (platform) => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await initSampleApp(platform);
  });

  afterAll(async () => {
    await app.close();
  });

  it('logs in with a password, shows the profile, and logs out', async () => {
    const http = request(app.getHttpServer());
    const visitor = await sampleCsrfToken(app);
    await http.post('/auth/login').set('Cookie', visitor.cookie).send({ username: 'ada', password: 'wrong', _csrf: visitor.csrfToken }).expect(401);
    await http.get('/auth/profile').expect(401);
    // The sample runs with csrf: true.
    await http.post('/auth/login').set('Cookie', visitor.cookie).send({ username: 'ada', password: 'lovelace' }).expect(403);

    const login = await http.post('/auth/login').set('Cookie', visitor.cookie).send({ username: 'ada', password: 'lovelace', _csrf: visitor.csrfToken }).expect(200);
    const cookie = cookiePair(login.headers['set-cookie'])!;
    const ada = { id: 1, username: 'ada', displayName: 'Ada Lovelace' };
    expect(login.body).toEqual({ user: ada });
    expect((await http.get('/auth/profile').set('Cookie', cookie).expect(200)).body).toEqual({ user: ada });

    // Passport's login regenerated the session, and with it the CSRF secret.
    await http.post('/auth/logout').set('Cookie', cookie).set('x-csrf-token', visitor.csrfToken).expect(403);
    const { csrfToken } = await sampleCsrfToken(app, cookie);
    await http.post('/auth/logout').set('Cookie', cookie).set('x-csrf-token', csrfToken).expect(200);
    await http.get('/auth/profile').set('Cookie', cookie).expect(401);
  });
});
