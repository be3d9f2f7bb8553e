import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SessionOptionsError } from '../../lib/index.js';
import { resolveModuleOptions } from '../../lib/nest/resolve-module-options.js';

describe('resolveModuleOptions', () => {
  afterEach(() => jest.restoreAllMocks());

  it('warns about option names it does not know (typos), naming them', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    resolveModuleOptions({ secret: 's', saveUnitialized: true, rolling: true } as never);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toContain('saveUnitialized');
    expect(warn.mock.calls[0]![0]).not.toContain('rolling');
  });

  it('knows the Nest-level options', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    resolveModuleOptions({
      secret: 's',
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

  it.each([
    [{ isAuthenticated: 'yes' }, 'isAuthenticated'],
    [{ memoryStore: 5 }, 'memoryStore'],
    [{ closeStoreOnShutdown: 'no' }, 'closeStoreOnShutdown'],
    [{ exclude: 'health' }, 'exclude'],
  ])('rejects %j naming the option', (options, option) => {
    expect(() => resolveModuleOptions({ secret: 's', ...options } as never)).toThrow(SessionOptionsError);
    expect(() => resolveModuleOptions({ secret: 's', ...options } as never)).toThrow(`\`${option}\``);
  });
});

describe('SessionModule.forRoot extras', () => {
  afterEach(() => jest.restoreAllMocks());

  it('does not pass isGlobal on as an (unknown) option', async () => {
    const { createSessionApp } = await import('../support/e2e-app.js');
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const app = await createSessionApp({ isGlobal: false } as never);
    await app.close();
    expect(warn.mock.calls.filter(([message]) => String(message).includes('Unknown option'))).toEqual([]);
  });
});
