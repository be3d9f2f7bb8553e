import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, waitUntil } from './redis-server.js';

/** Debian's PostgreSQL binaries (the postgresql package): the newest version installed. */
const POSTGRES_BIN =
  process.env.POSTGRES_BIN ?? join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))[0] ?? '15', 'bin');

/** The shared PostgreSQL server the tests may use (trust auth, database `test`), each test on tables of its own. */
export const SHARED_POSTGRES = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` OS user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) };
}

/**
 * A PostgreSQL server of a test's own (never the shared one): a data directory made by initdb
 * in a temporary folder, the server on a free port, stopped by its PID. Trust authentication,
 * no fsync: a throw-away server.
 */
export class PostgresServerProcess {
  #process: ChildProcess | undefined;

  private constructor(
    readonly dataDirectory: string,
    readonly port: number,
    private readonly user: { uid: number; gid: number } | undefined,
  ) {}

  static async start(): Promise<PostgresServerProcess> {
    const folder = mkdtempSync(join(tmpdir(), 'nest-sessions-pg-'));
    const user = serverUser();
    if (user) chownSync(folder, user.uid, user.gid);
    chmodSync(folder, 0o700);
    const dataDirectory = join(folder, 'data');
    execFileSync(join(POSTGRES_BIN, 'initdb'), ['-D', dataDirectory, '-U', 'postgres', '--auth=trust', '--no-sync'], { ...user, stdio: 'ignore' });
    const server = new PostgresServerProcess(dataDirectory, await freePort(), user);
    await server.resume();
    return server;
  }

  get connectionString(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** Starts the server (again) on its data directory and port; resolves once it answers. */
  async resume(): Promise<void> {
    const options = ['-D', this.dataDirectory, '-p', String(this.port), '-k', this.dataDirectory, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'];
    this.#process = spawn(join(POSTGRES_BIN, 'postgres'), options, { ...this.user, stdio: 'ignore' });
    this.#process.once('exit', () => (this.#process = undefined));
    await waitUntil(() => this.#answers(), 'the PostgreSQL server answers', 20_000);
  }

  /** Shuts the server down at once, as a crash or a failover would (SIGQUIT to its PID), and waits for it to exit. */
  async stop(): Promise<void> {
    const serverProcess = this.#process;
    if (!serverProcess) return;
    const exited = new Promise((resolve) => serverProcess.once('exit', resolve));
    serverProcess.kill('SIGQUIT');
    await exited;
  }

  /** Stops the server and removes its files. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(join(this.dataDirectory, '..'), { recursive: true, force: true });
  }

  async #answers(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
