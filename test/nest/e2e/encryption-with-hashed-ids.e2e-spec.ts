import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import type { SessionModuleOptions } from '../../../lib/index.js';
import { backingStoreName, newBackingStore } from '../../support/backing-store.js';
import type { BackingStore } from '../../support/backing-store.js';
import { cookiePair, createSessionApp, sessionIdOf } from '../../support/e2e-app.js';
import { ENCRYPTION_KEYS } from '../../support/encryption-app.js';
import { PLATFORMS } from '../../support/platforms.js';
import { describeRotateAndMergeOverHttp, gate, RotateMergeController } from '../../support/rotate-merge-app.js';
import { describeUserSessionsOverHttp } from '../../support/user-sessions-app.js';

const encryption = { keys: [ENCRYPTION_KEYS.current] };

describe.each(PLATFORMS)(`encryption and hashIds together on ${backingStoreName()}, over HTTP on $name`, (platform) => {
  describe('the store holds neither ids nor data', () => {
    let store: BackingStore;
    const apps: INestApplication[] = [];

    async function appWith(options: Partial<SessionModuleOptions>): Promise<ReturnType<typeof request>> {
      const app = await createSessionApp(platform, { store, closeStoreOnShutdown: false, ...options }, { controllers: [RotateMergeController] });
      apps.push(app);
      return request(app.getHttpServer());
    }

    beforeEach(() => {
      gate.reset();
      store = newBackingStore();
    });

    afterEach(async () => {
      for (const app of apps.splice(0)) await app.close();
      await store.close();
    });

    it('keeps sessions under hashed keys with sealed data, and reads them back', async () => {
      const http = await appWith({ encryption, hashIds: true });
      const item = `item-${randomUUID()}`;
      const cookie = cookiePair((await http.post('/login?user=ada').expect(200)).headers['set-cookie'])!;
      await http.post(`/cart?item=${item}`).set('Cookie', cookie).expect(200);
      const dump = JSON.stringify(await store.all());
      expect(dump).not.toContain(sessionIdOf(cookie));
      expect(dump).not.toContain(item);
      expect(dump).toContain('"__sealed":"v2.k2.');
      expect((await http.get('/state').set('Cookie', cookie).expect(200)).body.data).toMatchObject({ userId: 'ada', cart: [item] });
    });

    it("'migrate' moves a session sealed under its plain id to its hashed key without signing it out", async () => {
      const before = await appWith({ encryption });
      const cookie = cookiePair((await before.post('/login?user=ada').expect(200)).headers['set-cookie'])!;
      expect(await store.get(sessionIdOf(cookie))).toBeTruthy();
      const migrating = await appWith({ encryption, hashIds: 'migrate' });
      await migrating.get('/me').set('Cookie', cookie).expect(200, { userId: 'ada' });
      expect(await store.get(sessionIdOf(cookie))).toBeFalsy();
      const hashedOnly = await appWith({ encryption, hashIds: true });
      await hashedOnly.get('/me').set('Cookie', cookie).expect(200, { userId: 'ada' });
    });
  });

  describe('rotate() and merged saves', () => describeRotateAndMergeOverHttp(platform, () => ({ store: newBackingStore(), encryption, hashIds: true })));
  describe('UserSessions', () => describeUserSessionsOverHttp(platform, () => ({ store: newBackingStore(), encryption, hashIds: true })));
});
