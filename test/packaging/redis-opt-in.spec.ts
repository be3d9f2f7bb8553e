import { requireBuiltPackage, runFixture } from './built-package.js';

/** ioredis is an optional peer dependency: only `nest-sessions/redis` loads it. */
describe('an app on the MemoryStore', () => {
  beforeAll(requireBuiltPackage);

  it.each(['esm', 'cjs'])('never loads ioredis (%s build)', (format) => {
    expect(runFixture('no-ioredis.mjs', [format])).toEqual({ loadedIoredis: false });
  });

  it.each(['esm', 'cjs'])('loads it once nest-sessions/redis is imported (%s build; the check sees it)', (format) => {
    expect(runFixture('no-ioredis.mjs', [format, 'with-redis'])).toEqual({ loadedIoredis: true });
  });
});
