import autocannon from 'autocannon';

/** What one autocannon run measured. */
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
}

/** Sends GET /counter with a random pre-created session's cookie on every request. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { cookieHeaders } = options;
  const result = await autocannon({
    url: `http://127.0.0.1:${options.port}`,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: [
      {
        method: 'GET',
        path: '/counter',
        setupRequest: (request) => ({
          ...request,
          headers: { cookie: cookieHeaders[Math.floor(Math.random() * cookieHeaders.length)]! },
        }),
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}
