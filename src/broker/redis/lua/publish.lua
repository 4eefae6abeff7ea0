-- Publishes one publication of a channel, atomically (switchyard Redis broker).
-- KEYS[1] stream (history), KEYS[2] stream meta (hash: e = epoch, s = top offset),
-- KEYS[3] idempotency result key (used only when ARGV[9] is "1"; otherwise any key of the
-- channel's slot, so a Redis Cluster sees no cross-slot key).
-- ARGV[1] encoded publication, ARGV[2] history size (0: no history),
-- ARGV[3] history ttl ms, ARGV[4] meta ttl ms (0: forever), ARGV[5] epoch to use
-- when the stream has none, ARGV[6] PUB/SUB channel, ARGV[7] idempotency ttl ms,
-- ARGV[8] "1" to send the previous publication along (fossil delta),
-- ARGV[9] "1" when the publish is idempotent (KEYS[3] holds the result),
-- ARGV[10] "1" to publish with SPUBLISH (sharded PUB/SUB; ARGV[6] is in the keys' slot),
-- ARGV[11] version ("0": none), ARGV[12] version epoch (meta fields v, ve): with
-- history, a version not above the recorded one (same epoch, or any for "")
-- publishes nothing and answers the current top.
-- Returns { "offset:epoch", duplicate (0|1) }.
local stream, meta = KEYS[1], KEYS[2]
local result_key = ''
if ARGV[9] == '1' then result_key = KEYS[3] end
local payload = ARGV[1]
local size = tonumber(ARGV[2])
local meta_ttl = tonumber(ARGV[4])

if result_key ~= '' then
  local seen = redis.call('get', result_key)
  if seen then return { seen, 1 } end
end

local offset, epoch = 0, ''
local message
if size > 0 then
  epoch = redis.call('hget', meta, 'e')
  if not epoch then
    -- A new life of the stream: whatever an old stream key holds belongs to a lost epoch.
    epoch = ARGV[5]
    redis.call('hset', meta, 'e', epoch)
    redis.call('del', stream)
  end
  if ARGV[11] ~= '0' then
    local recorded = redis.call('hmget', meta, 'v', 've', 's')
    if recorded[1] and (ARGV[12] == '' or ARGV[12] == recorded[2]) and tonumber(recorded[1]) >= tonumber(ARGV[11]) then
      return { (recorded[3] or '0') .. ':' .. epoch, 1 }
    end
    redis.call('hset', meta, 'v', ARGV[11], 've', ARGV[12])
  end
  offset = redis.call('hincrby', meta, 's', 1)
  if meta_ttl > 0 then redis.call('pexpire', meta, meta_ttl) end
  local prev = nil
  if ARGV[8] == '1' then
    local last = redis.call('xrevrange', stream, '+', '-', 'COUNT', 1)[1]
    if last and last[1] == (offset - 1) .. '-0' then prev = last[2][2] end
  end
  redis.call('xadd', stream, 'MAXLEN', size, offset .. '-0', 'd', payload)
  redis.call('pexpire', stream, ARGV[3])
  if prev then
    message = '__d1:' .. offset .. ':' .. epoch .. ':' .. #prev .. ':' .. prev .. payload
  else
    message = '__p1:' .. offset .. ':' .. epoch .. '__' .. payload
  end
else
  message = '__p1:0:__' .. payload
end

if ARGV[10] == '1' then
  redis.call('spublish', ARGV[6], message)
else
  redis.call('publish', ARGV[6], message)
end
local position = offset .. ':' .. epoch
if result_key ~= '' then redis.call('set', result_key, position, 'PX', ARGV[7]) end
return { position, 0 }
