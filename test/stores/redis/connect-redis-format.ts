import expressSession from 'express-session';
import type { SessionData } from 'express-session';
import type { Redis } from 'ioredis';

/**
 * What connect-redis (v7/v8, the versions that drive ioredis) sends to Redis, command for
 * command, as an express-session store: `GET prefix+sid` parsed with JSON;
 * `SET prefix+sid JSON.stringify(session) EX ceil((cookie.expires - now) / 1000)` (one day
 * without an expiry, DEL when the expiry is past); `EXPIRE` to touch; `DEL` to destroy.
 * connect-redis itself is not installed: v9 dropped ioredis.
 */
export class ConnectRedisFormatStore extends expressSession.Store {
  constructor(
    private readonly client: Redis,
    private readonly prefix = 'sess:',
  ) {
    super();
  }

  override get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void {
    this.client.get(this.prefix + sid).then(
      (text) => callback(null, text ? (JSON.parse(text) as SessionData) : null),
      (error: unknown) => callback(error),
    );
  }

  override set(sid: string, session: SessionData, callback?: (error?: unknown) => void): void {
    const ttlSeconds = connectRedisTtl(session);
    const command =
      ttlSeconds > 0
        ? this.client.set(this.prefix + sid, JSON.stringify(session), 'EX', ttlSeconds)
        : this.client.del(this.prefix + sid);
    command.then(() => callback?.(), (error: unknown) => callback?.(error));
  }

  override touch(sid: string, session: SessionData, callback?: () => void): void {
    this.client.expire(this.prefix + sid, connectRedisTtl(session)).then(() => callback?.(), () => callback?.());
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.client.del(this.prefix + sid).then(() => callback?.(), (error: unknown) => callback?.(error));
  }
}

/** connect-redis' `_getTTL` with its default `ttl` (86400 s). */
export function connectRedisTtl(session: Pick<SessionData, 'cookie'>): number {
  if (session.cookie?.expires) return Math.ceil((Number(new Date(session.cookie.expires)) - Date.now()) / 1000);
  return 86_400;
}
