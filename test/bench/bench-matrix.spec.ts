import { AXES, RECOMMENDED_CELL, atRestOptionsOf, cellName, defaultCells, fullMatrix, parseCellName, selectCells, sessionOptionsOf } from '../../bench/matrix.js';
import { compareCells, renderMatrix, worstOf } from '../../bench/matrix-report.js';
import type { ModeSummary } from '../../bench/report.js';

// The matrix decides which configurations `npm run bench` measures and RESULTS.md reports: a
// cell named wrongly or a worst cell picked wrongly would publish the wrong configuration.

describe('bench matrix cells', () => {
  it('the recommended cell is the README quick start: maxAge and sameSite, rolling and saveUninitialized off, a writing Nest route on the ESM build', () => {
    expect(RECOMMENDED_CELL).toEqual({ cookie: 'maxAge+sameSite', rolling: 'off', saveUninitialized: 'off', route: 'write', data: 'small', build: 'esm', app: 'nest', atRest: 'off' });
    expect(sessionOptionsOf(RECOMMENDED_CELL, 'secret')).toEqual({
      secret: 'secret',
      resave: false,
      rolling: false,
      saveUninitialized: false,
      cookie: { maxAge: 24 * 60 * 60 * 1000, sameSite: 'lax', secure: 'auto' },
    });
  });

  it('the default set changes one axis at a time from the recommended cell', () => {
    const names = defaultCells().map(cellName);
    expect(names).toEqual([
      'recommended',
      'cookie=maxAge',
      'cookie=sameSite',
      'cookie=none',
      'rolling=on',
      'saveUninitialized=on',
      'route=read',
      'data=large',
      'build=cjs',
      'app=express',
    ]);
  });

  it('the full matrix holds every combination once', () => {
    const names = fullMatrix().map(cellName);
    // Every axis but two (data: small and large only; atRest: off only), whose other values have benches of their own.
    const { atRest: _atRest, data: _data, ...otherAxes } = AXES;
    const combinations = Object.values(otherAxes).reduce((product, values) => product * values.length, 2);
    expect(names).toHaveLength(combinations);
    expect(new Set(names).size).toBe(combinations);
  });

  it('a cell name reads back as the same cell, and unknown axes or values are refused', () => {
    for (const cell of fullMatrix()) expect(parseCellName(cellName(cell))).toEqual(cell);
    expect(sessionOptionsOf(parseCellName('cookie=none,rolling=on'), 's')).toMatchObject({ rolling: true, cookie: { secure: 'auto' } });
    expect(sessionOptionsOf(parseCellName('cookie=none'), 's').cookie).toEqual({ secure: 'auto' });
    expect(() => parseCellName('colour=blue')).toThrow('unknown axis colour');
    expect(() => parseCellName('rolling=sometimes')).toThrow('unknown value sometimes of rolling');
    expect(() => selectCells('half', undefined)).toThrow('unknown matrix half');
    expect(selectCells(undefined, 'recommended;app=express,build=cjs').map(cellName)).toEqual(['recommended', 'build=cjs,app=express']);
  });

  it('the atRest cells give nest-sessions hashIds, encryption or both, on the Nest app only, and stay out of the default and full matrices', () => {
    expect(atRestOptionsOf(RECOMMENDED_CELL)).toEqual({});
    expect(atRestOptionsOf(parseCellName('atRest=hashIds'))).toEqual({ hashIds: true });
    const both = atRestOptionsOf(parseCellName('atRest=both'));
    expect(both.hashIds).toBe(true);
    expect(Buffer.from(both.encryption!.keys[0]!.key, 'base64')).toHaveLength(32);
    expect(Object.keys(atRestOptionsOf(parseCellName('atRest=encryption')))).toEqual(['encryption']);
    expect(() => parseCellName('app=express,atRest=both')).toThrow('the atRest cells run on the Nest app only');
    expect([...defaultCells(), ...fullMatrix()].every((cell) => cell.atRest === 'off')).toBe(true);
    expect(new Set(fullMatrix().map((cell) => cell.data))).toEqual(new Set(['small', 'large']));
    expect(parseCellName('data=50kb').data).toBe('50kb');
  });
});

function summary(cell: string, mode: ModeSummary['mode'], requestsPerSecond: number, latencyP99Ms = 10): ModeSummary {
  return { cell, generator: 'wrk', mode, unavailableReason: undefined, rounds: 1, requestsPerSecond, latencyP50Ms: 1, latencyP99Ms, failures: 0 };
}

describe('bench matrix report', () => {
  const summaries = [
    ...['recommended', 'route=read'].flatMap((cell) => [summary(cell, 'no-session', 1000), summary(cell, 'express-session-memory', 500, 20)]),
    summary('recommended', 'nest-sessions-memory', 800, 12),
    summary('recommended', 'no-session-dictionary', 1250),
    summary('route=read', 'nest-sessions-memory', 600, 30),
    summary('recommended', 'express-session-redis', 400),
    summary('recommended', 'nest-sessions-redis', 500),
  ];
  const rows = compareCells(summaries, ['recommended', 'route=read'], ['wrk']);

  it('compares each cell with its own express-session and ceiling', () => {
    expect(rows[0]).toMatchObject({ cell: 'recommended', memory: 1.6, memoryOfCeiling: 0.8, memoryOfDictionaryApp: 0.64, redis: 1.25, redisOfCeiling: 0.5, p99: { ours: 12, theirs: 20 } });
    expect(rows[1]).toMatchObject({ cell: 'route=read', memory: 1.2, memoryOfCeiling: 0.6, memoryOfDictionaryApp: undefined, redis: undefined });
    expect(renderMatrix(rows)).toContain('| recommended | wrk | 1.60× | 80 % | 64 % | 1.25× | 50 % | 12 / 20 |');
  });

  it('names the worst cell of each comparison, leaving out cells that did not run it', () => {
    expect(worstOf(rows, (row) => row.memory)?.cell).toBe('route=read');
    expect(worstOf(rows, (row) => row.redis)?.cell).toBe('recommended');
    expect(renderMatrix(rows)).toContain('- Worst cell for MemoryStore ÷ express-session: **route=read** under wrk, 1.20×.');
  });
});

describe('bench session data', () => {
  it('holds about the size each data value names, in 30 keys beside the cookie', async () => {
    const { storedSession } = await import('../../bench/apps/session-data.js');
    const sizeOf = (data: string) => JSON.stringify(storedSession(parseCellName(`data=${data}`))).length;
    expect(sizeOf('small')).toBeLessThan(200);
    expect(sizeOf('large')).toBeGreaterThan(2_000);
    expect(sizeOf('5kb')).toBeGreaterThan(5_000);
    expect(sizeOf('5kb')).toBeLessThan(5_600);
    expect(sizeOf('50kb')).toBeGreaterThan(50_000);
    expect(sizeOf('50kb')).toBeLessThan(51_000);
    expect(Object.keys(storedSession(parseCellName('data=50kb')))).toHaveLength(31);
  });
});
