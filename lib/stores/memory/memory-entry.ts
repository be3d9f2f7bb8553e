import { applySessionChanges } from '../../core/session/session-changes.js';
import type { SessionChanges } from '../../core/session/session-changes.js';
import { parseFlatDataJson } from '../../core/session/flat-data-json.js';
import { cookieEndIn, cookieEndOf, dataJsonAt, recordJsonOf } from '../../core/session/record-json.js';
import { cookieEndInSerialized, isSessionMadeRecord, serializeRecordCookie, serializeRecordData, serializeSessionRecord } from '../../core/session/session-record.js';
import { SHORTEST_ADOPTED_DATA_JSON } from '../../core/session/session.js';
import { cookieJsonOfForm, formIdOf, readCookieOfForm } from '../../core/session/stored-cookie-json.js';
import type { SessionCookie } from '../../core/cookie/session-cookie.js';
import type { SessionRecord } from '../../core/store/session-store.js';

/**
 * The MemoryStore's entry of one session: a fixed-width prefix of character codes 0-255 (so
 * the string stays one byte per character), then its body. The prefix holds its expiry (6
 * codes: epoch ms, 48 bits) and a tag (2 codes) saying what the body is:
 * - below `COMPACT_TAG`: the record's JSON (cookie first), the tag where its cookie's JSON ends
 *   in it (0 when not known);
 * - from `COMPACT_TAG` on: the data's JSON alone, the tag its cookie's form plus `COMPACT_TAG`
 *   (stored-cookie-json.ts), the cookie expiring with the entry. A session's record whose
 *   cookie has a form is kept so: nothing of its cookie is written, parsed or checked per
 *   request, and the entry is smaller by the cookie's text.
 * One string per session keeps the per-entry overhead minimal; codes instead of decimal digits
 * spare a number-to-text conversion per write and read back in fewer steps.
 */
const EXPIRY_CODES = 6;
const TAG_CODES = 2;
const BODY_START = EXPIRY_CODES + TAG_CODES;
const TWO_24 = 2 ** 24;
/** Later expiries (a far-future cookie, `ttl: Infinity`) are capped to fit the prefix: year 10889. */
export const MAX_EXPIRES_AT = 2 ** (8 * EXPIRY_CODES) - 1;
const COMPACT_TAG = 2 ** (8 * TAG_CODES - 1);

/**
 * The entry of a record's `json` expiring at `expiresAt` (≤ MAX_EXPIRES_AT; a fraction of a
 * millisecond is dropped); `cookieEnd`: where the cookie's JSON ends in `json` (`recordJsonOf`'s
 * shape), 0 when not known.
 */
export function memoryEntry(expiresAt: number, json: string, cookieEnd: number): string {
  return entryOf(expiresAt, cookieEnd > 0 && cookieEnd < COMPACT_TAG ? cookieEnd : 0, json);
}

/**
 * The compact entry of a session's record (`isSessionMadeRecord`) whose data's JSON is
 * `dataJson`, expiring at `expiresAt`, when its cookie has a form and expires then too;
 * undefined otherwise (the record is then kept as JSON).
 */
export function compactMemoryEntry(expiresAt: number, record: SessionRecord, dataJson: string): string | undefined {
  if (!isSessionMadeRecord(record)) return undefined;
  const { expires } = record.cookie;
  if (!(expires instanceof Date) || expires.getTime() !== expiresAt) return undefined;
  const formId = formIdOf(record.cookie);
  return formId === undefined ? undefined : entryOf(expiresAt, COMPACT_TAG + formId, dataJson);
}

/**
 * The entry of `record` written whole: compact for a session's record whose cookie has a form
 * (`compactMemoryEntry`), else its JSON (with the data's JSON the session gave, when it did).
 */
export function recordEntryOf(record: SessionRecord, expiresAt: number): string {
  const compact = isSessionMadeRecord(record) ? compactMemoryEntry(expiresAt, record, serializeRecordData(record)) : undefined;
  if (compact !== undefined) return compact;
  const json = serializeSessionRecord(record);
  const cookieEnd = cookieEndInSerialized(record, json);
  return memoryEntry(expiresAt, json, cookieEnd !== 0 ? cookieEnd : cookieEndOfWritten(json, record));
}

function entryOf(expiresAt: number, tag: number, body: string): string {
  const wholeMs = Math.floor(expiresAt);
  const high = Math.floor(wholeMs / TWO_24);
  const low = wholeMs - high * TWO_24;
  const prefix = String.fromCharCode(high >>> 16, (high >>> 8) & 255, high & 255, low >>> 16, (low >>> 8) & 255, low & 255, tag >>> 8, tag & 255);
  // join() copies into one exactly-sized string: `prefix + body` would keep a cons string
  // and its two parts (about 50 bytes more per session), JSON.stringify's own output can
  // carry unused capacity.
  return [prefix, body].join('');
}

