import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import request from 'supertest';
import type { Server } from 'node:http';
import { cookiePair, createSessionApp, sessionIdOf } from '../../support/e2e-app.js';
import { createExpressSessionApp } from '../../support/express-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { PLATFORMS } from '../../support/platforms.js';
import type { Platform } from '../../support/platforms.js';

/**
 * Ids from `genid` with characters a raw cookie value cannot hold (`;`, `=`, spaces, quotes,
 * U+2028, emoji) round-trip as express-session's do: the cookie carries them URI-encoded and
 * the next request finds the session. Seeded and bounded, so a failure reproduces.
 */
const SEED = 20_261_203;

const awkwardId = fc.oneof(
  fc.constantFrom('a;b', 'c=d', 'e f', 'g\u2028h', ' ', '"quoted"', 'back\\slash', 'a,b', '%41', 's:nested.dot', 'x\u0000y', '\t\r\n'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 40 }),
);

/** SessionModule on each platform (undefined: plain Express on createSessionMiddleware). */
const TARGETS: Array<[string, Platform | undefined]> = [
  ...PLATFORMS.map((platform): [string, Platform] => [`SessionModule on ${platform.name}`, platform]),
  ['createSessionMiddleware', undefined],
];

describe.each(TARGETS)('genid ids with any characters, through %s', (_label, platform) => {
  let nestApp: INestApplication | undefined;
  let server: Server | ReturnType<typeof createExpressSessionApp>['app'];
  /** The id the next new session gets. */
  let nextId = '';

  beforeAll(async () => {
    const options = { genid: () => nextId, cookie: { maxAge: 60_000 } };
    if (platform) {
      nestApp = await createSessionApp(platform, { store: new InstrumentedStore(), ...options });
      server = nestApp.getHttpServer() as Server;
    } else {
      server = createExpressSessionApp(options).app;
    }
  });
  afterAll(async () => {
    await nestApp?.close();
  });

  it('round-trip: the cookie brings the session back on the next request', async () => {
    const usedIds = new Set<string>();
    await fc.assert(
      fc.asyncProperty(awkwardId, async (text) => {
        // Ids must be unique: a repeat gets a suffix.
        nextId = usedIds.has(text) ? `${text}#${usedIds.size}` : text;
        usedIds.add(nextId);
        const first = await request(server).get('/views').timeout(5_000).expect(200);
        expect(first.body.sessionId).toBe(nextId);
        const cookie = cookiePair(first.headers['set-cookie'])!;
        expect(sessionIdOf(cookie)).toBe(nextId);
        const second = await request(server).get('/views').set('Cookie', cookie).timeout(5_000).expect(200);
        expect(second.body).toEqual({ views: 2, sessionId: nextId });
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});
