import type { SessionChanges } from '../../core/session/session-changes.js';
import { FLASH_KEY } from '../../core/session/flash.js';
import { isUsableRecord } from '../../core/session/session-record.js';
import type { SessionRecord } from '../../core/session/session-record.js';
import { parseRecordText, recordExpiresAt } from '../../core/store/stored-record.js';

/** The longest lifetime written (a century): a far-off cookie expiry stays within every database's date range. */
const LONGEST_LIFETIME_MS = 100 * 365 * 24 * 60 * 60 * 1000;

/**
 * How long the row lives from now, in ms: until the cookie's expiry, else `ttlSeconds`. Only
 * this duration leaves the app: the database adds it to its own clock, and compares rows with
 * its own clock, so one clock decides (the app's may be off).
 */
export function lifetimeMsOf(record: SessionRecord, ttlSeconds: number): number {
  const now = Date.now();
  return Math.min(Math.ceil(recordExpiresAt(record, now, ttlSeconds * 1000) - now), LONGEST_LIFETIME_MS);
}

/** A row's JSON as a session, or why it is not one (it is then dropped: the request starts a new session). */
export function parseSessionRow(text: string): { record: SessionRecord } | { problem: string } {
  const parsed = parseRecordText(text, JSON);
  if ('problem' in parsed || isUsableRecord(parsed.record)) return parsed;
  return { problem: 'it is not a session with a usable cookie' };
}

/** A session id cut short for a log line: a whole id would be a credential in the log. */
export function sessionIdHint(sessionId: string): string {
  return sessionId.slice(0, 8) + '…';
}

/** A member of a JSON object: its key and its value's JSON. */
export type JsonMember = readonly [key: string, valueJson: string];

/** One request's changes as a merge statement takes them: the members set, the keys deleted, the flash messages. */
export interface SqlMergeChanges {
  /** The keys set, as members and as one JSON object. */
  setMembers: JsonMember[];
  setJson: string;
  deletedKeys: readonly string[];
  /** Flash messages added (as members and as one JSON object by id) and removed, when `__flash` changes message by message. */
  flash?: { addedMembers: JsonMember[]; addedJson: string; removedIds: string[] };
  /**
   * The request's whole value (`wholeJson`), for a table that can write it instead of merging
   * when the row still holds the text the request loaded (`loadedText`): the same result, without
   * the database reading and rebuilding the JSON. Given only when that holds (`isRewritableLoadedText`).
   */
  unchangedSinceLoad?: { loadedText: string; wholeJson: string };
}

/**
 * The changes for a merge statement. As in RedisStore's merge: with flash changes one by one,
 * the `__flash` list as this request saw it is neither set nor deleted whole.
 */
export function sqlMergeChangesOf(changes: SessionChanges): SqlMergeChanges {
  const { flash } = changes;
  // One pass over the keys set, on every save: no copies of the map or the deleted keys without flash changes.
  const setMembers: JsonMember[] = [];
  for (const member of changes.setKeys) if (!(flash && member[0] === FLASH_KEY)) setMembers.push(member);
  const deletedKeys = flash ? changes.deletedKeys.filter((dataKey) => dataKey !== FLASH_KEY) : changes.deletedKeys;
  const merge: SqlMergeChanges = { setMembers, setJson: objectJsonOf(setMembers), deletedKeys };
  if (flash) {
    const addedMembers = [...flash.added];
    merge.flash = { addedMembers, addedJson: objectJsonOf(addedMembers), removedIds: [...flash.removed] };
  }
  return merge;
}

/** A JSON object's text from its members' keys and value JSON. */
function objectJsonOf(members: readonly JsonMember[]): string {
  let json = '';
  for (const [key, valueJson] of members) json += `${json === '' ? '{' : ','}${JSON.stringify(key)}:${valueJson}`;
  return json === '' ? '{}' : `${json}}`;
}
