import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Module } from '@nestjs/common';
import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { SessionModule } from '../../../lib/index.js';
import { RedisStore } from '../../../lib/redis.js';
import { RedisServerProcess, freePort, waitUntil } from '../../support/redis-server.js';
import { CollectingLogger } from './redis-targets.js';
import { TEST_SECRET } from '../../support/test-secret.js';

const UNHANDLED = '[ioredis] Unhandled error event';

/** A client the app owns and passes in, with no 'error' listener of its own; reconnects fast. */
function ownedClient(port: number): Redis {
  return new Redis(port, '127.0.0.1', { ...RedisStore.failFastClientOptions, retryStrategy: () => 50 });
}

/** Resolves once the client has failed to reconnect `count` times (Redis is down meanwhile). */
async function failedReconnects(client: Redis, count: number): Promise<void> {
  let attempts = 0;
  client.on('reconnecting', () => attempts++);
  await waitUntil(() => attempts >= count, `${count} reconnection attempts`);
}

/** Runs the fixture in a child process against a port nothing listens on; its stderr and its log. */
function whileRedisIsDown(port: number, mode: 'store' | 'bare'): { stderr: string; logged: string[] } {
  const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/client-while-redis-down.ts');
  const child = spawnSync(process.execPath, ['--import', 'tsx', fixture, String(port), mode], { encoding: 'utf8', timeout: 20_000 });
  if (child.status !== 0) throw new Error(`the fixture failed: ${child.stderr}`);
  const { logged } = JSON.parse(child.stdout.trim().split('\n').pop()!) as { logged: string[] };
  return { stderr: child.stderr, logged };
}

describe('RedisStore with a client passed in, while Redis is down', () => {
  let server: RedisServerProcess;
  const clients: Redis[] = [];

  beforeEach(async () => {
    server = await RedisServerProcess.start();
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await server.stop();
  });

  function client(): Redis {
    const created = ownedClient(server.port);
    clients.push(created);
    return created;
  }

  it('prints no unhandled error event on each failed reconnect, and logs the lost connection once', async () => {
    const closedPort = await freePort();
    const control = whileRedisIsDown(closedPort, 'bare');
    expect(control.stderr.split(UNHANDLED).length - 1).toBeGreaterThanOrEqual(5); // the check sees them

    const withStore = whileRedisIsDown(closedPort, 'store');
    expect(withStore.stderr).not.toContain(UNHANDLED);
    expect(withStore.logged).toEqual([expect.stringMatching(/^nest-sessions: RedisStore lost its connection to Redis \(.*ECONNREFUSED/)]);
  });

  it('logs each connection change once, and leaves the client to its owner', async () => {
    const passedIn = client();
    const logger = new CollectingLogger();
    const store = new RedisStore({ client: passedIn, logger });
    await waitUntil(() => passedIn.status === 'ready', 'the client is ready');

    await server.kill();
    await failedReconnects(passedIn, 5);
    expect(logger.messages).toEqual([expect.stringMatching(/^nest-sessions: RedisStore lost its connection to Redis/)]);

    await server.restart();
    await waitUntil(() => store.isConnected, 'the store is connected again');
    expect(logger.messages).toHaveLength(2);
    expect(logger.messages[1]).toMatch(/reconnected to Redis/);
    await store.close();
    expect(passedIn.status).toBe('ready'); // the client stays its owner's
  });

  describe('inside SessionModule', () => {
    class CapturingNestLogger implements LoggerService {
      readonly warnings: Array<{ message: string; context?: string }> = [];
      log(): void {}
      error(): void {}
      warn(message: string, context?: string): void {
        this.warnings.push({ message, context });
      }
    }

    async function appWith(store: RedisStore) {
      @Module({ imports: [SessionModule.forRoot({ secret: TEST_SECRET, store, closeStoreOnShutdown: false })] })
      class AppModule {}
      const nestLogger = new CapturingNestLogger();
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
        .setLogger(nestLogger)
        .compile();
      const app = moduleRef.createNestApplication({ logger: nestLogger });
      await app.init();
      return { app, nestLogger };
    }

    it("logs through Nest's Logger when the store was given no logger", async () => {
      const passedIn = client();
      const { app, nestLogger } = await appWith(new RedisStore({ client: passedIn }));
      await waitUntil(() => passedIn.status === 'ready', 'the client is ready');
      await server.kill();
      await failedReconnects(passedIn, 3);
      const storeWarnings = nestLogger.warnings.filter((warning) => warning.context === 'SessionStore');
      expect(storeWarnings).toEqual([{ message: expect.stringMatching(/RedisStore lost its connection/), context: 'SessionStore' }]);
      await app.close();
    });

    it("leaves the store's own logger option in charge", async () => {
      const passedIn = client();
      const ownLogger = new CollectingLogger();
      const { app, nestLogger } = await appWith(new RedisStore({ client: passedIn, logger: ownLogger }));
      await waitUntil(() => passedIn.status === 'ready', 'the client is ready');
      await server.kill();
      await failedReconnects(passedIn, 3);
      expect(ownLogger.messages).toEqual([expect.stringMatching(/RedisStore lost its connection/)]);
      expect(nestLogger.warnings.filter((warning) => warning.context === 'SessionStore')).toEqual([]);
      await app.close();
    });
  });
});
