import { createHash } from 'node:crypto';
import { FLASH_KEY } from '../../core/session/flash.js';
import type { SessionChanges } from '../../core/session/session-changes.js';
import { isReplyError } from './redis-errors.js';
import type { RedisClient } from './redis-client.js';

/**
 * Lua shared by the scripts: reads a JSON object's members as text, never decoding values
 * (Redis' cjson would turn `[]` into `{}` and round numbers to 14 digits), so every value
 * written back is the very text that was stored. Only the object's own level is parsed:
 * strings (with escapes), nested objects and arrays are skipped over. Keys are compared as
 * `JSON.stringify` writes them, as both connect-redis and RedisStore do.
 */
const OBJECT_MEMBERS_LUA = String.raw`
local function stringEnd(text, quoteAt)
  local at = quoteAt + 1
  while true do
    local found = string.find(text, '["\\]', at)
    if not found then return nil end
    if string.sub(text, found, found) == '"' then return found + 1 end
    at = found + 2
  end
end

local function valueEnd(text, valueAt)
  local first = string.sub(text, valueAt, valueAt)
  if first == '"' then return stringEnd(text, valueAt) end
  if first ~= '{' and first ~= '[' then return string.find(text, '[,}%]%s]', valueAt) end
  local depth = 0
  local at = valueAt
  while true do
    local found = string.find(text, '["{}%[%]]', at)
    if not found then return nil end
    local char = string.sub(text, found, found)
    if char == '"' then
      at = stringEnd(text, found)
      if not at then return nil end
    else
      if char == '{' or char == '[' then depth = depth + 1 else depth = depth - 1 end
      at = found + 1
      if depth == 0 then return at end
    end
  end
end

-- The members of the JSON object in text: keys (as JSON) in order, and each value's text by
-- key; nil when text is not a JSON object.
local function objectMembers(text)
  local keyOrder, values = {}, {}
  local at = string.find(text, '%S')
  if not at or string.sub(text, at, at) ~= '{' then return nil end
  at = string.find(text, '%S', at + 1)
  if not at then return nil end
  if string.sub(text, at, at) == '}' then return keyOrder, values end
  while true do
    if string.sub(text, at, at) ~= '"' then return nil end
    local keyEnd = stringEnd(text, at)
    if not keyEnd then return nil end
    local key = string.sub(text, at, keyEnd - 1)
    at = string.find(text, '%S', keyEnd)
    if not at or string.sub(text, at, at) ~= ':' then return nil end
    at = string.find(text, '%S', at + 1)
    if not at then return nil end
    local afterValue = valueEnd(text, at)
    if not afterValue then return nil end
    if values[key] == nil then keyOrder[#keyOrder + 1] = key end
    values[key] = string.sub(text, at, afterValue - 1)
    at = string.find(text, '%S', afterValue)
    if not at then return nil end
    local separator = string.sub(text, at, at)
    if separator == '}' then return keyOrder, values end
    if separator ~= ',' then return nil end
    at = string.find(text, '%S', at + 1)
    if not at then return nil end
  end
end

-- The flash messages' object (the text of "__flash", or nil) with the messages removed[id]
-- taken out and addedOrder's appended: nil when no message is left. A stored value that is
-- not an object holds no message.
local function flashWith(text, addedOrder, added, removed)
  local ids, messages = nil, nil
  if text then ids, messages = objectMembers(text) end
  local members = {}
  for _, id in ipairs(ids or {}) do
    if not removed[id] and not added[id] then members[#members + 1] = id .. ':' .. messages[id] end
  end
  for _, id in ipairs(addedOrder) do
    if not removed[id] then members[#members + 1] = id .. ':' .. added[id] end
  end
  if #members == 0 then return nil end
  return '{' .. table.concat(members, ',') .. '}'
end
`;

/**
 * Applies one request's changes to a session stored as connect-redis' JSON string, on the
 * server, in one round trip: values are cut out of the stored text and put back as text, so
 * every key the request did not change survives byte for byte. Flash messages are added and
 * removed one by one inside `__flash`, so overlapping requests keep each other's.
 *
 * When the stored value is still the text the request loaded (nobody wrote meanwhile, the
 * common case), the request's whole value is written without cutting anything up: the caller
 * offers this only when the merge would give the same text.
 *
 * KEYS[1] the session key. ARGV: TTL seconds, the value as loaded ('' when unknown), the whole
 * new value, then (for a merge) the cookie's JSON, the number n of keys set, n pairs (key as
 * JSON, value as JSON), the number m of flash messages added, m pairs (id as JSON, message as
 * JSON), the number r of flash messages removed, r ids as JSON, then the deleted keys as JSON.
 * Returns 0 when the key is absent (the session is gone: nothing is written), -1 when the
 * value is not a JSON object, 1 once written, and 2 when called with the three first arguments
 * only and the value is no longer the one loaded: nothing is written, the caller sends its
 * changes to merge. One key, so it runs on a Cluster too.
 */
