/**
 * Loads nest-sessions as an app installed from npm would: the ESM build (dist/, by `import`) or
 * the CommonJS build (dist/cjs/, by `require`), built by `npm run build`. The Redis entry point
 * is loaded only by the RedisStore modes, so the other apps never load ioredis; the same for the
 * PostgreSQL and MySQL entry points.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Cell } from '../matrix.js';

export type NestSessions = typeof import('../../lib/index.js');
export type NestSessionsRedis = typeof import('../../lib/redis.js');
export type NestSessionsPostgres = typeof import('../../lib/postgres.js');
export type NestSessionsMySql = typeof import('../../lib/mysql.js');

/** The repository: compiled code runs from bench/.tmp/bench/apps/. */
const repositoryDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const require = createRequire(import.meta.url);

function load<T>(build: Cell['build'], entryPoint: 'index' | 'redis' | 'postgres' | 'mysql'): Promise<T> {
  const file = join(repositoryDir, 'dist', ...(build === 'cjs' ? ['cjs'] : []), `${entryPoint}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return build === 'cjs' ? Promise.resolve(require(file) as T) : (import(pathToFileURL(file).href) as Promise<T>);
}

export function loadNestSessions(build: Cell['build']): Promise<NestSessions> {
  return load<NestSessions>(build, 'index');
}

export function loadNestSessionsRedis(build: Cell['build']): Promise<NestSessionsRedis> {
  return load<NestSessionsRedis>(build, 'redis');
}

export function loadNestSessionsPostgres(build: Cell['build']): Promise<NestSessionsPostgres> {
  return load<NestSessionsPostgres>(build, 'postgres');
}

export function loadNestSessionsMySql(build: Cell['build']): Promise<NestSessionsMySql> {
  return load<NestSessionsMySql>(build, 'mysql');
}
