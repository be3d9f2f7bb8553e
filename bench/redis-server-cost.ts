/**
 * `node bench/.tmp/bench/redis-server-cost.js [--cell NAME] [--requests N] [--callgrind]`: what each Redis
 * mode costs the Redis server per request, which callgrind (counting the app's process only)
 * does not see: the commands each request sends, Redis' time in them (`INFO commandstats`) and
 * its CPU time (`INFO cpu`, user + system: the socket reads and writes included). In
 * `npm run bench` Redis shares CPU 1 with the load generator; on a machine where it shares the
 * app's CPU, this is taken from the app's throughput. With `--callgrind`, redis-server runs
 * under callgrind and its instructions per request are counted too (the app runs natively).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'redis';
import { generateSessionId, signSessionId } from '../lib/index.js';
import { startApp } from './app-process.js';
import { runAutocannon } from './load.js';
import { cellName, parseCellName } from './matrix.js';
import { BENCH_SECRET, MODES } from './modes.js';
import type { ModeName } from './modes.js';
import { startRedisServer } from './redis-server.js';
import { flagValue } from './flags.js';

const REDIS_MODES: ModeName[] = ['express-session-redis', 'nest-sessions-redis'];

/** The part of a node-redis client that reads `INFO` (its reply type varies with the protocol). */
interface RedisInfoClient {
  info(section: string): Promise<unknown>;
}

/** `INFO cpu` user + system seconds and `INFO commandstats` calls and µs per command. */
async function serverCounters(client: RedisInfoClient): Promise<{ cpuSeconds: number; commands: Map<string, { calls: number; microseconds: number }> }> {
  const cpu = String(await client.info('cpu'));
  const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)![1]);
  const commands = new Map<string, { calls: number; microseconds: number }>();
  for (const match of String(await client.info('commandstats')).matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+),usec=(\d+)/gm)) {
    commands.set(match[1]!, { calls: Number(match[2]), microseconds: Number(match[3]) });
  }
  return { cpuSeconds: seconds('used_cpu_user') + seconds('used_cpu_sys'), commands };
}

const CALLGRIND_DIR = join('bench', '.tmp', 'redis-callgrind');

/** Zeroes or dumps the counts of the redis-server running under callgrind. */
function callgrindControl(action: '--zero' | '--dump', pid: number): void {
  execFileSync('callgrind_control', [action, String(pid)], { stdio: 'ignore', timeout: 120_000 });
}

/** The instructions of the newest dump (its `summary:` line), the dumps removed. */
function dumpedInstructions(): number {
  const dumps = readdirSync(CALLGRIND_DIR).filter((file) => /\.\d+$/.test(file));
  const totals = dumps.map((file) => Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(join(CALLGRIND_DIR, file), 'utf8'))?.[1] ?? 0));
  for (const file of readdirSync(CALLGRIND_DIR)) rmSync(join(CALLGRIND_DIR, file));
  return totals.reduce((sum, total) => sum + total, 0);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const valueOf = (flag: string) => flagValue(argv, flag);
  const cell = parseCellName(valueOf('--cell') ?? 'recommended');
  const requests = Number(valueOf('--requests') ?? 20_000);
  const sessionIds = Array.from({ length: 2_000 }, () => generateSessionId());
  const cookieHeaders = sessionIds.map((sessionId) => `connect.sid=${encodeURIComponent(signSessionId(sessionId, BENCH_SECRET))}`);
  const isCallgrind = argv.includes('--callgrind');
  if (isCallgrind) {
    mkdirSync(CALLGRIND_DIR, { recursive: true });
    for (const file of readdirSync(CALLGRIND_DIR)) rmSync(join(CALLGRIND_DIR, file));
  }
  const wrapper = isCallgrind ? ['valgrind', '--tool=callgrind', '-q', `--callgrind-out-file=${CALLGRIND_DIR}/callgrind.redis`] : [];
  const redis = await startRedisServer(wrapper);
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    console.log(`Redis server cost per request, cell ${cellName(cell)}, ${requests} requests after ${requests / 4} warm-up requests:\n`);
    console.log(`| Mode | commands per request (µs per call) | Redis command time µs / request | Redis CPU µs / request (user + sys) |${isCallgrind ? ' Redis instructions / request |' : ''}`);
    console.log(`| --- | --- | ---: | ---: |${isCallgrind ? ' ---: |' : ''}`);
    for (const mode of REDIS_MODES) {
      const app = await startApp(mode, cell, sessionIds, redis, []);
      if (typeof app === 'string') throw new Error(`${mode}: ${app}`);
      try {
        const load = { port: app.port, connections: 20, durationSeconds: 0, cookieHeaders };
        await runAutocannon({ ...load, amount: requests / 4 });
        await client.sendCommand(['CONFIG', 'RESETSTAT']);
        const before = await serverCounters(client);
        if (isCallgrind) callgrindControl('--zero', redis.pid!);
        const result = await runAutocannon({ ...load, amount: requests });
        if (isCallgrind) callgrindControl('--dump', redis.pid!);
        const after = await serverCounters(client);
        const instructions = isCallgrind ? ` ${Math.round(dumpedInstructions() / requests).toLocaleString('en-US')} |` : '';
        if (result.failures) throw new Error(`${mode}: ${result.failures} requests failed`);
        const perCommand = [...after.commands]
          .filter(([name]) => name !== 'info' && name !== 'config|resetstat')
          .map(([name, { calls, microseconds }]) => ({ name, perRequest: calls / requests, microsecondsPerCall: microseconds / calls }));
        const commandMicroseconds = perCommand.reduce((sum, command) => sum + command.perRequest * command.microsecondsPerCall, 0);
        console.log(
          `| ${MODES[mode].label} | ${perCommand.map((command) => `${command.perRequest.toFixed(2)} ${command.name.toUpperCase()} (${command.microsecondsPerCall.toFixed(1)})`).join(', ')} | ` +
            `${commandMicroseconds.toFixed(1)} | ${(((after.cpuSeconds - before.cpuSeconds) / requests) * 1e6).toFixed(1)} |${instructions}`,
        );
      } finally {
        await app.stop();
      }
    }
  } finally {
    await client.quit();
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
