/**
 * The README's TypeScript blocks, as files to type-check.
 *
 * - Every ```ts / ```typescript block is one file. A block whose first line is a comment naming
 *   a file (`// app.module.ts`) gets that name, so blocks of one section can import each other
 *   (`./account.controller`); other blocks are `snippet-N.ts`.
 * - Blocks are grouped by `## ` section: each section is type-checked on its own (sections may
 *   declare different `SessionData` keys).
 * - A line `<!-- snippet-context: … -->` right above a block is prepended to it, for what a
 *   fragment takes from the reader's app (`declare const app: INestApplication;`) and
 *   would be noise in the README.
 */
export interface ReadmeSnippet {
  section: string;
  fileName: string;
  /** The file as checked: the context line (if any), then the block. */
  code: string;
  /** README line of the block's first line, and how many lines of context precede it. */
  firstLine: number;
  contextLines: number;
}

const TS_FENCE = /^```(ts|typescript)\s*$/;
const ANY_FENCE = /^```/;
const CONTEXT = /^<!-- snippet-context: (.*) -->\s*$/;
const NAMED_FILE = /^\/\/ ([\w.-]+\.ts)\b/;

export function readmeSnippets(markdown: string): ReadmeSnippet[] {
  const lines = markdown.split('\n');
  const snippets: ReadmeSnippet[] = [];
  let section = 'introduction';
  let unnamedCount = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line.startsWith('## ')) section = slug(line.slice(3));
    if (!ANY_FENCE.test(line)) continue;
    const end = lines.findIndex((candidate, at) => at > index && /^```\s*$/.test(candidate));
    if (end === -1) throw new Error(`README.md:${index + 1}: a code block is never closed`);
    if (TS_FENCE.test(line)) {
      const body = lines.slice(index + 1, end);
      const context = CONTEXT.exec(lines[index - 1] ?? '')?.[1];
      const fileName = NAMED_FILE.exec(body[0] ?? '')?.[1] ?? `snippet-${++unnamedCount}.ts`;
      snippets.push({
        section,
        fileName,
        code: [...(context === undefined ? [] : [context]), ...body].join('\n') + '\n',
        firstLine: index + 2,
        contextLines: context === undefined ? 0 : 1,
      });
    }
    index = end;
  }
  return snippets;
}

function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'section';
}
