import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { repoRoot } from './built-package.js';
import { documentationFiles, headingAnchor, headingAnchors, relativeLinks } from './readme-snippets.js';

/**
 * The README, CONTRIBUTING.md and docs/*.md link each other: every relative link names a file that
 * exists, and an anchor into a markdown file names one of its headings (as GitHub renders them).
 */
const documents = documentationFiles(repoRoot);

function read(document: string): string {
  return readFileSync(join(repoRoot, document), 'utf8');
}

/** Each broken link as `file:line: target (why)`. */
function brokenLinks(document: string): string[] {
  return relativeLinks(read(document)).flatMap((link) => {
    const target = link.path === '' ? document : normalize(join(dirname(document), decodeURIComponent(link.path)));
    const shown = `${document}:${link.line}: ${link.path}${link.anchor === undefined ? '' : `#${link.anchor}`}`;
    if (!existsSync(join(repoRoot, target))) return [`${shown} (no such file)`];
    if (link.anchor === undefined || !target.endsWith('.md')) return [];
    return headingAnchors(read(target)).has(link.anchor) ? [] : [`${shown} (no such heading in ${target})`];
  });
}

describe('links between the README and docs/', () => {
  it('finds the documents and their links', () => {
    expect(documents).toContain('README.md');
    expect(documents).toContain('CONTRIBUTING.md');
    expect(documents.filter((document) => document.startsWith('docs/')).length).toBeGreaterThanOrEqual(5);
    expect(relativeLinks(read('README.md')).filter((link) => link.path.startsWith('docs/')).length).toBeGreaterThanOrEqual(5);
  });

  it.each(documents)('resolve: %s', (document) => {
    expect(brokenLinks(document)).toEqual([]);
  });

  it('every page under docs/ is linked from the README or CONTRIBUTING.md', () => {
    const linked = new Set(['README.md', 'CONTRIBUTING.md'].flatMap((document) => relativeLinks(read(document)).map((link) => normalize(link.path))));
    expect(documents.filter((document) => document.startsWith('docs/') && !linked.has(document))).toEqual([]);
  });
});

describe('the link checker', () => {
  it('reads relative links outside code, with their anchors, and skips URLs', () => {
    const markdown = ['See [Redis](docs/redis.md#sentinel) and [above](#install).', '`[not](a-link.md)` [web](https://nestjs.com)', '```', '[code](x.md)', '```'].join('\n');
    expect(relativeLinks(markdown)).toEqual([
      { line: 1, path: 'docs/redis.md', anchor: 'sentinel' },
      { line: 1, path: '', anchor: 'install' },
    ]);
  });

  it('makes anchors as GitHub does', () => {
    expect(headingAnchor('`@Session()`')).toBe('session');
    expect(headingAnchor('Migrating from express-session / nestjs-session')).toBe('migrating-from-express-session--nestjs-session');
    expect([...headingAnchors('# A\n## Notes\n```\n# not a heading\n```\n### Notes')]).toEqual(['a', 'notes', 'notes-1']);
  });
});
