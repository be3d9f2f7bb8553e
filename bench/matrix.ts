/**
 * The configurations `npm run bench` measures (issue 18): a cell is one session configuration
 * and one app, run for every mode (no session, express-session, nest-sessions; each store).
 * The default set varies one axis at a time from the README's recommended configuration;
 * `--matrix full` runs every combination; `--cells 'a;b'` runs the named cells.
 */
import { SESSION_MAX_AGE_MS } from './modes.js';

/** Each axis and its values; the first value of each is the README's recommended configuration. */
export const AXES = {
  /** Which cookie attributes are set: `maxAge` (a persistent cookie) and `sameSite: 'lax'`. */
  cookie: ['maxAge+sameSite', 'maxAge', 'sameSite', 'none'],
  rolling: ['off', 'on'],
  saveUninitialized: ['off', 'on'],
  /** `write` increments a counter in the session, `read` only reads it. */
  route: ['write', 'read'],
  /** `small`: the counter alone; `large`: ~2 KB of session data in 30 keys; `5kb`, `50kb`: that much in 30 keys (`--scaling`). */
  data: ['small', 'large', '5kb', '50kb'],
  /** Which build of nest-sessions the app loads: dist/ (ESM) or dist/cjs/ (CommonJS). */
  build: ['esm', 'cjs'],
  /** A Nest 12 app (SessionModule) or a plain Express 5 app (`createSessionMiddleware`). */
  app: ['nest', 'express'],
  /**
   * nest-sessions' protection at rest (issue 21): off, `hashIds`, `encryption`, or both. Not a
   * configuration to set against express-session (which has neither): `--at-rest` measures it,
   * the default and full matrices leave it off, and only Nest apps run it.
   */
  atRest: ['off', 'hashIds', 'encryption', 'both'],
} as const;

export type AxisName = keyof typeof AXES;
export type Cell = { readonly [axis in AxisName]: (typeof AXES)[axis][number] };

export const AXIS_NAMES = Object.keys(AXES) as AxisName[];
/** The values the default and full matrices take: the rest are measured by their own benches (`--at-rest`, `--scaling`). */
const MATRIX_VALUES: { readonly [axis in AxisName]: readonly Cell[axis][] } = { ...AXES, data: ['small', 'large'], atRest: ['off'] };

/** The README's recommended configuration (its Quick start: maxAge 24 h, sameSite lax, secure auto). */
export const RECOMMENDED_CELL: Cell = Object.fromEntries(AXIS_NAMES.map((axis) => [axis, AXES[axis][0]])) as unknown as Cell;

/** `recommended`, or what differs from it: `cookie=none`, `app=express`, `rolling=on,data=large`. */
export function cellName(cell: Cell): string {
  const differences = AXIS_NAMES.filter((axis) => cell[axis] !== RECOMMENDED_CELL[axis]).map((axis) => `${axis}=${cell[axis]}`);
  return differences.length ? differences.join(',') : 'recommended';
}

/** The cell a name stands for (the inverse of `cellName`); throws on an unknown axis or value. */
export function parseCellName(name: string): Cell {
  if (name === 'recommended') return RECOMMENDED_CELL;
  const cell: Record<string, string> = { ...RECOMMENDED_CELL };
  for (const pair of name.split(',')) {
    const [axis, value] = pair.split('=') as [string, string | undefined];
    const values = (AXES as Record<string, readonly string[]>)[axis];
    if (!values) throw new Error(`unknown axis ${axis} in cell ${name}; axes are ${AXIS_NAMES.join(', ')}`);
    if (value === undefined || !values.includes(value)) throw new Error(`unknown value ${value} of ${axis}; values are ${values.join(', ')}`);
    cell[axis] = value;
  }
  if (cell.atRest !== 'off' && cell.app !== 'nest') throw new Error(`cell ${name}: the atRest cells run on the Nest app only (its SessionStore seeds them)`);
  return cell as unknown as Cell;
}

/** The recommended cell, then each other value of each axis with the rest recommended. */
export function defaultCells(): Cell[] {
  return [RECOMMENDED_CELL, ...AXIS_NAMES.flatMap((axis) => MATRIX_VALUES[axis].slice(1).map((value) => ({ ...RECOMMENDED_CELL, [axis]: value }) as Cell))];
}

/** Every combination of the matrix values (256 cells). */
export function fullMatrix(): Cell[] {
  let cells: Cell[] = [RECOMMENDED_CELL];
  for (const axis of AXIS_NAMES) cells = cells.flatMap((cell) => MATRIX_VALUES[axis].map((value) => ({ ...cell, [axis]: value }) as Cell));
  return cells;
}

/** The cells `--matrix default|full` or `--cells 'name;name'` select (cell names contain commas). */
export function selectCells(matrix: string | undefined, cellNames: string | undefined): Cell[] {
  if (cellNames !== undefined) return cellNames.split(';').map(parseCellName);
  if (matrix === undefined || matrix === 'default') return defaultCells();
  if (matrix === 'full') return fullMatrix();
  throw new Error(`unknown matrix ${matrix}; use default or full`);
}

/** The session options a cell gives both libraries (express-session's names). */
export function sessionOptionsOf(cell: Cell, secret: string) {
  const hasMaxAge = cell.cookie === 'maxAge+sameSite' || cell.cookie === 'maxAge';
  const hasSameSite = cell.cookie === 'maxAge+sameSite' || cell.cookie === 'sameSite';
  return {
    secret,
    resave: false,
    rolling: cell.rolling === 'on',
    saveUninitialized: cell.saveUninitialized === 'on',
    cookie: {
      ...(hasMaxAge ? { maxAge: SESSION_MAX_AGE_MS } : {}),
      ...(hasSameSite ? { sameSite: 'lax' as const } : {}),
      secure: 'auto' as const,
    },
  };
}

/** A fixed 32-byte key for the benchmarks' `encryption` (base64): never a key to use anywhere else. */
const BENCH_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

/** nest-sessions' at-rest options for the cell: `hashIds` and `encryption` as its `atRest` value says. */
export function atRestOptionsOf(cell: Cell): { hashIds?: true; encryption?: { keys: Array<{ id: string; key: string }> } } {
  return {
    ...(cell.atRest === 'hashIds' || cell.atRest === 'both' ? { hashIds: true as const } : {}),
    ...(cell.atRest === 'encryption' || cell.atRest === 'both' ? { encryption: { keys: [{ id: 'bench', key: BENCH_ENCRYPTION_KEY }] } } : {}),
  };
}
