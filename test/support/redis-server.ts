import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How long a just-started redis-server may take to answer PING before the helper gives up. */
const START_LIMIT_MS = 15_000;

/** Every process the helpers started, killed if the test process exits without stopping them. */
const runningProcesses = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of runningProcesses) child.kill('SIGKILL');
});

/**
 * A redis-server this test started, on a free port with its own directory, no persistence.
 * Only such servers may be flushed, killed or paused by tests.
 */
export class RedisServerProcess {
  #child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly directory: string,
    readonly extraArgs: readonly string[],
    /** A config file redis-server must read first (Sentinel rewrites it, so it is per process). */
    readonly configFile?: string,
  ) {}

  /** Starts redis-server on a free port (with `extraArgs`, e.g. cluster mode) and waits for PONG. */
  static async start(extraArgs: readonly string[] = [], port?: number): Promise<RedisServerProcess> {
    const directory = mkdtempSync(join(tmpdir(), 'nest-sessions-redis-'));
    const server = new RedisServerProcess(port ?? (await freePort()), directory, extraArgs);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get isRunning(): boolean {
    return this.#child !== undefined;
  }

  /**
   * Starts a Sentinel on a free port that monitors the master on `masterPort` as `masterName`
   * (by default alone: quorum 1, Sentinel's default timings).
   */
  static async startSentinel(masterPort: number, masterName: string, settings: SentinelSettings = {}): Promise<RedisServerProcess> {
    const directory = mkdtempSync(join(tmpdir(), 'nest-sessions-sentinel-'));
    const configFile = join(directory, 'sentinel.conf');
    const lines = [`sentinel monitor ${masterName} 127.0.0.1 ${masterPort} ${settings.quorum ?? 1}`];
    if (settings.downAfterMs !== undefined) lines.push(`sentinel down-after-milliseconds ${masterName} ${settings.downAfterMs}`);
    if (settings.failoverTimeoutMs !== undefined) lines.push(`sentinel failover-timeout ${masterName} ${settings.failoverTimeoutMs}`);
    writeFileSync(configFile, lines.join('\n') + '\n');
    const sentinel = new RedisServerProcess(await freePort(), directory, ['--sentinel'], configFile);
    await sentinel.restart();
    return sentinel;
  }

  /** Starts the server again on the same port (after `kill`), and waits until it answers. */
  async restart(): Promise<void> {
    if (this.#child) throw new Error(`redis-server on ${this.port} is already running`);
    const args = this.configFile ? [this.configFile] : [];
    args.push('--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no');
    args.push('--dir', this.directory, '--daemonize', 'no', '--loglevel', 'warning', ...this.extraArgs);
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    runningProcesses.add(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A missing binary fails the test loudly: the Redis tests are never skipped.
    child.once('error', (error) => {
      stderr += `${error.message} (is redis-server on PATH? .ci/run installs it)`;
      runningProcesses.delete(child);
      if (this.#child === child) this.#child = undefined;
    });
    child.once('exit', () => {
      runningProcesses.delete(child);
      if (this.#child === child) this.#child = undefined;
    });
    const deadline = Date.now() + START_LIMIT_MS;
    while (!(await answersPing(this.port))) {
      if (!this.#child || Date.now() > deadline) {
        await this.kill();
        throw new Error(`redis-server did not start on port ${this.port}: ${stderr || 'no answer to PING'}`);
      }
      await sleep(20);
    }
  }

  /** Kills the server abruptly (SIGKILL), as a crash would; its data is lost. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    // #child is cleared by the 'exit' handler, so a child still set has not exited yet.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Freezes the server (SIGSTOP): connections stay open but nothing answers. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  /** Unfreezes a paused server. */
  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Kills the server and removes its directory. */
  async stop(): Promise<void> {
    this.resume();
    await this.kill();
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** How a Sentinel started by the tests watches its master. */
export interface SentinelSettings {
  /** Sentinels that must agree the master is down. */
  quorum?: number;
  /** How long the master may not answer before it is considered down. */
  downAfterMs?: number;
  failoverTimeoutMs?: number;
}

/** A TCP port nothing listens on right now (and, with `alsoFree`, neither on port + offset). */
export async function freePort(alsoFreeOffset?: number): Promise<number> {
  for (;;) {
    const port = await listenOnce(0);
    if (alsoFreeOffset === undefined) return port;
    if (port + alsoFreeOffset < 65536 && (await listenOnce(port + alsoFreeOffset).then(() => true, () => false))) return port;
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: boundPort } = server.address() as { port: number };
      server.close(() => resolve(boundPort));
    });
  });
}

/** Whether something on the port answers a RESP PING with PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    let reply = '';
    const finish = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
    socket.once('error', () => finish(false));
    socket.once('timeout', () => finish(false));
  });
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Resolves once `condition()` holds, checking every 20 ms; fails after `limitMs` (a bound, not a measurement). */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await sleep(20);
  }
}
