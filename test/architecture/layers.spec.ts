import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The layers of lib/, bottom first (docs/ARCHITECTURE.md): a file may import files of its own
 * layer or of a layer below, never above. A folder not listed belongs to its parent's layer.
 * '' is lib/ itself (the package's entry points), 'core' holds errors.ts and
 * shared-across-builds.ts, which everything may use.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['core'],
  ['core/cookie'],
  ['core/csrf'],
  ['core/session'],
  ['core/store'],
  ['core/store/at-rest'],
  ['core/http'],
  ['core/http/express'],
  ['core/transport'],
  ['core/options'],
  ['core/lifecycle'],
  ['core/management'],
  ['stores/sql'],
  ['stores/memory', 'stores/redis', 'stores/postgres', 'stores/mysql'],
  ['connect', 'nest'],
  [''],
];

/** Packages a folder must not import: lib/core and lib/stores stay framework-free. */
const FORBIDDEN_PACKAGES: ReadonlyArray<{ folder: string; packagePrefix: string }> = [
  { folder: 'core', packagePrefix: '@nestjs/' },
  { folder: 'stores', packagePrefix: '@nestjs/' },
];

const libRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../lib');

function typeScriptFilesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return typeScriptFilesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Comments removed, so an example in a doc comment is not taken for an import. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/**
 * Every module specifier of a file: `import … from`, `export … from`, `import '…'` and
 * `import('…')`, type-only imports included (a cycle through types is still a cycle to read).
 */
function importSpecifiers(source: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\1/g;
  return [...withoutComments(source).matchAll(pattern)].map((match) => match[2]);
}

/** A lib file's folder relative to lib/, with '/' separators ('' for lib/ itself). */
function folderOf(file: string): string {
  return relative(libRoot, dirname(file)).split('\\').join('/');
}

function layerOf(folder: string): number {
  for (let candidate = folder; ; candidate = candidate.includes('/') ? candidate.slice(0, candidate.lastIndexOf('/')) : '') {
    const index = LAYERS.findIndex((layer) => layer.includes(candidate));
    if (index >= 0) return index;
    if (candidate === '') throw new Error(`lib/${folder} is in no layer: add it to LAYERS`);
  }
}

interface ImportEdge {
  from: string;
  to: string;
}

function relativeImportsOf(files: readonly string[]): { edges: ImportEdge[]; packageImports: Array<{ from: string; specifier: string }> } {
  const edges: ImportEdge[] = [];
  const packageImports: Array<{ from: string; specifier: string }> = [];
  for (const file of files) {
    for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) {
        packageImports.push({ from: file, specifier });
        continue;
      }
      edges.push({ from: file, to: resolve(dirname(file), specifier).replace(/\.js$/, '.ts') });
    }
  }
  return { edges, packageImports };
}

/** Each cycle found by a depth-first walk, as the files in it (lib-relative), first one repeated last. */
function importCycles(edges: readonly ImportEdge[]): string[][] {
  const targets = new Map<string, string[]>();
  for (const { from, to } of edges) targets.set(from, [...(targets.get(from) ?? []), to]);
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const target of targets.get(file) ?? []) {
      if (state.get(target) === 'open') cycles.push([...path.slice(path.indexOf(target)), target]);
      else if (state.get(target) === undefined) visit(target);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of targets.keys()) if (state.get(file) === undefined) visit(file);
  return cycles.map((cycle) => cycle.map((file) => relative(libRoot, file)));
}

const libFiles = typeScriptFilesUnder(libRoot);
const { edges, packageImports } = relativeImportsOf(libFiles);
const lib = (file: string): string => relative(libRoot, file);

describe('the layers of lib/', () => {
  it('has every folder in a layer', () => {
    const unplaced = [...new Set(libFiles.map(folderOf))].filter((folder) => {
      try {
        layerOf(folder);
        return false;
      } catch {
        return true;
      }
    });
    expect(unplaced).toEqual([]);
  });

  it('imports only files of the same layer or of a layer below', () => {
    const upward = edges
      .filter(({ from, to }) => layerOf(folderOf(to)) > layerOf(folderOf(from)))
      .map(({ from, to }) => `${lib(from)} -> ${lib(to)}`);
    expect(upward).toEqual([]);
    expect(edges.length).toBeGreaterThan(100);
  });

  it('imports only files that exist', () => {
    const files = new Set(libFiles);
    const dangling = edges.filter(({ to }) => !files.has(to)).map(({ from, to }) => `${lib(from)} -> ${lib(to)}`);
    expect(dangling).toEqual([]);
  });

  it('keeps lib/core and lib/stores free of Nest', () => {
    const forbidden = packageImports
      .filter(({ from, specifier }) =>
        FORBIDDEN_PACKAGES.some(({ folder, packagePrefix }) => (folderOf(from) + '/').startsWith(folder + '/') && specifier.startsWith(packagePrefix)),
      )
      .map(({ from, specifier }) => `${lib(from)} -> ${specifier}`);
    expect(forbidden).toEqual([]);
  });

  it('has no import cycle, type-only imports included', () => {
    expect(importCycles(edges)).toEqual([]);
  });
});

describe('the import reader', () => {
  it('finds static, type-only, re-exported, side-effect and dynamic imports, and skips comments', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "export type { D } from './d.js';",
      "import './e.js';",
      "const f = await import('./f.js');",
      "// import { g } from './g.js';",
      "/** `import('./h.js')` in a doc comment */",
      "import {\n  i,\n  j,\n} from '@nestjs/common';",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(['./a.js', '../b.js', './c.js', './d.js', './e.js', './f.js', '@nestjs/common']);
  });

  it('reports a cycle and its files', () => {
    const file = (name: string): string => join(libRoot, name);
    const cycleEdges = [
      { from: file('x.ts'), to: file('y.ts') },
      { from: file('y.ts'), to: file('x.ts') },
      { from: file('y.ts'), to: file('z.ts') },
    ];
    expect(importCycles(cycleEdges)).toEqual([['x.ts', 'y.ts', 'x.ts']]);
  });
});
