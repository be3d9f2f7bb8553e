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

/** 29 text fields of ~65 characters beside the counter: ~2 KB of JSON in 30 keys. */
const LARGE_FIELDS = Object.fromEntries(
  Array.from({ length: 29 }, (_, index) => [`field${String(index).padStart(2, '0')}`, `value ${index} `.padEnd(64, 'x')]),
);

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
    ...(cell.data === 'large' ? LARGE_FIELDS : {}),
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
