/** The `header` option's checks: which request header carries the token, with which scheme. */
import { SessionOptionsError } from '../errors.js';
import { checkedOption, describeValue } from '../option-checks.js';
import type { ValueRule } from '../option-checks.js';
import type { HeaderTransportOptions } from '../transport/header-transport.js';
import type { OptionsWarning } from './options-warning.js';
import type { SessionHeaderOptions } from './session-options.js';

/** The `header` option, checked, with its defaults: what the header transport is built with. */
export type ResolvedHeaderOptions = HeaderTransportOptions;

const KNOWN_HEADER_KEYS = new Set(['name', 'scheme', 'responseHeader']);

/** An HTTP header name or an authentication scheme: an RFC 9110 token. */
const HTTP_TOKEN: ValueRule<string> = {
  expected: 'an HTTP token (letters, digits and !#$%&\'*+-.^_`|~, no spaces)',
  accepts: (value): value is string => typeof value === 'string' && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value),
};

/** A scheme: an HTTP token, or `''` for none. */
const SCHEME: ValueRule<string> = {
  expected: `${HTTP_TOKEN.expected} or '' for none`,
  accepts: (value): value is string => value === '' || HTTP_TOKEN.accepts(value),
};

/**
 * `header` checked: `undefined` when off (`false` or not given), the defaults for `true`
 * (`Authorization: Bearer <token>`, answered in `Session-Token`). Throws `SessionOptionsError`
 * naming `header.<key>` for a bad value; unknown keys are warned about.
 */
export function resolveHeaderOptions(header: unknown, warn: OptionsWarning): ResolvedHeaderOptions | undefined {
  if (header === undefined || header === false) return undefined;
  const options: SessionHeaderOptions = header === true ? {} : (header as SessionHeaderOptions);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new SessionOptionsError('header', `must be true, false or { name?, scheme?, responseHeader? }, got ${describeValue(header)}`);
  }
  const unknownKeys = Object.keys(options).filter((key) => !KNOWN_HEADER_KEYS.has(key));
  if (unknownKeys.length > 0) warn(`nest-sessions: unknown key(s) of option \`header\` ignored: ${unknownKeys.join(', ')}. Check the spelling.`);
  const name = (checkedOption('header.name', options.name, HTTP_TOKEN) ?? 'Authorization').toLowerCase();
  const scheme = checkedOption('header.scheme', options.scheme, SCHEME) ?? (name === 'authorization' ? 'Bearer' : '');
  const responseHeader = checkedOption('header.responseHeader', options.responseHeader, HTTP_TOKEN) ?? 'Session-Token';
  if (responseHeader.toLowerCase() === 'set-cookie') {
    throw new SessionOptionsError('header.responseHeader', 'must not be Set-Cookie: the token goes out in a header of its own');
  }
  return { name, scheme, responseHeader };
}
