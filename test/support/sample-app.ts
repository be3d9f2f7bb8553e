import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppModule } from '../../sample/app.module.js';
import { createSampleHttpAdapter } from '../../sample/http-platform.js';
import { cookiePair } from './e2e-app.js';
import type { Platform } from './platforms.js';

/** The sample app (sample/app.module.ts) as `npm run sample` builds it on `platform`, created but not started. */
export async function createSampleApp(platform: Platform): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  return moduleRef.createNestApplication(await createSampleHttpAdapter(platform.name), { logger: false });
}

/** The sample app, initialised and ready for requests without listening. */
export async function initSampleApp(platform: Platform): Promise<INestApplication> {
  const app = await createSampleApp(platform);
  await app.init();
  // Fastify answers only once its plugins are loaded (Nest's listen() does this).
  if (platform.name === 'fastify') await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  return app;
}

/**
 * A CSRF token of the session `cookie` names (a new session without one) from the sample's
 * `GET /csrf-token`, and the cookie to send with it: the sample runs with `csrf: true`.
 */
export async function sampleCsrfToken(app: INestApplication, cookie?: string): Promise<{ csrfToken: string; cookie: string }> {
  const call = request(app.getHttpServer()).get('/csrf-token').expect(200);
  const response = await (cookie ? call.set('Cookie', cookie) : call);
  return { csrfToken: (response.body as { csrfToken: string }).csrfToken, cookie: cookiePair(response.headers['set-cookie']) ?? cookie! };
}
