package redis

import (
	"context"

	goredis "github.com/redis/go-redis/v9"
)

// Hash fields of an entry. A value is {v: bytes, n: version}; a counter is
// {c: count, n: version}. Both carry the key's TTL.
const (
	fieldValue   = "v"
	fieldVersion = "n"
	fieldCounter = "c"
)

// Each script touches exactly one key, KEYS[1], so it runs on any Redis
// deployment including Cluster without hash tags. The first write of each
// script is a command that Redis refuses when out of memory (HSET,
// HINCRBY), so that a refused script has changed nothing.

// setScript writes a value. ARGV: expected version ("*" for none: Put),
// value, TTL in milliseconds. Returns the new version, or 0 when the
// current version is not the expected one (an absent key has version 0).
var setScript = newScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'n')) or 0
if ARGV[1] ~= '*' and cur ~= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'n', cur + 1)
redis.call('HDEL', KEYS[1], 'c')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return cur + 1
`)

// consumeScript returns and deletes a value; nil if there is none.
var consumeScript = newScript(`
local v = redis.call('HGET', KEYS[1], 'v')
if v then
  redis.call('DEL', KEYS[1])
end
return v
`)

// incrScript adds ARGV[1] to a counter, giving a new counter a lifetime of
// ARGV[2] milliseconds that later increments do not extend (a fixed
// window). Returns {1, count} with the count as a decimal string (exact
// in 64 bits, which Lua numbers are not), or {0} when the key holds a
// value. A delta of "0" reads without creating.
var incrScript = newScript(`
local h = redis.call('HMGET', KEYS[1], 'v', 'c')
if h[1] then
  return {0}
end
if ARGV[1] == '0' then
  return {1, h[2] or '0'}
end
redis.call('HINCRBY', KEYS[1], 'c', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'n', 1)
if not h[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return {1, redis.call('HGET', KEYS[1], 'c')}
`)

// scripts lists every script, for LoadScripts.
var scripts = []*script{setScript, consumeScript, incrScript}

// script is a Lua script and its SHA-1 digest.
type script struct{ src, sha string }

func newScript(src string) *script {
	return &script{src: src, sha: goredis.NewScript(src).Hash()}
}

// noRetryCmd is a command that go-redis never sends a second time once it
// may have reached the server, whatever the client's MaxRetries: after a
// connection error the first run may or may not have happened, and running
// a Consume, compare-and-swap or increment twice would be wrong.
type noRetryCmd struct{ *goredis.Cmd }

// NoRetry tells go-redis not to retry the command.
func (noRetryCmd) NoRetry() bool { return true }

// run runs sc on key in one round trip: EVALSHA, and EVAL only if the
// server answers NOSCRIPT (the script was not in its cache and did not
// run, so sending it in full cannot run it twice).
func (s *Store) run(ctx context.Context, sc *script, key string, args ...any) (any, error) {
	r, err := s.eval(ctx, "evalsha", sc.sha, key, args)
	if err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT") {
		r, err = s.eval(ctx, "eval", sc.src, key, args)
	}
	return r, err
}

func (s *Store) eval(ctx context.Context, verb, script, key string, args []any) (any, error) {
	a := make([]any, 0, 4+len(args))
	a = append(a, verb, script, "1", s.key(key))
	a = append(a, args...)
	cmd := noRetryCmd{goredis.NewCmd(ctx, a...)}
	_ = s.c.Process(ctx, cmd)
	return cmd.Result()
}
