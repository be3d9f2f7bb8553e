import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The TypeScript blocks of the README and of the pages under docs/, as files to type-check.
 *
 * - Every ```ts / ```typescript block is one file. A block whose first line is a comment naming
 *   a file (`// app.module.ts`) gets that name, so blocks of one group can import each other
 *   (`./account.controller`); other blocks are `snippet-N.ts`.
 * - Blocks are grouped, and each group is type-checked on its own (groups may declare different
 *   `SessionData` keys): in the README, by `## ` section; a page under docs/ covers one topic
 *   and is one group.
 * - A line `<!-- snippet-context: … -->` right above a block is prepended to it, for what a
 *   fragment takes from the reader's app (`declare const app: INestApplication;`) and
 *   would be noise in the docs.
 */
export interface ReadmeSnippet {
  /** The markdown file it comes from, relative to the repository root (`README.md`, `docs/redis.md`). */
  document: string;
  /** The blocks type-checked together: `README.md#quick-start`, `docs/redis.md`. */
  group: string;
  fileName: string;
  /** The file as checked: the context line (if any), then the block. */
  code: string;
  /** Line of the block's first line in its document, and how many lines of context precede it. */
  firstLine: number;
  contextLines: number;
}

const TS_FENCE = /^```(ts|typescript)\s*$/;
const ANY_FENCE = /^```/;
const CLOSING_FENCE = /^```\s*$/;
const CONTEXT = /^<!-- snippet-context: (.*) -->\s*$/;
const NAMED_FILE = /^\/\/ ([\w.-]+\.ts)\b/;

/** The markdown files whose code blocks and links are checked: README, CONTRIBUTING and docs/*.md. */
export function documentationFiles(repoRoot: string): string[] {
  const pages = existsSync(join(repoRoot, 'docs'))
    ? readdirSync(join(repoRoot, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)
    : [];
  return ['README.md', ...(existsSync(join(repoRoot, 'CONTRIBUTING.md')) ? ['CONTRIBUTING.md'] : []), ...pages];
}

/** The TypeScript blocks of every documentation file. */
export function documentationSnippets(repoRoot: string): ReadmeSnippet[] {
  return documentationFiles(repoRoot).flatMap((document) => readmeSnippets(readFileSync(join(repoRoot, document), 'utf8'), document));
}

export function readmeSnippets(markdown: string, document = 'README.md'): ReadmeSnippet[] {
  const isReadme = document === 'README.md';
  const snippets: ReadmeSnippet[] = [];
  let section = 'introduction';
  let unnamedCount = 0;
  for (const block of codeBlocks(markdown, document)) {
    section = block.section;
    if (!TS_FENCE.test(block.fence)) continue;
    const context = CONTEXT.exec(block.lineBefore)?.[1];
    const fileName = NAMED_FILE.exec(block.body[0] ?? '')?.[1] ?? `snippet-${++unnamedCount}.ts`;
    snippets.push({
      document,
      group: isReadme ? `${document}#${section}` : document,
      fileName,
      code: [...(context === undefined ? [] : [context]), ...block.body].join('\n') + '\n',
      firstLine: block.firstLine,
      contextLines: context === undefined ? 0 : 1,
    });
  }
  return snippets;
}

interface CodeBlock {
  fence: string;
  body: string[];
  /** 1-based line of the body's first line. */
  firstLine: number;
  lineBefore: string;
  /** Slug of the `## ` section the block sits in. */
  section: string;
}

function codeBlocks(markdown: string, document: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let section = 'introduction';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line.startsWith('## ')) section = headingAnchor(line.slice(3));
    if (!ANY_FENCE.test(line)) continue;
    const end = lines.findIndex((candidate, at) => at > index && CLOSING_FENCE.test(candidate));
    if (end === -1) throw new Error(`${document}:${index + 1}: a code block is never closed`);
    blocks.push({ fence: line, body: lines.slice(index + 1, end), firstLine: index + 2, lineBefore: lines[index - 1] ?? '', section });
    index = end;
  }
  return blocks;
}

/** A relative link of a markdown file: `[text](target)` outside code, with its line. */
export interface MarkdownLink {
  line: number;
  /** The path part (empty for a link within the same file). */
  path: string;
  /** The anchor without `#`, if any. */
  anchor?: string;
}

const INLINE_LINK = /\[[^\]]*\]\(([^)\s]+)\)/g;
const INLINE_CODE = /`[^`]*`/g;

/** Relative links (no scheme): the ones that break when a file moves. */
export function relativeLinks(markdown: string): MarkdownLink[] {
  const lines = markdown.split('\n');
  const links: MarkdownLink[] = [];
  let isInCode = false;
  lines.forEach((line, index) => {
    if (ANY_FENCE.test(line)) isInCode = !isInCode;
    if (isInCode || ANY_FENCE.test(line)) return;
    for (const match of line.replace(INLINE_CODE, '').matchAll(INLINE_LINK)) {
      const target = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const hash = target.indexOf('#');
      links.push({ line: index + 1, path: hash === -1 ? target : target.slice(0, hash), anchor: hash === -1 ? undefined : target.slice(hash + 1) });
    }
  });
  return links;
}

/** The anchors GitHub gives a markdown file's headings (`## Redis Cluster` → `redis-cluster`; repeats get `-1`, `-2`). */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let isInCode = false;
  for (const line of markdown.split('\n')) {
    if (ANY_FENCE.test(line)) isInCode = !isInCode;
    const heading = isInCode ? null : /^#{1,6} (.*)$/.exec(line);
    if (!heading) continue;
    const anchor = headingAnchor(heading[1]);
    const count = seen.get(anchor) ?? 0;
    seen.set(anchor, count + 1);
    anchors.add(count === 0 ? anchor : `${anchor}-${count}`);
  }
  return anchors;
}

/** GitHub's heading anchor: lower case, punctuation dropped, each space a hyphen. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}
