import type { Cell } from './matrix.js';

/** The benchmarked configurations, in the order the results table lists them. */
export const MODE_NAMES = [
  'no-session',
  'express-session-memory',
  'express-session-redis',
  'nest-sessions-memory',
  'nest-sessions-redis',
  'fastify-no-session',
  'fastify-session-memory',
  'fastify-session-redis',
  'nest-sessions-fastify-memory',
  'nest-sessions-fastify-redis',
  'express-session-postgres',
  'nest-sessions-postgres',
  'express-session-mysql',
  'nest-sessions-mysql',
  'no-session-dictionary',
] as const;

export type ModeName = (typeof MODE_NAMES)[number];

export interface ModeInfo {
  /** Row label in the results. */
  label: string;
  /** Nest's HTTP platform the mode's app runs on. */
  platform: 'express' | 'fastify';
  /** The no-session mode of the same platform. */
  ceiling: ModeName;
  /** The session library's mode this one is compared with (express-session, @fastify/session), if it is one of ours. */
  baseline?: ModeName;
  usesRedis: boolean;
  /** The SQL server the mode's store keeps its sessions in; these modes run in the recommended cell only, unless `--modes` names them. */
  database?: SqlDatabase;
  /**
   * An app without sessions other than its platform's ceiling: the no-session app with its
   * requests and responses put in V8's dictionary mode, as nest-sessions does on Express
   * (bench/PROFILE.md). It shows how much of nest-sessions' speed is that, and bounds what a
   * session mode can serve (run-validity.ts).
   */
  isSessionFree?: true;
}

export type SqlDatabase = 'postgres' | 'mysql';

export const MODES: Record<ModeName, ModeInfo> = {
  'no-session': { label: '1. no session (ceiling)', platform: 'express', ceiling: 'no-session', usesRedis: false },
  'express-session-memory': { label: '2. express-session + MemoryStore', platform: 'express', ceiling: 'no-session', usesRedis: false },
  'express-session-redis': { label: '3. express-session + connect-redis', platform: 'express', ceiling: 'no-session', usesRedis: true },
  'nest-sessions-memory': { label: '4. nest-sessions + MemoryStore', platform: 'express', ceiling: 'no-session', baseline: 'express-session-memory', usesRedis: false },
  'nest-sessions-redis': { label: '5. nest-sessions + RedisStore', platform: 'express', ceiling: 'no-session', baseline: 'express-session-redis', usesRedis: true },
  'fastify-no-session': { label: '6. Fastify: no session (ceiling)', platform: 'fastify', ceiling: 'fastify-no-session', usesRedis: false },
  'fastify-session-memory': { label: '7. Fastify: @fastify/session + its MemoryStore', platform: 'fastify', ceiling: 'fastify-no-session', usesRedis: false },
  'fastify-session-redis': { label: '8. Fastify: @fastify/session + connect-redis', platform: 'fastify', ceiling: 'fastify-no-session', usesRedis: true },
  'nest-sessions-fastify-memory': { label: '9. Fastify: nest-sessions + MemoryStore', platform: 'fastify', ceiling: 'fastify-no-session', baseline: 'fastify-session-memory', usesRedis: false },
  'nest-sessions-fastify-redis': { label: '10. Fastify: nest-sessions + RedisStore', platform: 'fastify', ceiling: 'fastify-no-session', baseline: 'fastify-session-redis', usesRedis: true },
  'express-session-postgres': { label: '11. express-session + connect-pg-simple', platform: 'express', ceiling: 'no-session', usesRedis: false, database: 'postgres' },
  'nest-sessions-postgres': { label: '12. nest-sessions + PostgresStore', platform: 'express', ceiling: 'no-session', baseline: 'express-session-postgres', usesRedis: false, database: 'postgres' },
  'express-session-mysql': { label: '13. express-session + express-mysql-session', platform: 'express', ceiling: 'no-session', usesRedis: false, database: 'mysql' },
  'nest-sessions-mysql': { label: '14. nest-sessions + MySqlStore', platform: 'express', ceiling: 'no-session', baseline: 'express-session-mysql', usesRedis: false, database: 'mysql' },
  'no-session-dictionary': {
    label: '15. no session, objects in dictionary mode',
    platform: 'express',
    ceiling: 'no-session',
    usesRedis: false,
    isSessionFree: true,
  },
};

/** The secret every mode signs with, so one cookie list serves them all (@fastify/session wants 32+ characters). */
export const BENCH_SECRET = 'nest-sessions benchmark secret, 32+ chars';
export const SESSION_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Parent → app process: which app to build and which sessions to pre-create. */
export interface StartMessage {
  type: 'start';
  mode: ModeName;
  cell: Cell;
  sessionIds: string[];
  redisUrl: string | undefined;
}

/** App process → parent. */
export type AppMessage =
  | { type: 'ready'; port: number }
  | { type: 'unavailable'; reason: string }
  | { type: 'failed'; error: string };
