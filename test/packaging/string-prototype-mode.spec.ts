import { requireBuiltPackage, runFixture } from './built-package.js';

/** The fixture under --allow-natives-syntax (V8's %HasFastProperties). */
function stringPrototypeMode(...args: string[]): Record<string, unknown> {
  return runFixture('string-prototype-mode.mjs', args, ['--allow-natives-syntax']);
}

/** ioredis's `class VerbatimString extends String` slows every string method of the app unless undone. */
describe('String.prototype after nest-sessions/redis is loaded', () => {
  beforeAll(requireBuiltPackage);

  it.each(['esm', 'cjs'])('is left slow by ioredis alone (%s: the control)', (format) => {
    expect(stringPrototypeMode(format, 'ioredis-only')).toEqual({ isFast: false });
  });

  it.each(['esm', 'cjs'])('is back in fast mode, and stays so after Redis is used (%s build)', (format) => {
    expect(stringPrototypeMode(format)).toEqual({ afterImport: true, afterRoundTrip: true });
  });
});
