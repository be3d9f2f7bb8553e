import { SessionOptionsError } from '../../core/errors.js';

/**
 * Letters, digits and underscores, not starting with a digit: a name every SQL database takes
 * quoted or not. Short enough that the index names derived from it (`IDX_<table>_expire`) stay
 * within PostgreSQL's 63 bytes and MySQL's 64.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/** A table or schema name from the options, checked: names are written into SQL (quoted), never bound. */
export function validIdentifier(option: string, value: unknown, defaultValue: string): string;
export function validIdentifier(option: string, value: unknown, defaultValue: undefined): string | undefined;
export function validIdentifier(option: string, value: unknown, defaultValue: string | undefined): string | undefined {
  if (value === undefined) return defaultValue;
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw new SessionOptionsError(option, `must be 1 to 48 letters, digits or underscores, not starting with a digit; got ${JSON.stringify(value)}`);
  }
  return value;
}
