import { SessionStoreUnavailableError } from '../../core/errors.js';
import { isCluster } from './redis-client.js';
import type { RedisClient } from './redis-client.js';

/** The keys of one SCAN page, with the server that holds them. */
export interface KeyPage {
  server: RedisClient;
  keys: string[];
}

/** A SCAN `MATCH` pattern for every key starting with `prefix`, glob characters escaped. */
export function prefixPattern(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, '\\$&') + '*';
}

/**
 * Calls `onPage` for every page of keys matching `pattern`, walking each server with SCAN
 * (KEYS would block Redis for the whole keyspace). On a Cluster every master is walked: a
 * SCAN sent through the cluster client reaches one random node only. Pages are handed over
 * as they arrive; a key SCAN reports twice (it may, while Redis rehashes) is handed once.
 */
export async function forEachKeyPage(
  client: RedisClient,
  pattern: string,
  count: number,
  onPage: (page: KeyPage) => Promise<void>,
): Promise<void> {
  await Promise.all(keyHolders(client).map((server) => scanServer(server, pattern, count, onPage)));
}

/** The servers holding keys: every master of a cluster, or the single server. */
function keyHolders(client: RedisClient): RedisClient[] {
  if (!isCluster(client)) return [client];
  const masters = client.nodes('master');
  // Before the slot map is loaded the node list is empty: an empty answer would be a lie.
  if (client.status !== 'ready' || masters.length === 0) {
    throw new SessionStoreUnavailableError(`nest-sessions: the Redis Cluster is not ready (status ${client.status})`);
  }
  return masters;
}

async function scanServer(
  server: RedisClient,
  pattern: string,
  count: number,
  onPage: (page: KeyPage) => Promise<void>,
): Promise<void> {
  const seenKeys = new Set<string>();
  let cursor = '0';
  do {
    const [nextCursor, keys] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = nextCursor;
    const newKeys = keys.filter((key) => !seenKeys.has(key));
    for (const key of newKeys) seenKeys.add(key);
    if (newKeys.length > 0) await onPage({ server, keys: newKeys });
  } while (cursor !== '0');
}

/**
 * Sends `commands` to one server in one pipeline (one round trip) and returns the replies,
 * throwing the first command error. Used with single-key commands only: multi-key MGET/DEL
 * fail with CROSSSLOT on a cluster even when every key lives on the same master.
 */
export async function pipelineOn(server: RedisClient, commands: Array<[string, ...string[]]>): Promise<unknown[]> {
  const replies = (await server.pipeline(commands).exec()) ?? [];
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}
