-- Reads a channel's stream position and, optionally, its publications
-- (switchyard Redis broker). Creates the epoch when the stream has none, so a
-- position read before the first publish stays valid after it.
-- KEYS[1] stream, KEYS[2] stream meta.
-- ARGV[1] epoch to use when the stream has none, ARGV[2] meta ttl ms (0: forever),
-- ARGV[3] "1" to read publications, ARGV[4] first id ("-" or "N-0"),
-- ARGV[5] last id ("+" or "N-0"), ARGV[6] count (0: all), ARGV[7] "1" for newest first,
-- ARGV[8] PUB/SUB channel for a sync marker, or "", ARGV[9] the marker,
-- ARGV[10] "1" to publish the marker with SPUBLISH (sharded PUB/SUB).
-- Returns { top offset, epoch, entries }.
local stream, meta = KEYS[1], KEYS[2]
local epoch = redis.call('hget', meta, 'e')
if not epoch then
  epoch = ARGV[1]
  redis.call('hset', meta, 'e', epoch)
  redis.call('del', stream)
end
local meta_ttl = tonumber(ARGV[2])
if meta_ttl > 0 then redis.call('pexpire', meta, meta_ttl) end
local offset = tonumber(redis.call('hget', meta, 's') or '0')
local entries = {}
if ARGV[3] == '1' then
  local count = tonumber(ARGV[6])
  local cmd = 'xrange'
  if ARGV[7] == '1' then cmd = 'xrevrange' end
  if count > 0 then
    entries = redis.call(cmd, stream, ARGV[4], ARGV[5], 'COUNT', count)
  else
    entries = redis.call(cmd, stream, ARGV[4], ARGV[5])
  end
end
-- Published after the read, in the same atomic step: every publication the read
-- saw reaches this node's subscription before the marker does.
if ARGV[8] ~= '' then
  if ARGV[10] == '1' then redis.call('spublish', ARGV[8], ARGV[9]) else redis.call('publish', ARGV[8], ARGV[9]) end
end
return { offset, epoch, entries }
