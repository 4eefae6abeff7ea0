-- Drops expired presence entries of one channel, then returns the rest
-- (switchyard Redis presence). KEYS[1] hash client -> info, KEYS[2] sorted set
-- client -> expiry (ms, Redis clock). Returns HGETALL's flat list.
local now = redis.call('time')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local expired = redis.call('zrangebyscore', KEYS[2], '-inf', now_ms)
if #expired > 0 then
  redis.call('zremrangebyscore', KEYS[2], '-inf', now_ms)
  for i = 1, #expired, 1000 do
    redis.call('hdel', KEYS[1], unpack(expired, i, math.min(i + 999, #expired)))
  end
end
return redis.call('hgetall', KEYS[1])
