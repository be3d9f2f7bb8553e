import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SessionOptionsError } from '../../lib/index.js';
import { resolveModuleOptions } from '../../lib/nest/resolve-module-options.js';
import { TEST_SECRET } from '../support/e2e-app.js';
import { EXPRESS } from '../support/platforms.js';

const secret = TEST_SECRET;
/** 12 characters: below the 32 the short-secret warning asks for. */
const SHORT_SECRET = 'keyboard cat';

describe('resolveModuleOptions', () => {
  afterEach(() => jest.restoreAllMocks());

  it('warns about option names it does not know (typos), naming them', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    resolveModuleOptions({ secret, saveUnitialized: true, rolling: true } as never);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toContain('saveUnitialized');
    expect(warn.mock.calls[0]![0]).not.toContain('rolling');
  });

  it('knows the Nest-level options', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    resolveModuleOptions({
      secret,
      memoryStore: {},
      forRoutes: [],
      exclude: [],
      middleware: [],
      isAuthenticated: () => true,
      closeStoreOnShutdown: true,
      absoluteTimeout: 1000,
    });
    expect(warn).not.toHaveBeenCalled();
  });

  it('takes `encryption` without a warning, and refuses a bad key with a SessionOptionsError that does not show it', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const key = Buffer.alloc(32, 9).toString('base64');
    expect(resolveModuleOptions({ secret, encryption: { keys: [{ id: 'k1', key }] } }).encryption?.sealingKeyId).toBe('k1');
    expect(warn).not.toHaveBeenCalled();
    const shortKey = Buffer.alloc(24, 9).toString('base64');
    expect(() => resolveModuleOptions({ secret, encryption: { keys: [{ id: 'k1', key }, { id: 'k0', key: shortKey }] } })).toThrow(
      expect.objectContaining({ name: 'SessionOptionsError', option: 'encryption.keys[1].key', message: expect.not.stringContaining(shortKey) as string }) as Error,
    );
  });

  it('warns once about a secret shorter than 32 characters, naming its length but not its value, and accepts it', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const resolved = resolveModuleOptions({ secret: SHORT_SECRET });

    expect(resolved.secrets).toEqual([SHORT_SECRET]);
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]![0]);
    expect(message).toContain('`secret` is 12 characters long: a secret should be at least 32 random characters');
    expect(message).toContain('secret: [newSecret, oldSecret]');
    expect(message).not.toContain(SHORT_SECRET);
  });

  it('checks each secret of an array (rotation) and names the short ones by index', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    resolveModuleOptions({ secret: [TEST_SECRET, 'old-short-secret', Buffer.alloc(16, 1), Buffer.alloc(32, 1)] });

    const messages = warn.mock.calls.map(([message]) => String(message));
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('`secret[1]` is 16 characters long');
    expect(messages[1]).toContain('`secret[2]` is 16 bytes long');
  });

  it.each([
    [{ isAuthenticated: 'yes' }, 'isAuthenticated'],
    [{ memoryStore: 5 }, 'memoryStore'],
    [{ closeStoreOnShutdown: 'no' }, 'closeStoreOnShutdown'],
    [{ exclude: 'health' }, 'exclude'],
  ])('rejects %j naming the option', (options, option) => {
    expect(() => resolveModuleOptions({ secret, ...options } as never)).toThrow(SessionOptionsError);
    expect(() => resolveModuleOptions({ secret, ...options } as never)).toThrow(`\`${option}\``);
  });
});

describe('SessionModule.forRoot extras', () => {
  afterEach(() => jest.restoreAllMocks());

  it('does not pass isGlobal on as an (unknown) option', async () => {
    const { createSessionApp } = await import('../support/e2e-app.js');
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const app = await createSessionApp(EXPRESS, { isGlobal: false } as never);
    await app.close();
    expect(warn.mock.calls.filter(([message]) => String(message).includes('Unknown option'))).toEqual([]);
  });

  it('warns about a short secret once, at start-up, through the Nest logger, however many requests follow', async () => {
    const { createSessionApp } = await import('../support/e2e-app.js');
    const { default: request } = await import('supertest');
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const app = await createSessionApp(EXPRESS, { secret: SHORT_SECRET });
    try {
      const cookie = (await request(app.getHttpServer()).get('/views').expect(200)).headers['set-cookie']!;
      await request(app.getHttpServer()).get('/views').set('Cookie', cookie).expect(200);
    } finally {
      await app.close();
    }
    expect(warn.mock.calls.filter(([message]) => String(message).includes('characters long'))).toHaveLength(1);
  });
});
