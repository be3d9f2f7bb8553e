import request from 'supertest';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { SessionModule } from '../../lib/index.js';
import { SessionTestController } from '../support/e2e-app.js';

/** The README's forRootAsync + ConfigService example, with its environment variables set. */
function readmeConfigModule() {
  return SessionModule.forRootAsync({
    imports: [ConfigModule.forRoot({ ignoreEnvFile: true })],
    inject: [ConfigService],
    useFactory: (config: ConfigService) => ({
      secret: config.getOrThrow<string>('SESSION_SECRET'),
      cookie: { maxAge: Number(config.get('SESSION_MAX_AGE_MS', 24 * 60 * 60 * 1000)) },
    }),
  });
}

describe("the README's forRootAsync + ConfigService example", () => {
  let app: INestApplication | undefined;
  const savedEnvironment = { ...process.env };

  afterEach(async () => {
    await app?.close();
    app = undefined;
    process.env = { ...savedEnvironment };
  });

  async function start(): Promise<INestApplication> {
    @Module({ imports: [readmeConfigModule()], controllers: [SessionTestController] })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  }

  it('signs cookies with SESSION_SECRET and takes their lifetime from SESSION_MAX_AGE_MS (a string)', async () => {
    process.env.SESSION_SECRET = 'from-the-environment';
    process.env.SESSION_MAX_AGE_MS = '60000';
    const started = await start();
    const response = await request(started.getHttpServer()).get('/views').expect(200);
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/^connect\.sid=s%3A/);
    const expires = Date.parse(/Expires=([^;]+)/.exec(setCookie)![1]);
    const sentAt = Date.parse(String(response.headers.date));
    expect((expires - sentAt) / 1000).toBeGreaterThanOrEqual(59);
    expect((expires - sentAt) / 1000).toBeLessThanOrEqual(61);
  });

  it('fails at start-up, naming the variable, when SESSION_SECRET is missing', async () => {
    delete process.env.SESSION_SECRET;
    await expect(start()).rejects.toThrow(/SESSION_SECRET/);
  });
});
