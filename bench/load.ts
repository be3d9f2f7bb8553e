import autocannon from 'autocannon';
import { runWrk } from './wrk-load.js';

/** The load generators the harness can drive the apps with. */
export const LOAD_GENERATORS = ['autocannon', 'wrk'] as const;
export type LoadGenerator = (typeof LOAD_GENERATORS)[number];

/** Connections per generator when `--connections` is not given (wrk's as in issue 12). */
export const DEFAULT_CONNECTIONS: Record<LoadGenerator, number> = { autocannon: 20, wrk: 64 };

/** What one load run measured. */
export interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Connection errors, timeouts and non-2xx answers: any of them makes the run suspect. */
  failures: number;
}

export interface LoadOptions {
  port: number;
  connections: number;
  durationSeconds: number;
  /** Cookie headers to choose from, one at random per request. */
  cookieHeaders: string[];
  /**
   * Instead of `GET /counter` with one of `cookieHeaders`: this method and path, with one of
   * `headerSets` at random per request (autocannon only; `--csrf` posts a cookie and its token).
   */
  route?: { method: 'GET' | 'POST'; path: string; headerSets: Array<Record<string, string>> };
}

/** Runs one generator; `scriptDir` is where wrk's Lua script is written. */
export function runLoad(generator: LoadGenerator, options: LoadOptions & { scriptDir: string }): Promise<LoadResult> {
  return generator === 'wrk' ? runWrk(options) : runAutocannon(options);
}

/**
 * Sends GET /counter with a random pre-created session's cookie on every request; with
 * `amount`, exactly that many requests instead of a duration (the profiler counts per request).
 */
export async function runAutocannon(options: LoadOptions & AutocannonHooks & { amount?: number; timeoutSeconds?: number }): Promise<LoadResult> {
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(autocannonOptions(options), (error, result) => (error ? reject(error) : resolve(result)));
    const { onResponse, stopWhen } = options;
    if (onResponse) instance.on('response', (_client, statusCode, _bytes, latencyMs) => onResponse(statusCode, latencyMs));
    void stopWhen?.then(() => instance.stop());
  });
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

/** What `--prune` watches and steers a run with. */
export interface AutocannonHooks {
  /** Called with every response's status and latency. */
  onResponse?: (statusCode: number, latencyMs: number) => void;
  /** Stops the run before its duration once settled. */
  stopWhen?: Promise<unknown>;
}

function autocannonOptions(options: LoadOptions & { amount?: number; timeoutSeconds?: number }): autocannon.Options {
  const { cookieHeaders } = options;
  return {
    url: `http://127.0.0.1:${options.port}`,
    connections: options.connections,
    ...(options.amount === undefined ? { duration: options.durationSeconds } : { amount: options.amount }),
    timeout: options.timeoutSeconds ?? 10,
    requests: [
      options.route
        ? {
            method: options.route.method,
            path: options.route.path,
            setupRequest: (request) => ({ ...request, headers: randomOf(options.route!.headerSets) }),
          }
        : {
            method: 'GET',
            path: '/counter',
            setupRequest: (request) => ({ ...request, headers: { cookie: randomOf(cookieHeaders) } }),
          },
    ],
  };
}

function randomOf<T>(values: readonly T[]): T {
  return values[Math.floor(Math.random() * values.length)]!;
}
