import type { SessionRecord } from '../../core/store/session-store.js';
import type { RedisClient } from './redis-client.js';
import { forEachKeyPage, pipelineOn, prefixPattern } from './redis-keyspace.js';
import type { KeyPage } from './redis-keyspace.js';

/**
 * RedisStore's listing (`all`, `ids`, `length`, `clear`): SCAN over every master for the keys
 * under the session prefix. The owner index's keys live under that prefix too (by default):
 * listing skips them, clearing removes them with the sessions.
 */
export class RedisSessionListing {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly ownerIndexPrefix: string,
    private readonly scanCount: number,
    /** The store's reading of a value: `undefined` (and logged) when it holds no session. */
    private readonly parse: (key: string, text: string) => SessionRecord | undefined,
  ) {}

  /** Every readable session, keyed by id. */
  async records(): Promise<Record<string, SessionRecord>> {
    const sessions: Record<string, SessionRecord> = {};
    await this.#forEachSessionKeyPage(async ({ server, keys }) => {
      const replies = await pipelineOn(server, keys.map((key) => ['get', key] as [string, string]));
      keys.forEach((key, index) => {
        const text = replies[index];
        if (typeof text !== 'string') return;
        const record = this.parse(key, text);
        if (record) sessions[key.slice(this.prefix.length)] = record;
      });
    });
    return sessions;
  }

  async ids(): Promise<string[]> {
    const sessionIds: string[] = [];
    await this.#forEachSessionKeyPage(async ({ keys }) => {
      for (const key of keys) sessionIds.push(key.slice(this.prefix.length));
    });
    return sessionIds;
  }

  async count(): Promise<number> {
    let count = 0;
    await this.#forEachSessionKeyPage(async ({ keys }) => {
      count += keys.length;
    });
    return count;
  }

  /** Deletes every key under the prefix (and nothing else), owner index keys included. */
  async deleteAll(): Promise<void> {
    await forEachKeyPage(this.client, prefixPattern(this.prefix), this.scanCount, async ({ server, keys }) => {
      await pipelineOn(server, keys.map((key) => ['unlink', key] as [string, string]));
    });
  }

  async #forEachSessionKeyPage(onPage: (page: KeyPage) => Promise<void>): Promise<void> {
    await forEachKeyPage(this.client, prefixPattern(this.prefix), this.scanCount, async ({ server, keys }) => {
      const sessionKeys = keys.filter((key) => !key.startsWith(this.ownerIndexPrefix));
      if (sessionKeys.length > 0) await onPage({ server, keys: sessionKeys });
    });
  }
}
