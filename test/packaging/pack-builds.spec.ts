import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { repoRoot } from './built-package.js';

/** What a built package must contain: both builds' entry points and the CommonJS marker. */
const BUILT_FILES = ['dist/index.js', 'dist/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'dist/redis.js', 'dist/postgres.js', 'dist/cjs/postgres.js', 'dist/mysql.js', 'dist/cjs/mysql.js', 'dist/cjs/testing.js'];

/** Top-level entries a clean checkout has that building never reads. */
const NOT_COPIED = new Set(['node_modules', 'dist', 'build', 'test-output', 'coverage', '.git', 'test', 'sample', 'bench']);

/**
 * A copy of the package as a clean checkout has it: sources and scripts, no dist/. The
 * dependencies are the repository's own (linked), as `npm ci` would install them.
 */
function cleanCheckout(): string {
  const directory = mkdtempSync(join(tmpdir(), 'nest-sessions-pack-'));
  for (const entry of readdirSync(repoRoot)) {
    if (!NOT_COPIED.has(entry)) cpSync(join(repoRoot, entry), join(directory, entry), { recursive: true });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(directory, 'node_modules'), 'dir');
  return directory;
}

function npm(directory: string, args: string[]): string {
  return execFileSync('npm', args, { cwd: directory, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('packing and installing from a clean checkout (no dist/)', () => {
  let checkout: string;

  beforeEach(() => {
    checkout = cleanCheckout();
  });

  afterEach(() => {
    rmSync(checkout, { recursive: true, force: true });
  });

  it('`npm pack` builds first, so the tarball holds both builds (prepack)', () => {
    const [{ files }] = JSON.parse(npm(checkout, ['pack', '--dry-run', '--json'])) as Array<{ files: Array<{ path: string }> }>;
    const packed = new Set(files.map((file) => normalize(file.path)));
    expect(BUILT_FILES.filter((file) => !packed.has(file))).toEqual([]);
  });

  it('builds dist/ in the prepare step, which installs from git run (and `npm ci` here)', () => {
    npm(checkout, ['run', 'prepare']);
    expect(BUILT_FILES.filter((file) => !existsSync(join(checkout, file)))).toEqual([]);
  });
});
