import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort, waitUntil } from './redis-server.js';

/** As root, the server runs as the `mysql` OS user (Debian's mariadb-server package creates it). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return { uid: Number(execFileSync('id', ['-u', 'mysql'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'mysql'], { encoding: 'utf8' })) };
}

/**
 * A MariaDB server of a test's own (never the shared one): a data directory made by
 * mariadb-install-db in a temporary folder, `mariadbd` on a free port without grant tables
 * (anyone connects as root), stopped by its PID. A database `sessions` is created at first start.
 */
export class MariaDbServerProcess {
  #process: ChildProcess | undefined;

  private constructor(
    readonly folder: string,
    readonly port: number,
  ) {}

  static async start(): Promise<MariaDbServerProcess> {
    const folder = mkdtempSync(join(tmpdir(), 'nest-sessions-mariadb-'));
    const user = serverUser();
    if (user) chownSync(folder, user.uid, user.gid);
    const userOption = user ? ['--user=mysql'] : [];
    execFileSync('mariadb-install-db', [`--datadir=${join(folder, 'data')}`, '--skip-test-db', '--auth-root-authentication-method=normal', ...userOption], { stdio: 'ignore' });
    const server = new MariaDbServerProcess(folder, await freePort());
    await server.resume();
    const connection = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
    await connection.query('CREATE DATABASE IF NOT EXISTS sessions');
    await connection.end();
    return server;
  }

  get uri(): string {
    return `mysql://root@127.0.0.1:${this.port}/sessions`;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** Starts the server (again) on its data directory and port; resolves once it answers. */
  async resume(): Promise<void> {
    const user = serverUser();
    const options = [
      '--no-defaults',
      `--datadir=${join(this.folder, 'data')}`,
      `--socket=${join(this.folder, 'mariadb.sock')}`,
      `--pid-file=${join(this.folder, 'mariadb.pid')}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      '--skip-grant-tables',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=16M',
      ...(user ? ['--user=mysql'] : []),
    ];
    this.#process = spawn('mariadbd', options, { stdio: 'ignore' });
    this.#process.once('exit', () => (this.#process = undefined));
    await waitUntil(() => this.#answers(), 'the MariaDB server answers', 20_000);
  }

  /** Kills the server as a crash would (SIGKILL to its PID) and waits for it to exit; InnoDB keeps what was committed. */
  async stop(): Promise<void> {
    const serverProcess = this.#process;
    if (!serverProcess) return;
    const exited = new Promise((resolve) => serverProcess.once('exit', resolve));
    serverProcess.kill('SIGKILL');
    await exited;
  }

  /** Stops the server and removes its files. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.folder, { recursive: true, force: true });
  }

  async #answers(): Promise<boolean> {
    try {
      const connection = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root', connectTimeout: 1_000 });
      await connection.query('SELECT 1');
      await connection.end();
      return true;
    } catch {
      return false;
    }
  }
}
