/**
 * What a cell's sessions hold and what its route does with them: the same for every library,
 * so that only the session middleware differs between modes.
 */
import type { Cell } from '../matrix.js';
import { sessionOptionsOf } from '../matrix.js';
import type { SessionRecord } from '../../lib/index.js';
import { BENCH_SECRET } from '../modes.js';

export interface CounterSession {
  counter?: number;
  [field: string]: unknown;
}

/** 29 text fields beside the counter, each `length` characters: 30 keys of JSON. */
function dataFields(length: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: 29 }, (_, index) => [`field${String(index).padStart(2, '0')}`, `value ${index} `.padEnd(length, 'x')]));
}

/** The data beside the counter for each `data` value: ~2 KB, ~5 KB or ~50 KB of JSON in 30 keys. */
const DATA_FIELDS: Record<Cell['data'], Record<string, string>> = {
  small: {},
  large: dataFields(64),
  '5kb': dataFields(166),
  '50kb': dataFields(1_715),
};

/** A stored session as both libraries write it for the cell's cookie options: the cookie's JSON plus the data. */
export function storedSession(cell: Cell): SessionRecord & CounterSession {
  const { cookie } = sessionOptionsOf(cell, BENCH_SECRET);
  const maxAge = 'maxAge' in cookie ? cookie.maxAge : undefined;
  return {
    cookie: {
      originalMaxAge: maxAge ?? null,
      expires: maxAge === undefined ? null : new Date(Date.now() + maxAge).toISOString(),
      // `secure: 'auto'` on plain HTTP: both libraries store `false`.
      secure: false,
      httpOnly: true,
      path: '/',
      ...('sameSite' in cookie ? { sameSite: cookie.sameSite } : {}),
    },
    ...DATA_FIELDS[cell.data],
    counter: 0,
  };
}

/** The no-session modes keep their counter in the process, so the handler does the same work. */
let processCounter = 0;

/** The route's work: `write` increments the session's counter, `read` only reads it. */
export function counterResponse(cell: Cell, session: CounterSession | undefined): { counter: number } {
  if (!session) return { counter: cell.route === 'write' ? ++processCounter : processCounter };
  if (cell.route === 'read') return { counter: session.counter ?? 0 };
  session.counter = (session.counter ?? 0) + 1;
  return { counter: session.counter };
}
