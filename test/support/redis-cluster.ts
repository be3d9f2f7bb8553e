import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RedisServerProcess, freePort, waitUntil } from './redis-server.js';

const run = promisify(execFile);

/** Redis Cluster's bus listens on the client port + 10000: both must be free. */
const CLUSTER_BUS_PORT_OFFSET = 10_000;

/** A Redis Cluster of masters started from redis-server binaries by the test. */
export class RedisClusterProcesses {
  private constructor(readonly masters: RedisServerProcess[]) {}

  /** Starts `masterCount` cluster-enabled servers, assigns them all 16384 slots, waits for `cluster_state:ok`. */
  static async start(masterCount = 3): Promise<RedisClusterProcesses> {
    const masters: RedisServerProcess[] = [];
    try {
      for (let index = 0; index < masterCount; index++) {
        const port = await freePort(CLUSTER_BUS_PORT_OFFSET);
        const clusterArgs = ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000'];
        masters.push(await RedisServerProcess.start(clusterArgs, port));
      }
      const addresses = masters.map((master) => `127.0.0.1:${master.port}`);
      await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
      const cluster = new RedisClusterProcesses(masters);
      await waitUntil(() => cluster.#isEveryNodeOk(), 'every cluster node reports cluster_state:ok');
      return cluster;
    } catch (error) {
      await Promise.all(masters.map((master) => master.stop()));
      throw error;
    }
  }

  /** Start-up nodes for `new Cluster(...)`. */
  get nodes(): Array<{ host: string; port: number }> {
    return this.masters.map((master) => ({ host: '127.0.0.1', port: master.port }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.masters.map((master) => master.stop()));
  }

  async #isEveryNodeOk(): Promise<boolean> {
    const infos = await Promise.all(
      this.masters.map((master) => run('redis-cli', ['-p', String(master.port), 'cluster', 'info']).then(({ stdout }) => stdout)),
    );
    return infos.every((info) => info.includes('cluster_state:ok'));
  }
}
