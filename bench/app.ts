/**
 * One benchmarked application, in its own process. The parent sends a `start` message naming
 * the mode (which session library and store), the matrix cell (session options, route, data,
 * nest-sessions build, Nest or plain Express app) and the session ids to pre-create; the app
 * answers `ready` with its port once it listens. Only what the mode and cell use is loaded, so
 * no app pays for another's libraries (ioredis, node-redis, Fastify).
 */
import type { BuiltApp } from './apps/built-app.js';
import { DatabaseUnavailableError } from './apps/sql-databases.js';
import { MODES } from './modes.js';
import type { AppMessage, StartMessage } from './modes.js';

function send(message: AppMessage): void {
  process.send!(message);
}

/** The app, or why the mode cannot run here (its database server is not reachable). */
async function build(message: StartMessage): Promise<BuiltApp | string> {
  try {
    return await buildApp(message);
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) return error.message;
    throw error;
  }
}

async function buildApp({ mode, cell, sessionIds, redisUrl }: StartMessage): Promise<BuiltApp | string> {
  if (cell.app === 'express') {
    if (MODES[mode].platform !== 'express') return `${mode} runs on Nest only`;
    const { buildExpressApp } = await import('./apps/express-app.js');
    return buildExpressApp(mode, cell, sessionIds, redisUrl);
  }
  const { buildNestApp } = await import('./apps/nest-app.js');
  return buildNestApp(mode, cell, sessionIds, redisUrl);
}

process.once('message', (message: StartMessage) => {
  build(message).then(
    async (built) => {
      if (typeof built === 'string') {
        send({ type: 'unavailable', reason: built });
        process.disconnect();
        return;
      }
      const port = await built.listen();
      process.once('disconnect', () => {
        built.close().finally(() => process.exit(0));
      });
      send({ type: 'ready', port });
    },
    (error: unknown) => {
      const failed: AppMessage = { type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      // Exits once the message is out, even if a store's client still holds a connection open:
      // the harness waits for the exit.
      process.send!(failed, () => process.exit(1));
    },
  );
});
