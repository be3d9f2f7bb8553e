/**
 * The checks of option values and cookie attributes, written once with one wording: "must be
 * <what it must be>, got <the value, described>". They sit at the bottom of the core so that the
 * cookie setters, the session options and the stores all use the same ones. `problemOf` says
 * what is wrong, so each caller raises the error of its context; `checkedOption` raises the
 * `SessionOptionsError` of start-up.
 */
import { SessionOptionsError } from './errors.js';

/** What a value must be, as messages say it (`expected`), and the test it must pass. */
export interface ValueRule<T> {
  readonly expected: string;
  accepts(value: unknown): value is T;
}

/** A value as it goes into a message: short, quoted strings, never a whole object. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (value instanceof Date) return `Date(${value.getTime()})`;
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** What is wrong with `value` under `rule`, or `undefined` when it passes. */
export function problemOf(value: unknown, rule: ValueRule<unknown>): string | undefined {
  return rule.accepts(value) ? undefined : `must be ${rule.expected}, got ${describeValue(value)}`;
}

/**
 * The option's value, `undefined` when it is not given (the caller applies the default); a
 * value `rule` refuses throws a `SessionOptionsError` naming `option`.
 */
export function checkedOption<T>(option: string, value: unknown, rule: ValueRule<T>): T | undefined {
  if (value === undefined) return undefined;
  const problem = problemOf(value, rule);
  if (problem !== undefined) throw new SessionOptionsError(option, problem);
  return value as T;
}

export const BOOLEAN: ValueRule<boolean> = {
  expected: 'true or false',
  accepts: (value): value is boolean => typeof value === 'boolean',
};

export const STRING: ValueRule<string> = {
  expected: 'a string',
  accepts: (value): value is string => typeof value === 'string',
};

export const NON_EMPTY_STRING: ValueRule<string> = {
  expected: 'a non-empty string',
  accepts: (value): value is string => typeof value === 'string' && value.length > 0,
};

/** A function; `signature` (`(session) => boolean`) tells what it is called with and returns. */
export function aFunction<T>(signature?: string): ValueRule<T> {
  return {
    expected: signature === undefined ? 'a function' : `a function ${signature}`,
    accepts: (value): value is T => typeof value === 'function',
  };
}

/** One of `allowed`; with `ignoreCase`, names in any casing (callers keep them lower-cased). */
export function oneOf<T extends string | boolean>(allowed: readonly T[], options: { ignoreCase?: boolean } = {}): ValueRule<T> {
  const listed = allowed.map((value) => (typeof value === 'string' ? `'${value}'` : String(value))).join(', ');
  return {
    expected: `one of ${listed}`,
    accepts: (value): value is T =>
      allowed.includes(options.ignoreCase && typeof value === 'string' ? (value.toLowerCase() as T) : (value as T)),
  };
}

/** A whole number above 0 (`ttl` in seconds, a count); `unit` names what it counts. Safe integers only: 1e300 is no lifetime a backend takes. */
export function positiveInteger(unit?: string): ValueRule<number> {
  return {
    expected: unit === undefined ? 'a positive whole number' : `a positive whole number of ${unit}`,
    accepts: (value): value is number => Number.isSafeInteger(value) && (value as number) > 0,
  };
}

/** A whole number of 0 or more (a size, where 0 turns something off); `unit` names what it counts. */
export function nonNegativeInteger(unit: string): ValueRule<number> {
  return {
    expected: `a whole number of ${unit} (0 or more)`,
    accepts: (value): value is number => Number.isSafeInteger(value) && (value as number) >= 0,
  };
}

/** A finite number above 0 (a duration in milliseconds); `unit` names what it measures. */
export function positiveNumber(unit: string): ValueRule<number> {
  return {
    expected: `a positive number of ${unit}`,
    accepts: (value): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0,
  };
}

/** A finite number of 0 or more (an interval in milliseconds); `unit` names what it measures. */
export function nonNegativeNumber(unit: string): ValueRule<number> {
  return {
    expected: `a number of ${unit} (0 or more)`,
    accepts: (value): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0,
  };
}

/** A number from `min` to `max`, both included (NaN never passes), as `expected` says. */
export function numberWithin(min: number, max: number, expected: string): ValueRule<number> {
  return { expected, accepts: (value): value is number => typeof value === 'number' && value >= min && value <= max };
}

/** What either rule accepts (`ttl`: seconds or a function). */
export function either<A, B>(first: ValueRule<A>, second: ValueRule<B>): ValueRule<A | B> {
  return {
    expected: `${first.expected} or ${second.expected}`,
    accepts: (value): value is A | B => first.accepts(value) || second.accepts(value),
  };
}

/** An array whose every entry `entry` accepts (`trustedOrigins`, `ignoreMethods`); `expected` says it in the plural. */
export function arrayOf<T>(entry: ValueRule<T>, expected: string): ValueRule<T[]> {
  return {
    expected,
    accepts: (value): value is T[] => Array.isArray(value) && value.every((item) => entry.accepts(item)),
  };
}
