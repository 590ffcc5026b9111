package passkeyredis

import "github.com/strongauth/strongauth/store/redis"

// Every script touches exactly one key (redis.Script), so each runs on a
// Redis Cluster without hash tags: a record and a subject's index may live
// in different slots. Each write is a command Redis refuses when out of
// memory (HINCRBY, HSET) before anything else is written, except DEL in
// removeScript, which frees memory.

// claimScript counts a credential into a subject's index. KEYS[1]: the
// index; ARGV[1]: the credential's name (idHash).
var claimScript = redis.NewScript(`return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)`)

// releaseScript takes one count of a credential out of a subject's index
// and removes the entry at zero. KEYS[1]: the index; ARGV[1]: the name.
var releaseScript = redis.NewScript(`
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return n
`)

// createScript creates a record unless one exists. KEYS[1]: the record;
// ARGV: subject, static data, counter, backup state, last use, backup
// eligibility. Returns 1, or 0 when a record of this ID exists.
var createScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'f', '1', 's', ARGV[1], 'd', ARGV[2], 'c', ARGV[3], 'b', ARGV[4], 'u', ARGV[5], 'e', ARGV[6])
return 1
`)

// updateScript records a use if the signature counter advances (see
// passkey.CounterAdvances). KEYS[1]: the record; ARGV: counter, backup
// state, time, backup eligibility. Returns 1, 0 for no record, -1 for a counter that does not
// advance (nothing written), or an error for a record it cannot read.
var updateScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'f', 'c')
if not h[1] then
  return 0
end
local c = h[2]
if h[1] ~= '1' or not c or #c > 10 or not string.match(c, '^%d+$') or (#c > 1 and string.sub(c, 1, 1) == '0') then
  return redis.error_reply('ERR passkey record in an unknown format')
end
local stored, got = tonumber(c), tonumber(ARGV[1])
if not (got > stored or (got == 0 and stored == 0)) then
  return -1
end
redis.call('HSET', KEYS[1], 'c', ARGV[1], 'b', ARGV[2], 'u', ARGV[3], 'e', ARGV[4])
return 1
`)

// removeScript deletes a record if it belongs to the subject. KEYS[1]: the
// record; ARGV[1]: the subject. Returns 1 if it deleted it, else 0.
var removeScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 's') ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
`)

// scripts lists every script, for LoadScripts.
var scripts = []*redis.Script{claimScript, releaseScript, createScript, updateScript, removeScript}
