import { CATEGORIES, categorize, parseAnnotate } from '../../bench/callgrind-categories.js';
import { pairedRatios } from '../../bench/report.js';
import { readPerfMap } from '../../bench/callgrind-js-names.js';
import { parseWrkDuration, parseWrkOutput, wrkScript } from '../../bench/wrk-load.js';

// The benchmark harness turns other programs' text into the numbers RESULTS.md and PROFILE.md
// report: a format it misreads would publish wrong numbers without failing.

const WRK_OUTPUT = `Running 10s test @ http://127.0.0.1:40001/counter
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.01ms    3.20ms  80.12ms   90.00%
    Req/Sec     5.12k   301.00     5.90k    70.00%
  Latency Distribution
     50%   11.47ms
     75%   13.00ms
     90%   15.20ms
     99%  850.00us
  51234 requests in 10.01s, 12.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:   5118.45
Transfer/sec:      1.20MB
`;

describe('wrk output', () => {
  it('reads requests per second, p50, p99 and counts socket errors and non-2xx answers as failures', () => {
    expect(parseWrkOutput(WRK_OUTPUT)).toEqual({ requestsPerSecond: 5118.45, latencyP50Ms: 11.47, latencyP99Ms: 0.85, failures: 9 });
  });

  it('reads durations in µs, ms, s and minutes as milliseconds', () => {
    expect(parseWrkDuration('850.00us')).toBeCloseTo(0.85, 9);
    expect(parseWrkDuration('1.5ms')).toBe(1.5);
    expect(parseWrkDuration('2.01s')).toBeCloseTo(2010, 9);
    expect(parseWrkDuration('1.00m')).toBe(60_000);
  });

  it('refuses output it cannot read instead of reporting zeros', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(/unreadable wrk output/);
  });

  it('puts every cookie of the pool into the Lua script, quoted, and picks one per request', () => {
    const script = wrkScript(['connect.sid=s%3Aa.b', 'connect.sid="quoted"']);
    expect(script).toContain('  "connect.sid=s%3Aa.b",');
    expect(script).toContain('  "connect.sid=\\"quoted\\"",');
    expect(script).toContain('cookies[math.random(count)]');
  });
});

describe('callgrind annotations', () => {
  const ANNOTATED = `--------------------------------------------------------------------------------
Ir                    file:function
--------------------------------------------------------------------------------
1,000,000  ???:v8::internal::Runtime_StoreIC_Miss(int, unsigned long*, v8::internal::Isolate*) [/usr/bin/node]
  200,000  ???:Builtins_JsonStringify [/usr/bin/node]
   50,000  ???:0x000000000d1165c0 [???]
   30,000  ???:js:hookResponse lib/core/response-hooks.js:7 [???]
   20,000  ???:v8::internal::Scavenger::Process(v8::JobDelegate*) [/usr/bin/node]
`;

  it('reads every function line with its instructions', () => {
    expect(parseAnnotate(ANNOTATED)).toEqual([
      { instructions: 1_000_000, name: '???:v8::internal::Runtime_StoreIC_Miss(int, unsigned long*, v8::internal::Isolate*) [/usr/bin/node]' },
      { instructions: 200_000, name: '???:Builtins_JsonStringify [/usr/bin/node]' },
      { instructions: 50_000, name: '???:0x000000000d1165c0 [???]' },
      { instructions: 30_000, name: '???:js:hookResponse lib/core/response-hooks.js:7 [???]' },
      { instructions: 20_000, name: '???:v8::internal::Scavenger::Process(v8::JobDelegate*) [/usr/bin/node]' },
    ]);
  });

  it('puts each function in the category that names what it does', () => {
    expect(parseAnnotate(ANNOTATED).map((entry) => categorize(entry.name))).toEqual([
      'V8 runtime (C++)',
      'JSON.parse / JSON.stringify',
      'JIT-compiled JavaScript',
      'JIT-compiled JavaScript',
      'GC: young generation (scavenges)',
    ]);
  });

  it('has a catch-all category, so categories add up to the total', () => {
    expect(categorize('something no pattern names')).toBe('other');
    expect(CATEGORIES.at(-1)!.name).toBe('other');
  });
});

describe("V8's perf map", () => {
  it('shortens names and keeps every range in the order V8 wrote them', () => {
    const ranges = readPerfMap('d1165c0 40 JS:*hookResponse file:///repo/bench/.tmp/lib/core/response-hooks.js:7:29\nd116000 1000 JS:~(anonymous) node:events:471:1\n');
    expect(ranges.map((range) => range.name)).toEqual(['js:hookResponse lib/core/response-hooks.js:7', 'js:(anonymous) node:events:471']);
    expect(ranges[0]!.end - ranges[0]!.start).toBe(0x40n);
  });
});

describe('pairedRatios (round-by-round ratios in RESULTS.md)', () => {
  it('pairs each round with the same round of the baseline and reports median and range', () => {
    expect(pairedRatios([130, 100, 260], [100, 100, 100])).toEqual({ median: 1.3, min: 1, max: 2.6 });
    expect(pairedRatios([150, 200], [100, 100])).toEqual({ median: 1.75, min: 1.5, max: 2 });
  });

  it('skips rounds the baseline did not run or measured at 0, and gives undefined without pairs', () => {
    expect(pairedRatios([120, 300, 90], [100, 0])).toEqual({ median: 1.2, min: 1.2, max: 1.2 });
    expect(pairedRatios([], [100])).toBeUndefined();
  });
});
