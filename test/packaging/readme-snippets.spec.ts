import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { repoRoot, requireBuiltPackage } from './built-package.js';
import { documentationSnippets } from './readme-snippets.js';
import type { ReadmeSnippet } from './readme-snippets.js';

/**
 * Every TypeScript block of the README and of docs/*.md compiles against the built package, in a
 * CommonJS app as `nest new` 11 generates it (`module: nodenext`, no `"type": "module"`), the app
 * kind their extensionless relative imports are written for: the files sit in a package of their
 * own, with `nest-sessions` installed (linked) in its node_modules. See readme-snippets.ts for the
 * conventions.
 */
const snippets = documentationSnippets(repoRoot);
const groups = [...new Set(snippets.map((snippet) => snippet.group))];
const outputDirectory = join(repoRoot, 'test-output', 'readme-snippets');

/** The app around the snippets: a CommonJS package.json and the package installed as a link. */
function writeCommonJsApp(): void {
  mkdirSync(join(outputDirectory, 'node_modules'), { recursive: true });
  writeFileSync(join(outputDirectory, 'package.json'), JSON.stringify({ name: 'readme-snippets-app', private: true }) + '\n');
  symlinkSync(repoRoot, join(outputDirectory, 'node_modules', 'nest-sessions'), 'dir');
}

const compilerOptions: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  strict: true,
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  skipLibCheck: true,
  noEmit: true,
};

// Declarations of the packages are parsed once for all groups.
const host = ts.createCompilerHost(compilerOptions);
const parsedLibraries = new Map<string, ts.SourceFile | undefined>();
const getSourceFile = host.getSourceFile.bind(host);
host.getSourceFile = (fileName, languageVersion, ...rest) => {
  if (fileName.startsWith(outputDirectory)) return getSourceFile(fileName, languageVersion, ...rest);
  if (!parsedLibraries.has(fileName)) parsedLibraries.set(fileName, getSourceFile(fileName, languageVersion, ...rest));
  return parsedLibraries.get(fileName);
};

/** The group's errors, each located at its line in the markdown file. */
function compileGroup(group: string): string[] {
  const directory = join(outputDirectory, group.replace(/[^\w.-]+/g, '-'));
  mkdirSync(directory, { recursive: true });
  const byFile = new Map<string, ReadmeSnippet>();
  for (const snippet of snippets.filter((candidate) => candidate.group === group)) {
    const file = join(directory, snippet.fileName);
    if (byFile.has(file)) throw new Error(`${snippet.document}:${snippet.firstLine}: a second block named ${snippet.fileName} in ${group}`);
    byFile.set(file, snippet);
    writeFileSync(file, snippet.code);
  }
  const program = ts.createProgram([...byFile.keys()], compilerOptions, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const snippet = diagnostic.file && byFile.get(diagnostic.file.fileName);
    if (!diagnostic.file || !snippet) return `${diagnostic.file?.fileName ?? '(no file)'}: ${message}`;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const documentLine = snippet.firstLine + line - snippet.contextLines;
    return line < snippet.contextLines
      ? `${snippet.document}:${snippet.firstLine - 1} (snippet-context): ${message}`
      : `${snippet.document}:${documentLine}: ${message}`;
  });
}

describe('README and docs TypeScript snippets', () => {
  beforeAll(() => {
    requireBuiltPackage();
    rmSync(outputDirectory, { recursive: true, force: true });
    writeCommonJsApp();
  });

  it('are found, in the README and in docs/', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(15);
    expect(snippets.filter((snippet) => snippet.code.includes("from 'nest-sessions'")).length).toBeGreaterThanOrEqual(8);
    expect(snippets.filter((snippet) => snippet.document === 'README.md').length).toBeGreaterThanOrEqual(5);
    expect(snippets.filter((snippet) => snippet.document.startsWith('docs/')).length).toBeGreaterThanOrEqual(5);
  });

  it('import their sibling files without an extension, as CommonJS apps must (their Jest and webpack resolve no `.js` to `.ts`)', () => {
    const relativeImportsWithExtension = snippets.flatMap((snippet) =>
      [...snippet.code.matchAll(/from '(\.{1,2}\/[^']*\.js)'/g)].map((match) => `${snippet.fileName} (${snippet.document}:${snippet.firstLine}): ${match[1]}`),
    );
    expect(relativeImportsWithExtension).toEqual([]);
  });

  it.each(groups)('compile: %s', (group) => {
    expect(compileGroup(group)).toEqual([]);
  });
});
