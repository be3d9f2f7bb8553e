import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadOptions, LoadResult } from './load.js';

/**
 * wrk (Debian's package) as the second load generator: one thread (`-t1`), its connections
 * on the harness's CPU, a Lua script that puts a random pre-created session's cookie on every
 * request. wrk is C with an event loop of its own, so it drives the app harder per CPU than
 * autocannon does, and the ratios between modes should hold under either.
 */

/** Installs wrk from Debian's packages when it is missing (bench/system-deps.sh). */
export function ensureWrk(benchDir: string): void {
  execFileSync('bash', [join(benchDir, 'system-deps.sh'), 'wrk'], { stdio: 'inherit' });
}

/** The Lua script: the cookie pool as a table, one random entry per request. */
export function wrkScript(cookieHeaders: string[]): string {
  const pool = cookieHeaders.map((header) => `  ${JSON.stringify(header)},`).join('\n');
  return [
    '-- Written by bench/wrk-load.ts: GET /counter with a random pre-created session per request.',
    'local cookies = {',
    pool,
    '}',
    'local count = #cookies',
    'math.randomseed(os.time())',
    'request = function()',
    '  return wrk.format("GET", "/counter", { ["Cookie"] = cookies[math.random(count)] })',
    'end',
    '',
  ].join('\n');
}

/** A wrk latency ("1.23ms", "850.00us", "1.01s") in milliseconds. */
export function parseWrkDuration(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!match) throw new Error(`unreadable wrk duration ${JSON.stringify(text)}`);
  const value = Number(match[1]);
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
  return value * factor;
}

/** Requests per second, p50/p99 and failures from wrk's `--latency` report. */
export function parseWrkOutput(output: string): LoadResult {
  const requestsPerSecond = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p50 = /^\s+50(?:\.000)?%\s+(\S+)/m.exec(output);
  const p99 = /^\s+99(?:\.000)?%\s+(\S+)/m.exec(output);
  if (!requestsPerSecond || !p50 || !p99) throw new Error(`unreadable wrk output:\n${output}`);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const failures =
    (socketErrors ? socketErrors.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0) +
    (non2xx ? Number(non2xx[1]) : 0);
  return {
    requestsPerSecond: Number(requestsPerSecond[1]),
    latencyP50Ms: Number(parseWrkDuration(p50[1]!).toFixed(2)),
    latencyP99Ms: Number(parseWrkDuration(p99[1]!).toFixed(2)),
    failures,
  };
}

/** Runs wrk against GET /counter; the script is written once per cookie pool into `scriptDir`. */
export async function runWrk(options: LoadOptions & { scriptDir: string }): Promise<LoadResult> {
  const scriptFile = join(options.scriptDir, 'wrk-sessions.lua');
  writeFileSync(scriptFile, wrkScript(options.cookieHeaders));
  const args = [
    '-t1',
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    '--timeout',
    '10s',
    '--latency',
    '-s',
    scriptFile,
    `http://127.0.0.1:${options.port}/counter`,
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with code ${code}:\n${text}`))));
  });
  return parseWrkOutput(output);
}
