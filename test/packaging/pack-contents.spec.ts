import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { repoRoot, requireBuiltPackage } from './built-package.js';

/** What `npm pack` would put in the tarball, as paths relative to the package root. */
function packedFiles(): Set<string> {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8' });
  const [{ files }] = JSON.parse(output) as Array<{ files: Array<{ path: string }> }>;
  return new Set(files.map((file) => normalize(file.path)));
}

/** Every file path an `exports` entry (with its conditions) points at. */
function exportTargets(entry: unknown): string[] {
  if (typeof entry === 'string') return [entry];
  if (typeof entry !== 'object' || entry === null) return [];
  return Object.values(entry).flatMap(exportTargets);
}

describe('the packed package', () => {
  let files: Set<string>;
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));

  beforeAll(() => {
    requireBuiltPackage();
    files = packedFiles();
  });

  it('ships every file that exports, main, types and typesVersions point at', () => {
    const targets = [
      ...exportTargets(manifest.exports),
      manifest.main,
      manifest.types,
      ...Object.values(manifest.typesVersions['*'] as Record<string, string[]>).flat(),
    ];
    const missing = targets.map((target) => normalize(target)).filter((target) => !files.has(target));
    expect(missing).toEqual([]);
    expect(targets.length).toBeGreaterThan(8);
  });

  it('ships the sources every source map points at', () => {
    const maps = [...files].filter((file) => file.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(20);
    const unshipped = maps.flatMap((mapFile) => {
      const { sources } = JSON.parse(readFileSync(join(repoRoot, mapFile), 'utf8')) as { sources: string[] };
      return sources.map((source) => normalize(join(dirname(mapFile), source))).filter((source) => !files.has(source));
    });
    expect(unshipped).toEqual([]);
  });

  it('marks the CommonJS build as CommonJS and ships the LICENSE', () => {
    expect(files.has('dist/cjs/package.json')).toBe(true);
    expect(JSON.parse(readFileSync(join(repoRoot, 'dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    expect(files.has('LICENSE')).toBe(true);
    expect(readFileSync(join(repoRoot, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 nest-sessions contributors/);
  });

  it('ships every docs/ page the README links to, so its links work in the installed package', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const linkedPages = [...new Set([...readme.matchAll(/\]\((docs\/[^)#\s]+\.md)/g)].map((match) => match[1]!))];
    expect(linkedPages.length).toBeGreaterThan(0);
    expect(linkedPages.filter((page) => !files.has(page))).toEqual([]);
  });

  it('leaves out tests, the sample and the benchmarks', () => {
    expect([...files].filter((file) => /^(test|sample|bench)\//.test(file))).toEqual([]);
  });
});
