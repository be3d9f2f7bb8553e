import { canonicalIsoEpochAt, isoTextOf } from '../cookie/date-text.js';
import { hasTextAt } from '../text-at.js';
import { SessionCookie } from '../cookie/session-cookie.js';
import type { StoredCookie } from '../cookie/session-cookie.js';

/**
 * A stored cookie's attribute set (all but its expiry), with the text `JSON.stringify` writes
 * around the expiry. A store that keeps sessions in this process (the MemoryStore) keeps such a
 * cookie as its form's `id` and its expiry, and reads it back from those (`readCookieOfForm`).
 */
interface CookieForm {
  readonly id: number;
  readonly attributes: StoredCookie;
  readonly beforeExpires: string;
  readonly afterExpires: string;
  /** The cookie as JSON.parse gives it back (its `expires` a placeholder), and as a SessionCookie, checked once; made on the first read. */
  read?: ReadCookieForm | null;
}

interface ReadCookieForm {
  readonly parsed: StoredCookie;
  readonly checked: SessionCookie;
}

/** Applications use one attribute set, or a few (a `cookie` function, `secure: 'auto'`). */
const MAX_CACHED_FORMS = 16;
/** The forms the writer looks through, most recent last. */
const cachedForms: CookieForm[] = [];
/**
 * Every form by id, never dropped (a stored cookie names its form by id): up to this many, a
 * bound for apps whose attribute sets keep changing (a `cookie` function of the request); the
 * cookies of later forms are kept as text.
 */
const MAX_FORM_IDS = 1024;
const formsById: CookieForm[] = [];
const EXPIRES_PLACEHOLDER = '\u0001expires';
const PLACEHOLDER_JSON = `"expires":${JSON.stringify(EXPIRES_PLACEHOLDER)}`;

/**
 * `JSON.stringify(cookie)` for a cookie as `SessionCookie#toJSON` makes it (its keys, in its
 * order, `expires` a Date or null): the text around the expiry is made once per attribute set,
 * the expiry's text comes from the per-second cache. Anything else is stringified as it is.
 */
export function storedCookieJson(cookie: StoredCookie): string {
  const epochMilliseconds = dateExpiryOf(cookie);
  if (epochMilliseconds === undefined) return JSON.stringify(cookie);
  // A creation time differs per session: not worth a cache entry (absoluteTimeout only).
  if (cookie.createdAt !== undefined) return JSON.stringify({ ...cookie, expires: isoTextOf(epochMilliseconds) });
  const form = cachedFormFor(cookie);
  return form.beforeExpires + '"' + isoTextOf(epochMilliseconds) + '"' + form.afterExpires;
}

/** The expiry of a cookie whose `expires` JSON.stringify writes as `toISOString()` (a valid Date of its own class); else undefined. */
function dateExpiryOf(cookie: StoredCookie): number | undefined {
  const { expires } = cookie;
  if (!(expires instanceof Date) || expires.toJSON !== Date.prototype.toJSON) return undefined;
  const epochMilliseconds = expires.getTime();
  return Number.isFinite(epochMilliseconds) ? epochMilliseconds : undefined;
}

/**
 * The id of the form of a cookie as `SessionCookie#toJSON` makes it, with an expiry (a valid
 * Date) and no creation time: `cookieJsonOfForm(id, its expiry)` is then `storedCookieJson` of
 * it. Undefined for any other cookie, or past `MAX_FORM_IDS` forms.
 */
export function formIdOf(cookie: StoredCookie): number | undefined {
  if (dateExpiryOf(cookie) === undefined || cookie.createdAt !== undefined) return undefined;
  const { id } = cachedFormFor(cookie);
  return id < MAX_FORM_IDS ? id : undefined;
}

/** `storedCookieJson` of a cookie of the form `formId` expiring at `expiresAt` (epoch ms of a valid Date). */
export function cookieJsonOfForm(formId: number, expiresAt: number): string {
  const form = formsById[formId]!;
  return form.beforeExpires + '"' + isoTextOf(expiresAt) + '"' + form.afterExpires;
}

/** Where a cookie's JSON of a known form stands in a text: its form, its expiry, and the index after it. */
export interface CookieJsonOfForm {
  readonly formId: number;
  readonly expiresAt: number;
  readonly end: number;
}

