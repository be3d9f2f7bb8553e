import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { AppModule } from '../../sample/app.module.js';
import { createSampleHttpAdapter } from '../../sample/http-platform.js';
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
