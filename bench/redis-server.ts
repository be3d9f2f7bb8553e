import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/** A throw-away redis-server owned by the harness: no persistence, stopped at the end. */
export interface BenchRedis {
  url: string;
  /** The redis-server's process id (valgrind's, which runs it, when started under a wrapper). */
  pid?: number;
  stop(): Promise<void>;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts redis-server, under `wrapper` (e.g. valgrind and its arguments) when given. */
export async function startRedisServer(wrapper: string[] = []): Promise<BenchRedis> {
  const port = await freePort();
  const serverArgs = ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const [command, ...args] = [...wrapper, ...serverArgs] as [string, ...string[]];
  const child: ChildProcess = spawn(command, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined);
  await waitForPort(port, wrapper.length ? 60_000 : 5_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (isOpen) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not open port ${port}: is redis-server on PATH?`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
