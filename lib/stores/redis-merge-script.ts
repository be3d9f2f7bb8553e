import { createHash } from 'node:crypto';
import type { SessionChanges } from '../core/session-changes.js';
import { isReplyError } from './redis-errors.js';
import type { RedisClient } from './redis-store-options.js';

/**
 * Applies one request's changes to a session stored as connect-redis' JSON string, on the
 * server, in one round trip: values are cut out of the stored text and put back as text,
 * never decoded (Redis' cjson would turn `[]` into `{}` and round numbers to 14 digits), so
 * every key another request wrote meanwhile survives byte for byte. Only the top level is
 * parsed: strings (with escapes), nested objects and arrays are skipped over.
 *
 * When the stored value is still the text the request loaded (nobody wrote meanwhile, the
 * common case), the request's whole value is written without cutting anything up: the merge
 * would give the same, and the scan is most of the script's time.
 *
 * KEYS[1] the session key. ARGV: TTL seconds, the value as loaded ('' when unknown), the whole
 * new value, then (for a merge) the cookie's JSON, the number n of keys set, n pairs (key as
 * JSON, value as JSON), then the deleted keys as JSON. Keys are compared as `JSON.stringify`
 * writes them, as both connect-redis and RedisStore do.
 * Returns 0 when the key is absent (the session is gone: nothing is written), -1 when the
 * value is not a JSON object, 1 once written, and 2 when called with the three first arguments
 * only and the value is no longer the one loaded: nothing is written, the caller sends its
 * changes to merge. One key, so it runs on a Cluster too.
 */
const MERGE_SCRIPT = String.raw`
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
if ARGV[2] ~= '' and stored == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[1])
  return 1
end
if #ARGV == 3 then return 2 end

local function stringEnd(quoteAt)
  local at = quoteAt + 1
  while true do
    local found = string.find(stored, '["\\]', at)
    if not found then return nil end
    if string.sub(stored, found, found) == '"' then return found + 1 end
    at = found + 2
  end
end

local function valueEnd(valueAt)
  local first = string.sub(stored, valueAt, valueAt)
  if first == '"' then return stringEnd(valueAt) end
  if first ~= '{' and first ~= '[' then return string.find(stored, '[,}%]%s]', valueAt) end
  local depth = 0
  local at = valueAt
  while true do
    local found = string.find(stored, '["{}%[%]]', at)
    if not found then return nil end
    local char = string.sub(stored, found, found)
    if char == '"' then
      at = stringEnd(found)
      if not at then return nil end
    else
      if char == '{' or char == '[' then depth = depth + 1 else depth = depth - 1 end
      at = found + 1
      if depth == 0 then return at end
    end
  end
end

local keyOrder, storedValues = {}, {}
local at = string.find(stored, '%S')
if not at or string.sub(stored, at, at) ~= '{' then return -1 end
at = string.find(stored, '%S', at + 1)
if not at then return -1 end
if string.sub(stored, at, at) ~= '}' then
  while true do
    if string.sub(stored, at, at) ~= '"' then return -1 end
    local keyEnd = stringEnd(at)
    if not keyEnd then return -1 end
    local key = string.sub(stored, at, keyEnd - 1)
    at = string.find(stored, '%S', keyEnd)
    if not at or string.sub(stored, at, at) ~= ':' then return -1 end
    at = string.find(stored, '%S', at + 1)
    if not at then return -1 end
    local afterValue = valueEnd(at)
    if not afterValue then return -1 end
    if storedValues[key] == nil then keyOrder[#keyOrder + 1] = key end
    storedValues[key] = string.sub(stored, at, afterValue - 1)
    at = string.find(stored, '%S', afterValue)
    if not at then return -1 end
    local separator = string.sub(stored, at, at)
    if separator == '}' then break end
    if separator ~= ',' then return -1 end
    at = string.find(stored, '%S', at + 1)
    if not at then return -1 end
  end
end

local setCount = tonumber(ARGV[5])
local setValues, deleted = {}, {}
for index = 1, setCount do setValues[ARGV[4 + 2 * index]] = ARGV[5 + 2 * index] end
for index = 6 + 2 * setCount, #ARGV do deleted[ARGV[index]] = true end

local members = { '"cookie":' .. ARGV[4] }
for _, key in ipairs(keyOrder) do
  if key ~= '"cookie"' and not deleted[key] then
    local value = setValues[key]
    if value then setValues[key] = nil else value = storedValues[key] end
    members[#members + 1] = key .. ':' .. value
  end
end
for index = 1, setCount do
  local key = ARGV[4 + 2 * index]
  if setValues[key] then
    members[#members + 1] = key .. ':' .. setValues[key]
    setValues[key] = nil
  end
end
redis.call('SET', KEYS[1], '{' .. table.concat(members, ',') .. '}', 'EX', ARGV[1])
return 1
`;

const MERGE_SCRIPT_SHA = createHash('sha1').update(MERGE_SCRIPT).digest('hex');

/** What the script answered. */
export type MergeOutcome = 'merged' | 'session-gone' | 'not-a-json-object';

/** What the script writes: the whole value when nothing changed meanwhile, else the cookie and the changes. */
export interface MergeWrite {
  ttlSeconds: number;
  /** The record's cookie, serialized only when the changes are merged. */
  cookie: unknown;
  changes: SessionChanges;
  /** The value as the request loaded it, if known. */
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
  let reply = write.loadedText === undefined ? CHANGED_SINCE_LOADED : await runScript(client, key, [ttl, write.loadedText, write.wholeText]);
  if (reply === CHANGED_SINCE_LOADED) {
    const { changes } = write;
    const args: string[] = [ttl, '', '', JSON.stringify(write.cookie), String(changes.setKeys.size)];
    for (const [dataKey, valueJson] of changes.setKeys) args.push(JSON.stringify(dataKey), valueJson);
    for (const dataKey of changes.deletedKeys) args.push(JSON.stringify(dataKey));
    reply = await runScript(client, key, args);
  }
  if (reply === 1) return 'merged';
  return reply === 0 ? 'session-gone' : 'not-a-json-object';
}

/**
 * EVALSHA, and EVAL once when the server does not have the script yet (after a restart or on a
 * new Cluster node), which also caches it there.
 */
async function runScript(client: RedisClient, key: string, args: string[]): Promise<unknown> {
  try {
    return await client.evalsha(MERGE_SCRIPT_SHA, 1, key, ...args);
  } catch (error) {
    if (!(isReplyError(error) && error.message.startsWith('NOSCRIPT'))) throw error;
    return client.eval(MERGE_SCRIPT, 1, key, ...args);
  }
}
