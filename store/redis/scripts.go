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
var setScript = NewScript(`
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
var consumeScript = NewScript(`
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
var incrScript = NewScript(`
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
var scripts = []*Script{setScript, consumeScript, incrScript}

// Script is a Lua script that touches exactly one key, run the way the
// Store runs its own: by its SHA-1 (EVALSHA), sent in full (EVAL) only when
// the server answers NOSCRIPT — it then did not run, so sending it again
// cannot run it twice — and never re-sent by go-redis once it may have
// reached the server, whatever the client's MaxRetries. Packages that keep
// their own data beside a Store (the passkey and QR-device credential
// stores) use it for their writes.
//
// A script of one key runs on any deployment, Cluster included, without
// hash tags. It is safe for concurrent use.
type Script struct{ src, sha string }

// NewScript returns the Script of the Lua source src.
func NewScript(src string) *Script {
	return &Script{src: src, sha: goredis.NewScript(src).Hash()}
}

// Load loads the script into the server's script cache (on every master of
// a Cluster).
func (sc *Script) Load(ctx context.Context, c goredis.UniversalClient) error {
	return c.ScriptLoad(ctx, sc.src).Err()
}

// Run runs the script on key (KEYS[1]) with args (ARGV) in one round trip,
// two if the server does not have it cached. The reply and error are
// go-redis's: goredis.Nil for a nil reply, a goredis.Error for an error
// reply. Callers wrap failures with NewError.
func (sc *Script) Run(ctx context.Context, c goredis.UniversalClient, key string, args ...any) (any, error) {
	r, err := sc.eval(ctx, c, "evalsha", sc.sha, key, args)
	if err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT") {
		r, err = sc.eval(ctx, c, "eval", sc.src, key, args)
	}
	return r, err
}

func (sc *Script) eval(ctx context.Context, c goredis.UniversalClient, verb, script, key string, args []any) (any, error) {
	cmd := sc.cmd(ctx, verb, script, key, args)
	_ = c.Process(ctx, cmd)
	return cmd.Result()
}

// cmd returns the command "<verb> <script> 1 <key> <args>…", never retried.
func (sc *Script) cmd(ctx context.Context, verb, script, key string, args []any) noRetryCmd {
	a := make([]any, 0, 4+len(args))
	a = append(a, verb, script, "1", key)
	a = append(a, args...)
	return noRetryCmd{goredis.NewCmd(ctx, a...)}
}

// noRetryCmd is a command that go-redis never sends a second time once it
// may have reached the server, whatever the client's MaxRetries: after a
// connection error the first run may or may not have happened, and running
// a Consume, compare-and-swap or increment twice would be wrong.
type noRetryCmd struct{ *goredis.Cmd }

// NoRetry tells go-redis not to retry the command.
func (noRetryCmd) NoRetry() bool { return true }

// run runs sc on the contract key key.
func (s *Store) run(ctx context.Context, sc *Script, key string, args ...any) (any, error) {
	return sc.Run(ctx, s.c, s.key(key), args...)
}
