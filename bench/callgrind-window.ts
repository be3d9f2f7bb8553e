/**
 * Counting a window of an app's requests with callgrind: the app starts under valgrind with
 * instrumentation off, is warmed up natively-fast, and only the requests sent between
 * `--instr=on` and `--dump` are counted. Shared by `--profile` and `--csrf`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseAnnotate, steadyInstructions } from './callgrind-categories.js';

/** How to start node under callgrind, instrumentation off, its dumps named `<outputDir>/<name>.<pid>`. */
export function callgrindWrapper(outputDir: string, name: string, extraArgs: readonly string[] = []): { execPath: string; args: string[] } {
  for (const file of readdirSync(outputDir)) if (file.startsWith(`${name}.`) || file === name) rmSync(join(outputDir, file));
  return {
    execPath: 'valgrind',
    args: ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(outputDir, name)}`, '--dump-line=no', '-q', ...extraArgs],
  };
}

export function callgrindControl(args: string[]): void {
  execFileSync('callgrind_control', args, { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
}

/** Runs `load` with the process's instrumentation on, then dumps its counts and turns it off again. */
export async function countedWindow<T>(pid: number, load: () => Promise<T>): Promise<T> {
  callgrindControl(['--instr=on', String(pid)]);
  const result = await load();
  callgrindControl(['--dump', String(pid)]);
  callgrindControl(['--instr=off', String(pid)]);
  return result;
}

/** The dump callgrind wrote for `name` (see `callgrindWrapper`). */
export function dumpFileOf(outputDir: string, name: string): string {
  const dumpFile = readdirSync(outputDir).find((file) => file.startsWith(`${name}.`) && /\.\d+$/.test(file));
  if (!dumpFile) throw new Error(`${name}: callgrind wrote no dump`);
  return join(outputDir, dumpFile);
}

/** The instructions a dump counted (every thread), in all and without the major GC and the JIT compilers. */
export function dumpCounts(dumpFile: string): { total: number; steady: number } {
  const match = /^summary:\s*(\d+)/m.exec(readFileSync(dumpFile, 'latin1').slice(0, 4096));
  if (!match) throw new Error(`${dumpFile}: no summary line`);
  const annotated = execFileSync('callgrind_annotate', ['--threshold=100', '--show-percs=no', '--auto=no', dumpFile], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { total: Number(match[1]), steady: steadyInstructions(parseAnnotate(annotated)) };
}
