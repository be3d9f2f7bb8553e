import fc from 'fast-check';
import type { INestApplication } from '@nestjs/common';
import type request from 'supertest';
import { signSessionId } from '../../../lib/index.js';
import { bearer, createHeaderSessionsApp, expectNoSetCookie } from '../../support/header-sessions-app.js';
import { PLATFORMS } from '../../support/platforms.js';

/** Fixed, so a failure reproduces: fast-check prints the seed and path of the failing case. */
const SEED = 22_2026;
const RUNS = 60;

/** Node's own limit on a request head (16 KiB): beyond it the server answers 431 before any handler. */
const HEADERS_TOO_LARGE = 431;

/** Tokens an attacker can make from a genuine one without the secret, as header values (printable ASCII). */
function forgedTokens(genuine: string): fc.Arbitrary<string> {
  const signature = genuine.slice(genuine.lastIndexOf('.') + 1);
  return fc.oneof(
    // Made up, in the token's shape or not.
    fc.string({ maxLength: 120 }),
    fc.string({ minLength: 1, maxLength: 60 }).map((id) => `s:${id}.${signature}`),
    // Truncated.
    fc.nat({ max: genuine.length - 1 }).map((length) => genuine.slice(0, length)),
    // One character changed.
    fc.tuple(fc.nat({ max: genuine.length - 1 }), fc.constantFrom(...'ABCxyz019+/_-.:%')).map(([at, character]) => {
      const changed = genuine.slice(0, at) + character + genuine.slice(at + 1);
      return changed === genuine ? `${genuine}A` : changed;
    }),
    // Signed with another secret.
    fc.string({ minLength: 1, maxLength: 40 }).map((id) => signSessionId(id, 'another secret, as long as a real one is')),
    fc.constant(signSessionId(genuine.slice(2, genuine.lastIndexOf('.')), 'another secret, as long as a real one is')),
    // Huge, up to past Node's header limit.
    fc.integer({ min: 1_000, max: 24_000 }).map((length) => `s:${'A'.repeat(length)}.${signature}`),
  );
}

describe.each(PLATFORMS)('forged header tokens on $name (property)', (platform) => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let genuine: string;

  beforeAll(async () => {
    ({ app, http } = await createHeaderSessionsApp(platform));
    genuine = (await http.post('/login?user=ada').expect(200)).body.token;
  });

  afterAll(async () => {
    await app.close();
  });

  it('never authenticate, never get a session, never answer 5xx, never send a Set-Cookie', async () => {
    await fc.assert(
      fc.asyncProperty(forgedTokens(genuine), async (token) => {
        fc.pre(token.trim() !== genuine);
        const guarded = await http.get('/me').set('Authorization', bearer(token));
        expect([401, HEADERS_TOO_LARGE]).toContain(guarded.status);
        expectNoSetCookie(guarded);
        const saving = await http.get('/views').set('Authorization', bearer(token));
        if (saving.status === HEADERS_TOO_LARGE) return;
        // A new session of its own (one view), its new token in the response header.
        expect(saving.status).toBe(200);
        expect(saving.body.views).toBe(1);
        expect(saving.headers['session-token']).toMatch(/^s:/);
        expectNoSetCookie(saving);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The genuine token still works after all that.
    await http.get('/me').set('Authorization', bearer(genuine)).expect(200, { userId: 'ada' });
  });
});
