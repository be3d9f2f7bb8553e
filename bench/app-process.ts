import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinApp } from './cpu-pinning.js';
import type { Cell } from './matrix.js';
import type { AppMessage, ModeName, StartMessage } from './modes.js';
import type { BenchRedis } from './redis-server.js';

const compiledDir = dirname(fileURLToPath(import.meta.url));

/** A benchmarked app, listening in a process of its own. */
export interface RunningApp {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Starts a mode's app process (pinned to the app's CPU); resolves to a reason string when the mode cannot run. */
export async function startApp(
  mode: ModeName,
  cell: Cell,
  sessionIds: string[],
  redis: BenchRedis | undefined,
  execArgv: string[],
  /** Runs the app under another program (valgrind): its path and arguments before node's. */
  wrapper?: { execPath: string; args: string[] },
  /** Another build of bench/app.js (a prototype of lib/ changes built elsewhere). */
  appFile = join(compiledDir, 'app.js'),
): Promise<RunningApp | string> {
  const child: ChildProcess = fork(appFile, [], {
    execArgv: wrapper ? [...wrapper.args, process.execPath, ...execArgv] : execArgv,
    ...(wrapper ? { execPath: wrapper.execPath } : {}),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  pinApp(child.pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const reply = await new Promise<AppMessage>((resolve, reject) => {
    child.once('message', (message: AppMessage) => resolve(message));
    child.once('exit', (code) => reject(new Error(`${mode} app exited with code ${code} before it was ready`)));
    const start: StartMessage = { type: 'start', mode, cell, sessionIds, redisUrl: redis?.url };
    child.send(start);
  });
  if (reply.type === 'unavailable') {
    await exited;
    return reply.reason;
  }
  if (reply.type === 'failed') {
    await exited;
    throw new Error(`${mode} app failed to start:\n${reply.error}`);
  }
  return {
    port: reply.port,
    pid: child.pid!,
    async stop() {
      // Disconnecting tells the app to close (and write its CPU profile) and exit.
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), wrapper ? 120_000 : 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

