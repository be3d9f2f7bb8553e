/**
 * The Lua of RedisStore's merged saves and flash takes, run on the server (see
 * redis-merge-script.ts for the calls). One file for the scripts, as they share their JSON reader.
 */

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
 * A save's common case, the stored value still being the text the request loaded (nobody wrote
 * meanwhile): the request's whole value is written over it. Kept apart from MERGE_SCRIPT and
 * short, since Redis runs the whole chunk on every call; the caller offers this only when the
 * merge would give the same text. KEYS[1] the session key. ARGV: TTL seconds, the value as
 * loaded, the whole new value. Returns 1 once written, 0 when the key is absent (the session is
 * gone: nothing is written), 2 when the value is no longer the one loaded: nothing is written,
 * the caller sends its changes to MERGE_SCRIPT. One key, so it runs on a Cluster too.
 */
export const WRITE_IF_UNCHANGED_SCRIPT = `
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
if stored ~= ARGV[2] then return 2 end
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[1])
return 1
`;

/**
 * Applies one request's changes to a session stored as connect-redis' JSON string, on the
 * server, in one round trip: values are cut out of the stored text and put back as text, so
 * every key the request did not change survives byte for byte. Flash messages are added and
 * removed one by one inside `__flash`, so overlapping requests keep each other's.
 *
 * KEYS[1] the session key. ARGV: TTL seconds, the cookie's JSON, the number n of keys set, n
 * pairs (key as JSON, value as JSON), the number m of flash messages added, m pairs (id as
 * JSON, message as JSON), the number r of flash messages removed, r ids as JSON, then the
 * deleted keys as JSON. Returns 0 when the key is absent (the session is gone: nothing is
 * written), -1 when the value is not a JSON object, 1 once written. One key, so it runs on a
 * Cluster too.
 */
export const MERGE_SCRIPT = OBJECT_MEMBERS_LUA + String.raw`
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end

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

local setOrder, setValues, at = readPairs(3)
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

local members = { '"cookie":' .. ARGV[2] }
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
export const TAKE_FLASH_SCRIPT = OBJECT_MEMBERS_LUA + String.raw`
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
