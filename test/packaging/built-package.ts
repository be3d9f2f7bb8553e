import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (tests run from it). */
export const repoRoot = process.cwd();

/** Fails clearly when dist/ is missing: `npm test` builds it first (pretest). */
export function requireBuiltPackage(): void {
  for (const file of ['dist/index.js', 'dist/cjs/index.js', 'dist/redis.js', 'dist/cjs/redis.js', 'dist/postgres.js', 'dist/cjs/postgres.js', 'dist/mysql.js', 'dist/cjs/mysql.js']) {
    if (!existsSync(join(repoRoot, file))) throw new Error(`${file} is missing: run \`npm run build\` (npm test does it first)`);
  }
}

/**
 * Runs a fixture script with plain Node (Jest's runtime cannot require() Nest 12), with
 * `nodeFlags` such as `--allow-natives-syntax`, and parses its JSON line.
 */
export function runFixture(script: string, args: string[] = [], nodeFlags: string[] = []): Record<string, unknown> {
  const output = execFileSync(process.execPath, [...nodeFlags, join(repoRoot, 'test/packaging/fixtures', script), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lastLine = output.trim().split('\n').pop() ?? '';
  return JSON.parse(lastLine) as Record<string, unknown>;
}
