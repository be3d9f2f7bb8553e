import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { cookiePair, createSessionApp } from '../support/e2e-app.js';

describe('smoke', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createSessionApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('counts views in the session across requests', async () => {
    const first = await request(app.getHttpServer()).get('/views').expect(200);
    expect(first.body.views).toBe(1);
    const cookie = cookiePair(first.headers['set-cookie']);
    expect(cookie).toMatch(/^connect\.sid=s%3A/);
    const second = await request(app.getHttpServer()).get('/views').set('Cookie', cookie!).expect(200);
    expect(second.body).toEqual({ views: 2, sessionId: first.body.sessionId });
  });
});
