import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { AppModule } from '../../sample/app.module.js';

/** The sample app (sample/app.module.ts) as `npm run sample` builds it, created but not started. */
export async function createSampleApp(): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  return moduleRef.createNestApplication({ logger: false });
}