const MERGE_SCRIPT = OBJECT_MEMBERS_LUA + String.raw`
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
if ARGV[2] ~= '' and stored == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[1])
  return 1
end
if #ARGV == 3 then return 2 end

local keyOrder, storedValues = objectMembers(stored)
if not keyOrder then return -1 end

-- A count at ARGV[at], then that many (name, value) pairs: their order, values by name, and
-- where the next argument is.
local function readPairs(at)
  local order, values = {}, {}
  for _ = 1, tonumber(ARGV[at]) do
    order[#order + 1] = ARGV[at + 1]
    values[ARGV[at + 1]] = ARGV[at + 2]
    at = at + 2
  end
  return order, values, at + 1
end

local setOrder, setValues, at = readPairs(5)
local flashAddedOrder, flashAdded
flashAddedOrder, flashAdded, at = readPairs(at)
local flashRemoved = {}
local flashRemovedCount = tonumber(ARGV[at])
for index = 1, flashRemovedCount do flashRemoved[ARGV[at + index]] = true end
local deleted = {}
for index = at + flashRemovedCount + 1, #ARGV do deleted[ARGV[index]] = true end

if #flashAddedOrder > 0 or flashRemovedCount > 0 then
  local flash = flashWith(storedValues['"__flash"'], flashAddedOrder, flashAdded, flashRemoved)
  if flash then
    setOrder[#setOrder + 1] = '"__flash"'
    setValues['"__flash"'] = flash
  else
    deleted['"__flash"'] = true
  end
end

local members = { '"cookie":' .. ARGV[4] }
for _, key in ipairs(keyOrder) do
  if key ~= '"cookie"' and not deleted[key] then
    local value = setValues[key]
    if value then setValues[key] = nil else value = storedValues[key] end
    members[#members + 1] = key .. ':' .. value
  end
end
for _, key in ipairs(setOrder) do
  if setValues[key] then
    members[#members + 1] = key .. ':' .. setValues[key]
    setValues[key] = nil
  end
end
redis.call('SET', KEYS[1], '{' .. table.concat(members, ',') .. '}', 'EX', ARGV[1])
return 1
`;

/**
 * Removes flash messages from the session's `__flash` (and the key once none is left), keeping
 * the TTL and every other value's text. KEYS[1] the session key, ARGV the messages' ids as
 * JSON. Returns the ids (as JSON) that were there: only this caller gets those messages.
 */
const TAKE_FLASH_SCRIPT = OBJECT_MEMBERS_LUA + String.raw`
local stored = redis.call('GET', KEYS[1])
if not stored then return {} end
local keyOrder, values = objectMembers(stored)
if not keyOrder or not values['"__flash"'] then return {} end
local ids, messages = objectMembers(values['"__flash"'])
if not ids then return {} end
local taken, removed = {}, {}
for index = 1, #ARGV do
  local id = ARGV[index]
  if messages[id] and not removed[id] then
    taken[#taken + 1] = id
    removed[id] = true
  end
end
if #taken == 0 then return {} end
local flash = flashWith(values['"__flash"'], {}, {}, removed)
local members = {}
for _, key in ipairs(keyOrder) do
  if key ~= '"__flash"' then
    members[#members + 1] = key .. ':' .. values[key]
  elseif flash then
    members[#members + 1] = key .. ':' .. flash
  end
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('SET', KEYS[1], '{' .. table.concat(members, ',') .. '}', 'PX', ttl)
else
  redis.call('SET', KEYS[1], '{' .. table.concat(members, ',') .. '}')
end
return taken
`;

/** A script and its SHA-1, for EVALSHA. */
interface LuaScript {
  source: string;
  sha: string;
}

function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const MERGE = luaScript(MERGE_SCRIPT);
const TAKE_FLASH = luaScript(TAKE_FLASH_SCRIPT);

/** What the script answered. */
export type MergeOutcome = 'merged' | 'session-gone' | 'not-a-json-object';

/** What the script writes: the whole value when nothing changed meanwhile, else the cookie and the changes. */
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

/** The script's answer when it was sent no changes and the value changed since it was loaded. */
const CHANGED_SINCE_LOADED = 2;

/**
 * Runs the merge script for `key`. When the request knows the value it loaded, the script is
 * first sent that and the whole new value only: the changes (worked out key by key, and the
 * cookie's JSON) are built and sent only if another request wrote meanwhile (a second round
 * trip, for overlapping requests of one session only).
 */
export async function mergeOnServer(client: RedisClient, key: string, write: MergeWrite): Promise<MergeOutcome> {
  const ttl = String(write.ttlSeconds);
  let reply = write.loadedText === undefined ? CHANGED_SINCE_LOADED : await runScript(client, MERGE, key, [ttl, write.loadedText, write.wholeText]);
  if (reply === CHANGED_SINCE_LOADED) reply = await runScript(client, MERGE, key, [ttl, '', '', ...changeArguments(write)]);
  if (reply === 1) return 'merged';
  return reply === 0 ? 'session-gone' : 'not-a-json-object';
}

/** The merge script's arguments after the first three (see MERGE_SCRIPT). */
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
export async function takeFlashOnServer(client: RedisClient, key: string, messageIds: readonly string[]): Promise<string[]> {
  const reply = await runScript(client, TAKE_FLASH, key, messageIds.map((messageId) => JSON.stringify(messageId)));
  return (reply as string[]).map((idJson) => JSON.parse(idJson) as string);
}

/**
 * EVALSHA, and EVAL once when the server does not have the script yet (after a restart or on a
 * new Cluster node), which also caches it there.
 */
async function runScript(client: RedisClient, script: LuaScript, key: string, args: string[]): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, 1, key, ...args);
  } catch (error) {
    if (!(isReplyError(error) && error.message.startsWith('NOSCRIPT'))) throw error;
    return client.eval(script.source, 1, key, ...args);
  }
}
