import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { ConfigModule, ConfigService } from '@nestjs/config';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { SessionModule, SessionOptionsError } from '../../../lib/index.js';
import type { SessionModuleOptions } from '../../../lib/index.js';
import { SessionTestController, setCookies, startApp, TEST_SECRET } from '../../support/e2e-app.js';
import { PLATFORMS } from '../../support/platforms.js';
import type { Platform } from '../../support/platforms.js';

/** The README's forRootAsync example, verbatim (the test below checks the README still says so). */
const readmeFactory = (config: ConfigService) => ({
  secret: config.getOrThrow('SESSION_SECRET'),
  // Environment variables are strings; maxAge is a number of milliseconds.
  cookie: { maxAge: Number(config.get('SESSION_MAX_AGE', 86_400_000)) },
});

async function appWith(platform: Platform, useFactory: (config: ConfigService) => SessionModuleOptions): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      SessionModule.forRootAsync({ imports: [ConfigModule.forRoot({ ignoreEnvFile: true })], inject: [ConfigService], useFactory }),
    ],
    controllers: [SessionTestController],
  }).compile();
  return startApp(platform, moduleRef);
}

/** The cookie's lifetime in seconds as the browser will see it (Expires minus now). */
function lifetimeSeconds(setCookie: string): number {
  const expires = /Expires=([^;]+)/.exec(setCookie)![1]!;
  return Math.round((Date.parse(expires) - Date.now()) / 1000);
}

describe.each(PLATFORMS)("the README's forRootAsync + ConfigService example on $name", (platform) => {
  const savedEnv = { ...process.env };
  beforeEach(() => {
    process.env.SESSION_SECRET = TEST_SECRET;
  });
  afterEach(() => {
    process.env = { ...savedEnv };
  });

  it('is what the README shows', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain("    secret: config.getOrThrow('SESSION_SECRET'),");
    expect(readme).toContain("    cookie: { maxAge: Number(config.get('SESSION_MAX_AGE', 86_400_000)) },");
  });

  it('works with SESSION_MAX_AGE set (a string in the environment)', async () => {
    process.env.SESSION_MAX_AGE = '3600000';
    const app = await appWith(platform, readmeFactory);
    try {
      const response = await request(app.getHttpServer()).get('/views').expect(200);
      const lifetime = lifetimeSeconds(setCookies(response.headers['set-cookie'])[0]!);
      expect(lifetime).toBeGreaterThanOrEqual(3598);
      expect(lifetime).toBeLessThanOrEqual(3600);
    } finally {
      await app.close();
    }
  });

  it('falls back to one day without SESSION_MAX_AGE', async () => {
    delete process.env.SESSION_MAX_AGE;
    const app = await appWith(platform, readmeFactory);
    try {
      const response = await request(app.getHttpServer()).get('/views').expect(200);
      expect(lifetimeSeconds(setCookies(response.headers['set-cookie'])[0]!)).toBeGreaterThanOrEqual(86_398);
    } finally {
      await app.close();
    }
  });

  it('passing the string as it comes fails at start-up with a message saying it received a string', async () => {
    process.env.SESSION_MAX_AGE = '3600000';
    const attempt = appWith(platform, (config) => ({ secret: TEST_SECRET, cookie: { maxAge: config.get('SESSION_MAX_AGE') } }));
    await expect(attempt).rejects.toThrow(SessionOptionsError);
    await expect(appWith(platform, (config) => ({ secret: TEST_SECRET, cookie: { maxAge: config.get('SESSION_MAX_AGE') } }))).rejects.toThrow(
      /`cookie.maxAge`: must be a number of milliseconds, but received the string "3600000" .*Number\(\.\.\.\)/,
    );
  });
});
