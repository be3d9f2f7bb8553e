import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { MemoryStore, SessionStore } from '../../../lib/index.js';
import { PostgresStore } from '../../../lib/postgres.js';
import { backingStoreName, isBackedByPostgres } from '../../support/backing-store.js';
import { cookiePair, createSessionApp } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { PLATFORMS } from '../../support/platforms.js';

/**
 * The harness of the e2e runs (jest.config.js): in the "e2e on PostgreSQL" project the test apps
 * really keep their sessions in PostgreSQL, in the other on the MemoryStore; and every suite
 * left out of the PostgreSQL run still exists under the name the exclusion gives.
 */
describe.each(PLATFORMS)(`the test apps' store (${backingStoreName()}) on $name`, (platform) => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('is the backing store when the app chooses none, and keeps the session there', async () => {
    app = await createSessionApp(platform);
    const store = app.get(SessionStore);
    expect(store).toBeInstanceOf(isBackedByPostgres() ? PostgresStore : MemoryStore);
    const first = await request(app.getHttpServer()).get('/views').expect(200);
    const second = await request(app.getHttpServer()).get('/views').set('Cookie', cookiePair(first.headers['set-cookie'])!).expect(200);
    expect(second.body.views).toBe(2);
    expect(await store.get(first.body.sessionId)).toMatchObject({ views: 2 });
    if (store instanceof PostgresStore) {
      const { rows } = await store.pool.query(`SELECT sess FROM ${store.tableName} WHERE sid = $1`, [first.body.sessionId]);
      expect(rows).toHaveLength(1);
    }
  });

  it('is inside the InstrumentedStore, and the memoryStore options still choose the MemoryStore', async () => {
    expect(new InstrumentedStore().inner).toBeInstanceOf(isBackedByPostgres() ? PostgresStore : MemoryStore);
    app = await createSessionApp(platform, { memoryStore: { max: 2 } });
    expect(app.get(SessionStore)).toBeInstanceOf(MemoryStore);
  });
});

describe('the suites left out of the run on PostgreSQL', () => {
  it('each exists, with a reason', async () => {
    const root = join(import.meta.dirname, '../../..');
    const { NOT_ON_POSTGRES } = (await import(pathToFileURL(join(root, 'jest.config.js')).href)) as { NOT_ON_POSTGRES: Record<string, string> };
    const folders = ['e2e', 'graphql', 'passport', 'websocket'].map((folder) => join(root, 'test/nest', folder));
    for (const [suite, reason] of Object.entries(NOT_ON_POSTGRES)) {
      expect(folders.some((folder) => existsSync(join(folder, `${suite}.e2e-spec.ts`)))).toBe(true);
      expect(reason.length).toBeGreaterThan(20);
    }
  });
});
