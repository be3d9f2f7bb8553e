/** The benchmarked configurations, in the order the results table lists them. */
export const MODE_NAMES = [
  'no-session',
  'express-session-memory',
  'express-session-redis',
  'nest-sessions-memory',
  'nest-sessions-redis',
] as const;

export type ModeName = (typeof MODE_NAMES)[number];

export interface ModeInfo {
  /** Row label in the results. */
  label: string;
  /** The express-session mode this one is compared with, if it is one of ours. */
  baseline?: ModeName;
  usesRedis: boolean;
}

export const MODES: Record<ModeName, ModeInfo> = {
  'no-session': { label: '1. no session (ceiling)', usesRedis: false },
  'express-session-memory': { label: '2. express-session + MemoryStore', usesRedis: false },
  'express-session-redis': { label: '3. express-session + connect-redis', usesRedis: true },
  'nest-sessions-memory': { label: '4. nest-sessions + MemoryStore', baseline: 'express-session-memory', usesRedis: false },
  'nest-sessions-redis': { label: '5. nest-sessions + RedisStore', baseline: 'express-session-redis', usesRedis: true },
};

/** The secret every mode signs with, so one cookie list serves them all. */
export const BENCH_SECRET = 'nest-sessions benchmark secret';
export const SESSION_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Parent → app process: which sessions to pre-create. */
export interface StartMessage {
  type: 'start';
  mode: ModeName;
  sessionIds: string[];
  redisUrl: string | undefined;
}

/** App process → parent. */
export type AppMessage =
  | { type: 'ready'; port: number }
  | { type: 'unavailable'; reason: string }
  | { type: 'failed'; error: string };
