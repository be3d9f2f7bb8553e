/**
 * What a session cookie attribute must be for a browser to take it, checked where values are
 * made (options at start-up, a `cookie` function's result, a handler's assignment to
 * `session.cookie`, a record read from a store) so a bad one never reaches the Set-Cookie
 * header. The rules are at least as strict as the `cookie` package's serializer: what passes
 * here always serializes. Each check returns what is wrong, or `undefined`; the caller raises
 * the error of its context.
 */

import { describeValue, oneOf } from '../option-checks.js';
import type { ValueRule } from '../option-checks.js';
import { parseDateText } from './date-text.js';

/**
 * The longest cookie lifetime, in ms, either way: half the Date range (8.64e15 ms from the
 * epoch), so that `now + maxAge` stays a valid date for the next 130,000 years.
 */
export const MAX_COOKIE_LIFETIME_MS = 4.32e15;

/** The Date range: ms from the epoch a `Date` can hold. */
const MAX_EPOCH_MS = 8.64e15;

/** Hostname labels (RFC 1034), an optional leading dot: no port, scheme, path, spaces or separators. */
const DOMAIN = /^\.?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const MAX_DOMAIN_LENGTH = 253;

/** Starts with `/`; printable ASCII without `;` (it would end the attribute) or `<` (the `cookie` package refuses it). */
const PATH = /^\/[\u0020-\u003A\u003D-\u007E]*$/;

export type SameSiteValue = boolean | 'lax' | 'strict' | 'none';
export type PriorityValue = 'low' | 'medium' | 'high';

const SAME_SITE_NAMES = ['lax', 'strict', 'none'] as const;
const PRIORITY_NAMES = ['low', 'medium', 'high'] as const;
/** Looked up on every load of a record that carries them: a Set, not the rules' lists. */
const SAME_SITE_NAME_SET = new Set<string>(SAME_SITE_NAMES);
const PRIORITY_NAME_SET = new Set<string>(PRIORITY_NAMES);

/** `sameSite`: names in any casing, kept lower-cased (`toSameSite`). */
export const SAME_SITE: ValueRule<SameSiteValue> = oneOf<SameSiteValue>([true, false, ...SAME_SITE_NAMES], { ignoreCase: true });
/** `priority`: names in any casing, kept lower-cased (`toPriority`). */
export const PRIORITY: ValueRule<PriorityValue> = oneOf<PriorityValue>(PRIORITY_NAMES, { ignoreCase: true });

export function domainProblem(domain: unknown): string | undefined {
  if (typeof domain !== 'string') return `must be a string, got ${describeValue(domain)}`;
  if (domain.length > MAX_DOMAIN_LENGTH || !DOMAIN.test(domain)) {
    return `must be a domain name such as "example.com" (no port, scheme, path, spaces or separators), got ${describeValue(domain)}`;
  }
  return undefined;
}

export function pathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || !PATH.test(path)) {
    return `must be a string starting with "/" without ";", "<", control or non-ASCII characters, got ${describeValue(path)}`;
  }
  return undefined;
}

/** A lifetime in ms (`maxAge`, `originalMaxAge`); `null` is checked by callers that allow it. */
export function lifetimeProblem(milliseconds: unknown): string | undefined {
  if (typeof milliseconds === 'string') {
    return `must be a number of milliseconds, but received the string ${describeValue(milliseconds)}` +
      ' (values from environment variables or ConfigService are strings: convert them with Number(...))';
  }
  if (typeof milliseconds !== 'number' || !Number.isFinite(milliseconds)) {
    return `must be a finite number of milliseconds or null, got ${describeValue(milliseconds)}`;
  }
  if (Math.abs(milliseconds) > MAX_COOKIE_LIFETIME_MS) {
    return `must be within the Date range (at most ${MAX_COOKIE_LIFETIME_MS} ms), got ${milliseconds}`;
  }
  return undefined;
}

/** A point in time as a Date (or, from stores, a date string or epoch ms) that is a valid date. */
export function isValidDate(value: unknown): boolean {
  return Number.isFinite(epochOfDateValue(value));
}

/** An expiry: a valid Date (or date string) close enough to now for its lifetime to be one. */
export function expiresProblem(value: unknown): string | undefined {
  const epochMilliseconds = epochOfDateValue(value);
  if (!Number.isFinite(epochMilliseconds)) return `must be a valid Date or null, got ${describeValue(value)}`;
  const lifetime = epochMilliseconds - Date.now();
  return Math.abs(lifetime) > MAX_COOKIE_LIFETIME_MS ? `must be within ${MAX_COOKIE_LIFETIME_MS} ms of now` : undefined;
}

/** A Date, date text or epoch ms as epoch ms (what `new Date(value)` holds); NaN for anything else. */
function epochOfDateValue(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return isEpochMilliseconds(value) ? Math.trunc(value) : Number.NaN;
  // Parsed once, without the Date runtime for the ISO text JSON stores hold (it runs on every load).
  return typeof value === 'string' ? parseDateText(value) : Number.NaN;
}

/** Epoch milliseconds a Date can hold (`createdAt`). */
export function isEpochMilliseconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_EPOCH_MS;
}

/** `sameSite` in its canonical form (any casing of the names accepted), or undefined if invalid. */
export function toSameSite(value: unknown): SameSiteValue | undefined {
  if (typeof value === 'boolean') return value;
  const name = typeof value === 'string' ? value.toLowerCase() : undefined;
  return name !== undefined && SAME_SITE_NAME_SET.has(name) ? (name as SameSiteValue) : undefined;
}

/** `priority` in its canonical form (any casing accepted), or undefined if invalid. */
export function toPriority(value: unknown): PriorityValue | undefined {
  const name = typeof value === 'string' ? value.toLowerCase() : undefined;
  return name !== undefined && PRIORITY_NAME_SET.has(name) ? (name as PriorityValue) : undefined;
}

let hasWarnedAboutDateMaxAge = false;

/**
 * express-session accepts a Date as `maxAge` with a deprecation warning; so do we, once per
 * process (as express-session's `depd` does).
 */
export function warnDateMaxAgeOnce(): void {
  if (hasWarnedAboutDateMaxAge) return;
  hasWarnedAboutDateMaxAge = true;
  process.emitWarning(
    'nest-sessions: cookie maxAge as a Date is deprecated (as in express-session); pass a number of milliseconds instead',
    { type: 'DeprecationWarning', code: 'NEST_SESSIONS_MAXAGE_DATE' },
  );
}
