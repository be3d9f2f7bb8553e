import 'reflect-metadata';
import fc from 'fast-check';
import request from 'supertest';
import { All, Controller, Get, HttpCode } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { CsrfToken } from '../../../lib/index.js';
import { cookiePair, createSessionApp } from '../../support/e2e-app.js';
import { PLATFORMS } from '../../support/platforms.js';

const SEED = 2026_12_04;
const RUNS = 150;
const TRUSTED = 'https://app.example.com';

@Controller()
class TargetController {
  @Get('form')
  form(@CsrfToken() token: string) {
    return { token };
  }

  @All('target')
  @HttpCode(200)
  target() {
    return { changed: true };
  }
}

/** Header text a client can send (printable ASCII), near misses of the real values included. */
const headerText = fc.oneof(
  fc.constantFrom('same-origin', 'none', 'cross-site', 'same-site', 'SAME-ORIGIN', 'null', '', ' ', TRUSTED, `${TRUSTED}/x`, 'https://evil.example', 'http://127.0.0.1'),
  fc.string({ unit: fc.constantFrom(...'abcdefhlmnopstw:/.-_ 0123456789%'), maxLength: 40 }),
);
const optionalHeader = fc.option(headerText, { nil: undefined });

type TokenSource = 'none' | 'header' | 'xsrf-header' | 'json' | 'urlencoded';
interface Attempt {
  method: 'post' | 'put' | 'patch' | 'delete';
  secFetchSite?: string;
  origin?: string | 'own';
  referer?: string | 'own';
  tokenSource: TokenSource;
  tokenKind: 'valid' | 'other-session' | 'garbage';
  garbage: string;
  withCookie: boolean;
}

const attempts: fc.Arbitrary<Attempt> = fc.record({
  method: fc.constantFrom('post', 'put', 'patch', 'delete'),
  secFetchSite: optionalHeader,
  origin: fc.option(fc.oneof(headerText, fc.constant('own')), { nil: undefined }),
  referer: fc.option(fc.oneof(headerText, fc.constant('own')), { nil: undefined }),
  tokenSource: fc.constantFrom<TokenSource>('none', 'header', 'xsrf-header', 'json', 'urlencoded'),
  tokenKind: fc.constantFrom('valid', 'other-session', 'garbage'),
  garbage: fc.string({ unit: fc.constantFrom(...'AZaz09_-=+/%'), maxLength: 100 }),
  withCookie: fc.boolean(),
}) as fc.Arbitrary<Attempt>;

describe.each(PLATFORMS)('CSRF protection under random requests on $name', (platform) => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await createSessionApp(platform, { csrf: { trustedOrigins: [TRUSTED] } }, { controllers: [TargetController] });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
  });

  async function tokenAndCookie(): Promise<{ token: string; cookie: string }> {
    const response = await request(url).get('/form').expect(200);
    return { token: (response.body as { token: string }).token, cookie: cookiePair(response.headers['set-cookie'])! };
  }

  it('never answers 5xx, and never lets a request through without a same-origin signal, a trusted origin or a valid token', async () => {
    const mine = await tokenAndCookie();
    const other = await tokenAndCookie();
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(attempts, async (attempt) => {
        const token = attempt.tokenKind === 'valid' ? mine.token : attempt.tokenKind === 'other-session' ? other.token : attempt.garbage;
        const origin = attempt.origin === 'own' ? url : attempt.origin;
        const referer = attempt.referer === 'own' ? `${url}/form` : attempt.referer;
        const call = request(url)[attempt.method]('/target');
        if (attempt.withCookie) call.set('cookie', mine.cookie);
        if (attempt.secFetchSite !== undefined) call.set('sec-fetch-site', attempt.secFetchSite);
        if (origin !== undefined) call.set('origin', origin);
        if (referer !== undefined) call.set('referer', referer);
        if (attempt.tokenSource === 'header') call.set('x-csrf-token', token);
        if (attempt.tokenSource === 'xsrf-header') call.set('x-xsrf-token', token);
        if (attempt.tokenSource === 'json') call.send({ _csrf: token });
        if (attempt.tokenSource === 'urlencoded') call.type('form').send(`_csrf=${encodeURIComponent(token)}`);
        const response = await call;
        statuses.add(response.status);
        expect(response.status).toBeLessThan(500);
        if (response.status !== 200) {
          expect(response.status).toBe(403);
          return;
        }
        const site = attempt.secFetchSite?.trim().toLowerCase();
        const isSameOriginSignal = site === 'same-origin' || site === 'none';
        const isTrusted = origin !== undefined && new URL(TRUSTED).origin === safeOrigin(origin);
        const hasValidToken = attempt.withCookie && attempt.tokenKind === 'valid' && attempt.tokenSource !== 'none' && token !== '';
        expect(isSameOriginSignal || isTrusted || hasValidToken).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Both outcomes were exercised.
    expect([...statuses].sort()).toEqual([200, 403]);
  }, 120_000);
});

function safeOrigin(text: string): string | undefined {
  return URL.canParse(text.trim()) ? new URL(text.trim()).origin : undefined;
}
