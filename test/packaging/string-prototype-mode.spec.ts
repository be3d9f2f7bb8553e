import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, requireBuiltPackage } from './built-package.js';

/** Runs the fixture under --allow-natives-syntax (V8's %HasFastProperties) and parses its JSON line. */
function stringPrototypeMode(...args: string[]): Record<string, unknown> {
  const script = join(repoRoot, 'test/packaging/fixtures/string-prototype-mode.mjs');
  const output = execFileSync(process.execPath, ['--allow-natives-syntax', script, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').pop() ?? '') as Record<string, unknown>;
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
