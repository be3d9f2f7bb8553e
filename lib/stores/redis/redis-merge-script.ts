/**
 * RedisStore's merged saves and flash takes: the calls of the Lua scripts (redis-lua-scripts.ts),
 * their arguments and answers, and the loaded text that lets most merges write the whole value.
 */
import { createHash } from 'node:crypto';
import { FLASH_KEY } from '../../core/session/flash.js';
import type { SessionChanges } from '../../core/session/session-changes.js';
import { isRewritableLoadedText } from '../../core/session/session-changes.js';
import type { CompareAndSetOutcome, SessionRecord } from '../../core/store/session-store.js';
import type { CommandArgument, RedisCommands } from './redis-commands.js';
import { isReplyError } from './redis-errors.js';
import { MERGE_SCRIPT, TAKE_FLASH_SCRIPT, WRITE_IF_UNCHANGED_SCRIPT } from './redis-lua-scripts.js';

/** On records `get` returns: the stored text they were parsed from, and where its cookie ends when known (else undefined). */
const LOADED_TEXT = Symbol('nest-sessions.RedisStore.loadedText');

interface LoadedText {
  readonly text: string;
  readonly cookieEnd: number | undefined;
}

type RecordWithLoadedText = SessionRecord & { [LOADED_TEXT]?: LoadedText };

/**
 * Keeps on a loaded record the text it was read from, for a later merge to see that nothing was
 * written since. Not enumerable, so deep equality does not see it; a WeakMap instead measured
 * no cheaper (its set and the GC's ephemeron work cost what the defineProperty did).
 */
export function rememberLoadedText(record: SessionRecord, text: string): void {
  Object.defineProperty(record, LOADED_TEXT, { value: { text, cookieEnd: undefined } satisfies LoadedText });
}

/**
 * `rememberLoadedText` on a record only the request's load holds (a `RequestLoad`'s, whose keys
 * the session copies): a plain property, where a defineProperty costs ~1,900 instructions.
 */
export function keepLoadedTextOnOwnRecord(record: SessionRecord, text: string, cookieEnd: number): void {
  (record as RecordWithLoadedText)[LOADED_TEXT] = { text, cookieEnd };
}

/** The text the request loaded, when writing the whole new value over it is a merge (`isRewritableLoadedText`). */
export function rewritableLoadedText(changes: SessionChanges): string | undefined {
  const loaded = (changes.baseRecord as RecordWithLoadedText | undefined)?.[LOADED_TEXT];
  return loaded !== undefined && isRewritableLoadedText(loaded.text, changes, loaded.cookieEnd) ? loaded.text : undefined;
}

/** The text `get` read `record` from, if it read it. */
export function loadedTextOf(record: SessionRecord): string | undefined {
  return (record as RecordWithLoadedText)[LOADED_TEXT]?.text;
}

/** A script and its SHA-1, for EVALSHA. */
interface LuaScript {
  source: string;
  sha: string;
}

function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const WRITE_IF_UNCHANGED = luaScript(WRITE_IF_UNCHANGED_SCRIPT);
const MERGE = luaScript(MERGE_SCRIPT);
const TAKE_FLASH = luaScript(TAKE_FLASH_SCRIPT);

/** What the scripts answered. */
export type MergeOutcome = 'merged' | 'session-gone' | 'not-a-json-object';

/** What a save writes: the whole value when nothing changed meanwhile, else the cookie and the changes. */
export interface MergeWrite {
  ttlSeconds: number;
  /** The record's cookie, serialized only when the changes are merged. */
  cookie: unknown;
  changes: SessionChanges;
  /**
   * The value as the request loaded it, given only when writing `wholeText` over it keeps the
   * text of every key the request did not change (the value is what JSON.stringify makes of it).
   */
  loadedText: string | undefined;
  /** The request's whole value, written as is when the stored value is still `loadedText`. */
  wholeText: string;
}

/** WRITE_IF_UNCHANGED's answer when the value changed since it was loaded. */
const CHANGED_SINCE_LOADED = 2;

/**
 * Saves the request's session to `key`. When the request knows the value it loaded, a short
 * script writes the whole new value if the stored one is still that (the common case); the
 * changes (worked out key by key, and the cookie's JSON) are built and merged by the merge
 * script only if another request wrote meanwhile (a second round trip, for overlapping
 * requests of one session only).
 */
export async function mergeOnServer(commands: RedisCommands, key: string, write: MergeWrite): Promise<MergeOutcome> {
  const ttl = String(write.ttlSeconds);
  let reply = write.loadedText === undefined ? CHANGED_SINCE_LOADED : await runScript(commands, WRITE_IF_UNCHANGED, key, [ttl, write.loadedText, write.wholeText]);
  if (reply === CHANGED_SINCE_LOADED) reply = await runScript(commands, MERGE, key, [ttl, ...changeArguments(write)]);
  if (reply === 1) return 'merged';
  return reply === 0 ? 'session-gone' : 'not-a-json-object';
}

/**
 * Writes `text` to `key` with the TTL if the stored value is still `loadedText` (the
 * WRITE_IF_UNCHANGED script, on the one key).
 */
export async function compareAndSetOnServer(commands: RedisCommands, key: string, ttlSeconds: number, loadedText: string, text: string): Promise<CompareAndSetOutcome> {
  const reply = await runScript(commands, WRITE_IF_UNCHANGED, key, [String(ttlSeconds), loadedText, text]);
  if (reply === 1) return 'written';
  return reply === CHANGED_SINCE_LOADED ? 'changed' : 'gone';
}

/** The merge script's arguments after the TTL (see MERGE_SCRIPT). */
function changeArguments({ cookie, changes }: MergeWrite): string[] {
  const { flash } = changes;
  // With the flash messages' changes one by one, the list as this request saw it is not written.
  const isWrittenWhole = (dataKey: string) => !(flash && dataKey === FLASH_KEY);
  const args: string[] = [JSON.stringify(cookie)];
  const setKeys = [...changes.setKeys].filter(([dataKey]) => isWrittenWhole(dataKey));
  args.push(String(setKeys.length));
  for (const [dataKey, valueJson] of setKeys) args.push(JSON.stringify(dataKey), valueJson);
  args.push(String(flash?.added.size ?? 0));
  for (const [messageId, messageJson] of flash?.added ?? []) args.push(JSON.stringify(messageId), messageJson);
  args.push(String(flash?.removed.length ?? 0));
  for (const messageId of flash?.removed ?? []) args.push(JSON.stringify(messageId));
  for (const dataKey of changes.deletedKeys) if (isWrittenWhole(dataKey)) args.push(JSON.stringify(dataKey));
  return args;
}

/** Runs the take script for `key`: the ids of the messages this call removed. */
export async function takeFlashOnServer(commands: RedisCommands, key: string, messageIds: readonly string[]): Promise<string[]> {
  const reply = await runScript(commands, TAKE_FLASH, key, messageIds.map((messageId) => JSON.stringify(messageId)));
  return (reply as string[]).map((idJson) => JSON.parse(idJson) as string);
}

/**
 * EVALSHA, and EVAL once when the server does not have the script yet (after a restart or on a
 * new Cluster node), which also caches it there.
 */
async function runScript(commands: RedisCommands, script: LuaScript, key: string, args: CommandArgument[]): Promise<unknown> {
  try {
    return await commands.send('evalsha', [script.sha, '1', key, ...args]);
  } catch (error) {
    if (!(isReplyError(error) && error.message.startsWith('NOSCRIPT'))) throw error;
    return commands.send('eval', [script.source, '1', key, ...args]);
  }
}