/** The entry's expiry (epoch ms), read from its prefix: no substring per check (sweeps read them all). */
export function expiryOf(entry: string): number {
  const high = (entry.charCodeAt(0) << 16) | (entry.charCodeAt(1) << 8) | entry.charCodeAt(2);
  const low = (entry.charCodeAt(3) << 16) | (entry.charCodeAt(4) << 8) | entry.charCodeAt(5);
  return high * TWO_24 + low;
}

function tagOf(entry: string): number {
  return (entry.charCodeAt(EXPIRY_CODES) << 8) | entry.charCodeAt(EXPIRY_CODES + 1);
}

/** The record's JSON an entry holds, cookie first: a slice of a JSON entry, made anew for a compact one. */
export function jsonOf(entry: string): string {
  const tag = tagOf(entry);
  const body = entry.slice(BODY_START);
  return tag < COMPACT_TAG ? body : recordJsonOf(cookieJsonOfForm(tag - COMPACT_TAG, expiryOf(entry)), body);
}

/** The session an entry holds, parsed anew (no references shared with requests). */
export function storedRecordOf(entry: string): SessionRecord {
  return JSON.parse(jsonOf(entry)) as SessionRecord;
}

/**
 * `storedRecordOf` for a request's load, with the cookie as a SessionCookie for a compact
 * entry: made from its form and the entry's expiry, nothing parsed or checked again. The record
 * then has its data as parsed, its cookie's `expires` in epoch ms, and the cookie as its last
 * key where that does not become the session's key order (`SHORTEST_ADOPTED_DATA_JSON`): the
 * data's JSON is parsed as it is stored, without a text put before it (flat data without
 * JSON.parse, `parseFlatDataJson`).
 */
export function sessionRecordOf(entry: string): { record: SessionRecord; cookie?: SessionCookie } {
  const tag = tagOf(entry);
  const read = tag < COMPACT_TAG ? undefined : readCookieOfForm(tag - COMPACT_TAG, expiryOf(entry));
  if (read === undefined) return { record: storedRecordOf(entry) };
  const isShort = entry.length - BODY_START < SHORTEST_ADOPTED_DATA_JSON;
  const record = ((isShort ? parseFlatDataJson(entry, BODY_START) : undefined) ??
    JSON.parse(isShort ? entry.slice(BODY_START) : recordJsonOf('null', entry.slice(BODY_START)))) as SessionRecord;
  record.cookie = read.stored;
  return { record, cookie: read.cookie };
}

/** The data's JSON in an entry (as JSON.stringify wrote it), when the entry knows where its cookie ends. */
export function dataJsonOfEntry(entry: string): string | undefined {
  const tag = tagOf(entry);
  if (tag >= COMPACT_TAG) return entry.slice(BODY_START);
  return tag === 0 ? undefined : dataJsonAt(entry, BODY_START + tag);
}

/**
 * The entry of a touch: the entry's data with `record`'s cookie, expiring at `expiresAt`;
 * undefined when the entry does not know where its data begins.
 */
export function touchedEntry(entry: string, record: SessionRecord, expiresAt: number): string | undefined {
  const dataJson = dataJsonOfEntry(entry);
  if (dataJson === undefined) return undefined;
  const compact = compactMemoryEntry(expiresAt, record, dataJson);
  if (compact !== undefined) return compact;
  const cookieJson = serializeRecordCookie(record);
  return memoryEntry(expiresAt, recordJsonOf(cookieJson, dataJson), cookieEndOf(cookieJson));
}

/** The stored session with one request's changes applied, as JSON. */
export function mergedJson(entry: string, record: SessionRecord, changes: SessionChanges): string {
  const stored = storedRecordOf(entry) as Record<string, unknown>;
  // The cookie is the record's first key: replacing it in place keeps it first.
  stored.cookie = record.cookie;
  applySessionChanges(stored, changes);
  return JSON.stringify(stored);
}

/**
 * Where `record`'s cookie ends in `json`, JSON the store wrote of it by `JSON.stringify` (a
 * record not made by `toSessionRecord`, a merge, a touch that re-read the entry): 0 unless the
 * cookie came first. Known, the next loads slice the data's JSON and touches rewrite the cookie
 * alone, instead of a parse and a stringify each (a session that is only read never leaves
 * such an entry otherwise).
 */
export function cookieEndOfWritten(json: string, record: SessionRecord): number {
  return cookieEndIn(json, serializeRecordCookie(record));
}
