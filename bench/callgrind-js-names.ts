/**
 * Gives callgrind's nameless functions (code V8 compiled at run time, which callgrind shows as
 * `0x…` addresses) the JavaScript names V8 wrote to its perf map (`node --perf-basic-prof
 * --interpreted-frames-native-stack` writes `/tmp/perf-<pid>.map`: `start size name` per code
 * object). With the names in the dump, `callgrind_annotate --inclusive=yes` shows what each
 * JavaScript function costs with everything it calls: runtime, builtins, other functions.
 */
import { readFileSync, writeFileSync } from 'node:fs';

interface CodeRange {
  start: bigint;
  end: bigint;
  name: string;
}

/**
 * The perf map's code ranges in the order V8 wrote them. V8 reuses the memory of code it
 * freed, so an address can sit in several ranges: the last one written is the live one.
 */
export function readPerfMap(text: string): CodeRange[] {
  const ranges: CodeRange[] = [];
  for (const line of text.split('\n')) {
    const match = /^([0-9a-fA-F]+) ([0-9a-fA-F]+) (.+)$/.exec(line);
    if (!match) continue;
    const start = BigInt(`0x${match[1]}`);
    ranges.push({ start, end: start + BigInt(`0x${match[2]}`), name: shortName(match[3]!) });
  }
  return ranges;
}

/** `JS:*hookResponse file:///…/bench/.tmp/lib/core/response-hooks.js:7:29` → `js:hookResponse lib/core/response-hooks.js:7`. */
function shortName(perfName: string): string {
  const match = /^(?:[A-Za-z]+:)?[*~^+-]?(\S*) ?(.*)$/.exec(perfName);
  if (!match) return `js:${perfName}`;
  const [, functionName, location] = match;
  const where = (location ?? '')
    .replace(/^file:\/\/.*?\/node_modules\//, 'node_modules/')
    .replace(/^file:\/\/.*\/(bench\/\.tmp|nest-sessions-prototype-[^/]+)\//, '')
    .replace(/:(\d+):\d+$/, ':$1');
  return `js:${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

function lookup(ranges: CodeRange[], address: bigint): string | undefined {
  for (let index = ranges.length - 1; index >= 0; index--) {
    const range = ranges[index]!;
    if (address >= range.start && address < range.end) return range.name;
  }
  return undefined;
}

/** Rewrites `fn=(id) 0x…` / `cfn=(id) 0x…` in a callgrind dump with the perf map's names. */
export function nameJitFunctions(dumpFile: string, perfMapFile: string, namedDumpFile: string): number {
  const ranges = readPerfMap(readFileSync(perfMapFile, 'utf8'));
  let named = 0;
  const text = readFileSync(dumpFile, 'utf8').replace(/^(c?fn)=\((\d+)\) 0x([0-9a-fA-F]+)$/gm, (line, kind: string, id: string, hex: string) => {
    const name = lookup(ranges, BigInt(`0x${hex}`));
    if (!name) return line;
    named++;
    return `${kind}=(${id}) ${name}`;
  });
  writeFileSync(namedDumpFile, text);
  return named;
}