/** The length of `toISOString()`'s text of a date of years 0 to 9999. */
const ISO_TEXT_LENGTH = 24;
const QUOTE = 0x22;

/**
 * The cookie whose JSON stands at `start` in `text`, when that JSON is `cookieJsonOfForm` of a
 * form this process wrote lately (a record it saved, or that another process of the app saved
 * with the same attributes): read by comparing text, without JSON.parse. Undefined otherwise.
 */
export function cookieJsonOfFormAt(text: string, start: number): CookieJsonOfForm | undefined {
  for (let index = cachedForms.length - 1; index >= 0; index--) {
    const form = cachedForms[index]!;
    // Forms can share the text before the expiry (`secure` comes after it): each is tried.
    if (form.id >= MAX_FORM_IDS || !hasTextAt(text, form.beforeExpires, start)) continue;
    const openingQuote = start + form.beforeExpires.length;
    const afterExpires = openingQuote + ISO_TEXT_LENGTH + 2;
    if (text.charCodeAt(openingQuote) !== QUOTE || text.charCodeAt(afterExpires - 1) !== QUOTE || !hasTextAt(text, form.afterExpires, afterExpires)) continue;
    const expiresAt = canonicalIsoEpochAt(text, openingQuote + 1);
    if (!Number.isNaN(expiresAt)) return { formId: form.id, expiresAt, end: afterExpires + form.afterExpires.length };
  }
  return undefined;
}

/** A cookie read back from its form and expiry: as JSON.parse would give its stored form (`expires` as epoch ms), and as `SessionCookie.fromStored` would make it. */
export interface CookieOfForm {
  readonly stored: StoredCookie;
  readonly cookie: SessionCookie;
}

/**
 * The cookie of the form `formId` expiring at `expiresAt`, without text to parse or attributes
 * to check again: copied from the form's, checked once. Undefined if the form does not check
 * (it came from a SessionCookie, so it always should).
 */
export function readCookieOfForm(formId: number, expiresAt: number): CookieOfForm | undefined {
  const form = readFormOf(formsById[formId]!);
  if (form === null) return undefined;
  return { stored: { ...form.parsed, expires: expiresAt }, cookie: SessionCookie.withAttributesOf(form.checked, expiresAt) };
}

function cachedFormFor(cookie: StoredCookie): CookieForm {
  for (const form of cachedForms) if (isSameAttributeSet(form.attributes, cookie)) return form;
  const { originalMaxAge, partitioned, priority, secure, httpOnly, domain, path, sameSite } = cookie;
  const attributes: StoredCookie = { originalMaxAge, partitioned, priority, secure, httpOnly, domain, path, sameSite };
  // The key and a placeholder no validated attribute can contain mark where the expiry goes.
  const text = JSON.stringify({ ...cookie, expires: EXPIRES_PLACEHOLDER });
  const at = text.indexOf(PLACEHOLDER_JSON) + '"expires":'.length;
  const form: CookieForm = {
    id: formsById.length,
    attributes,
    beforeExpires: text.slice(0, at),
    afterExpires: text.slice(at + PLACEHOLDER_JSON.length - '"expires":'.length),
  };
  if (formsById.length < MAX_FORM_IDS) formsById.push(form);
  if (cachedForms.length >= MAX_CACHED_FORMS) cachedForms.shift();
  cachedForms.push(form);
  return form;
}

function isSameAttributeSet(cached: StoredCookie, cookie: StoredCookie): boolean {
  return (
    cached.originalMaxAge === cookie.originalMaxAge && cached.path === cookie.path && cached.httpOnly === cookie.httpOnly &&
    cached.secure === cookie.secure && cached.sameSite === cookie.sameSite && cached.domain === cookie.domain &&
    cached.partitioned === cookie.partitioned && cached.priority === cookie.priority
  );
}

function readFormOf(form: CookieForm): ReadCookieForm | null {
  if (form.read === undefined) {
    const parsed = JSON.parse(`${form.beforeExpires}""${form.afterExpires}`) as StoredCookie;
    try {
      form.read = { parsed, checked: SessionCookie.fromStored({ ...parsed, expires: null }) };
    } catch {
      // Written from a SessionCookie, so checked already; should a form still fail, its cookies are read from text.
      form.read = null;
    }
  }
  return form.read;
}
