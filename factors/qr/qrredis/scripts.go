package qrredis

import "github.com/strongauth/strongauth/store/redis"

// Every script touches exactly one key (redis.Script): the ID's claim or
// the subject's hash, which may lie in different Cluster slots. Writes
// that Redis refuses when out of memory (SET, HINCRBY) come before any
// other write, except in removeScript, whose deletions free memory.

// claimScript claims a device ID for a subject unless it is claimed.
// KEYS[1]: the claim; ARGV[1]: the subject. Returns 1, or 0 if taken.
var claimScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  return 1
end
return 0
`)

// unclaimScript gives a claim up if the subject holds it. KEYS[1]: the
// claim; ARGV[1]: the subject.
var unclaimScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`)

// addScript adds a device to its subject's hash if neither its ID nor its
// key is there and the subject has fewer than max devices (max 0: no
// limit). KEYS[1]: the subject's hash; ARGV: name (idHash), key
// thumbprint, record, max, last use. Returns the device's sequence number, -1 for a
// duplicate, -2 for the limit.
var addScript = redis.NewScript(`
local id, tp = ARGV[1], ARGV[2]
if redis.call('HEXISTS', KEYS[1], 'd:' .. id) == 1 or redis.call('HEXISTS', KEYS[1], 'k:' .. tp) == 1 then
  return -1
end
local max = tonumber(ARGV[4])
if max > 0 and tonumber(redis.call('HGET', KEYS[1], 'c') or '0') >= max then
  return -2
end
local seq = redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('HINCRBY', KEYS[1], 'c', 1)
redis.call('HSET', KEYS[1], 'd:' .. id, ARGV[3], 's:' .. id, seq, 't:' .. id, tp, 'u:' .. id, ARGV[5], 'k:' .. tp, id)
return seq
`)

// touchScript moves a device's last use forward (never back). KEYS[1]:
// the subject's hash; ARGV: name, time in usedLayout (fixed width, so
// that strings compare as times). Returns 1, or 0 for no such device.
var touchScript = redis.NewScript(`
local id = ARGV[1]
if redis.call('HEXISTS', KEYS[1], 'd:' .. id) == 0 then
  return 0
end
if ARGV[2] > (redis.call('HGET', KEYS[1], 'u:' .. id) or '') then
  redis.call('HSET', KEYS[1], 'u:' .. id, ARGV[2])
end
return 1
`)

// removeScript removes a device from its subject's hash. KEYS[1]: the
// subject's hash; ARGV[1]: the name. Returns 1, or 0 for no such device.
var removeScript = redis.NewScript(`
local id = ARGV[1]
if redis.call('HEXISTS', KEYS[1], 'd:' .. id) == 0 then
  return 0
end
local tp = redis.call('HGET', KEYS[1], 't:' .. id)
if tp and redis.call('HGET', KEYS[1], 'k:' .. tp) == id then
  redis.call('HDEL', KEYS[1], 'k:' .. tp)
end
redis.call('HDEL', KEYS[1], 'd:' .. id, 's:' .. id, 't:' .. id, 'u:' .. id)
redis.call('HINCRBY', KEYS[1], 'c', -1)
return 1
`)

// scripts lists every script, for LoadScripts.
var scripts = []*redis.Script{claimScript, unclaimScript, addScript, touchScript, removeScript}
