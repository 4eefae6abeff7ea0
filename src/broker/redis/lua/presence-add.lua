-- Adds or refreshes presence entries of one channel (switchyard Redis presence).
-- KEYS[1] hash client -> info, KEYS[2] sorted set client -> expiry (ms, Redis clock).
-- ARGV[1] entry ttl ms, then pairs of client id and encoded info.
local ttl = tonumber(ARGV[1])
local now = redis.call('time')
local expire_at = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + ttl
for i = 2, #ARGV, 2 do
  redis.call('zadd', KEYS[2], expire_at, ARGV[i])
  redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1])
end
-- The keys outlive their newest entry only briefly, so an abandoned channel leaves nothing.
redis.call('pexpire', KEYS[1], ttl)
redis.call('pexpire', KEYS[2], ttl)
return 1
