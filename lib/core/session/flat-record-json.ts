// A session record's JSON, as a store holds it (connect-redis' value), read without JSON.parse
// when its cookie is of a form this process writes and its data is flat: what a request's load
// of its own sessions meets (bench/PROFILE.md).

import type { SessionCookie } from '../cookie/session-cookie.js';
import type { SessionRecord } from './session-record.js';
import { hasTextAt } from '../text-at.js';
import { parseFlatMembersJson } from './flat-data-json.js';
import { dataJsonAt, RECORD_JSON_START } from './record-json.js';
import { SHORTEST_ADOPTED_DATA_JSON } from './session.js';
import { cookieJsonOfFormAt, readCookieOfForm } from './stored-cookie-json.js';

const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;

/** A record read from its JSON for a request's load. */
export interface FlatRecordRead {
  /** The data as parsed, with the cookie as its last key, its `expires` in epoch ms. */
  readonly record: SessionRecord;
  /** `SessionCookie.fromStored` of the record's cookie, made from its form (checked once). */
  readonly cookie: SessionCookie;
  /** The data's JSON as the text holds it: what JSON.stringify writes of the data. */
  readonly dataJson: string;
  /** Where the cookie's JSON ends in the text. */
  readonly cookieEnd: number;
}

/**
 * `json` (`{"cookie":<cookie>,<data members>}`) read without JSON.parse: when the cookie's JSON
 * is that of a form this process wrote (`cookieJsonOfFormAt`) and the data is flat
 * (`parseFlatMembersJson`) and short enough for a session to copy its keys. Undefined for any
 * other text: the caller then parses it as it is and checks the result.
 */
export function readFlatRecordJson(json: string): FlatRecordRead | undefined {
  if (!hasTextAt(json, RECORD_JSON_START, 0)) return undefined;
  const cookieJson = cookieJsonOfFormAt(json, RECORD_JSON_START.length);
  if (cookieJson === undefined) return undefined;
  const cookieEnd = cookieJson.end;
  const last = json.length - 1;
  if (last - cookieEnd >= SHORTEST_ADOPTED_DATA_JSON) return undefined;
  const next = json.charCodeAt(cookieEnd);
  const data = next === COMMA ? parseFlatMembersJson(json, cookieEnd) : next === CLOSE_BRACE && cookieEnd === last ? {} : undefined;
  // A second `cookie` member would be the one JSON.parse keeps.
  if (data === undefined || Object.hasOwn(data, 'cookie')) return undefined;
  const read = readCookieOfForm(cookieJson.formId, cookieJson.expiresAt);
  if (read === undefined) return undefined;
  data.cookie = read.stored;
  return { record: data as unknown as SessionRecord, cookie: read.cookie, dataJson: dataJsonAt(json, cookieEnd), cookieEnd };
}
