package redis_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/redis"
	"github.com/strongauth/strongauth/store/redis/redistest"
	"github.com/strongauth/strongauth/store/storetest"
)

// kitTTL is the lifetime the conformance kit lets expire. Redis expires by
// its own clock, so the kit really sleeps; the counter-window check
// tolerates up to kitTTL/2 of scheduling delay.
const kitTTL = 200 * time.Millisecond

func TestConformance(t *testing.T) {
	redistest.Start(t).Protocols(t, func(t *testing.T, client *goredis.Client) {
		storetest.Run(t, storetest.Harness{
			New: func(t *testing.T) store.Store {
				return newStore(t, client, redistest.Namespace(t))
			},
			Advance: func(t *testing.T, d time.Duration) { time.Sleep(d) },
			TTL:     kitTTL,
		})
	})
}

func newStore(t testing.TB, c goredis.UniversalClient, ns string) *redis.Store {
	t.Helper()
	s, err := redis.New(redis.Config{Client: c, Namespace: ns})
	require.NoError(t, err)
	return s
}

// recordedStore returns a Store on a new server, its client, and a
// recorder of the client's commands. The client is connected already, so
// that the connection handshake is not counted against the Store.
func recordedStore(t *testing.T) (*redis.Store, *goredis.Client, *redistest.Trips) {
	t.Helper()
	client := redistest.Start(t).Client(t)
	require.NoError(t, client.Ping(context.Background()).Err())
	rec := &redistest.Trips{}
	client.AddHook(rec)
	return newStore(t, client, redistest.Namespace(t)), client, rec
}

// TestOneRoundTripPerOperation counts the commands of every operation with
// a client hook: exactly one each, once the scripts are loaded.
func TestOneRoundTripPerOperation(t *testing.T) {
	s, _, rec := recordedStore(t)
	ctx := context.Background()
	require.NoError(t, s.LoadScripts(ctx))
	rec.Take()

	ops := []struct {
		name string
		want string
		run  func() error
	}{
		{"Put", "evalsha", func() error { _, err := s.Put(ctx, "k", []byte("v"), time.Minute); return err }},
		{"Get", "hmget", func() error { _, _, err := s.Get(ctx, "k"); return err }},
		{"Get missing", "hmget", func() error {
			_, _, err := s.Get(ctx, "missing")
			return expect(err, store.ErrNotFound)
		}},
		{"CompareAndSwap", "evalsha", func() error { _, err := s.CompareAndSwap(ctx, "k", 1, []byte("w"), time.Minute); return err }},
		{"CompareAndSwap conflict", "evalsha", func() error {
			_, err := s.CompareAndSwap(ctx, "k", 1, []byte("x"), time.Minute)
			return expect(err, store.ErrConflict)
		}},
		{"Consume", "evalsha", func() error { _, err := s.Consume(ctx, "k"); return err }},
		{"Consume missing", "evalsha", func() error { _, err := s.Consume(ctx, "k"); return expect(err, store.ErrNotFound) }},
		{"Incr", "evalsha", func() error { _, err := s.Incr(ctx, "c", 1, time.Minute); return err }},
		{"Incr read", "evalsha", func() error { _, err := s.Incr(ctx, "c", 0, time.Minute); return err }},
		{"Delete", "del", func() error { return s.Delete(ctx, "c") }},
	}
	for _, op := range ops {
		require.NoError(t, op.run(), op.name)
		assert.Equal(t, []string{op.want}, rec.Take(), "%s: exactly one round trip", op.name)
	}

	// A cancelled request never reaches the server.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.Put(cctx, "k", []byte("v"), time.Minute)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, store.ErrUnavailable)
	assert.Empty(t, rec.Take(), "no command for a cancelled context")

	// Invalid arguments never reach the server either.
	_, err = s.Incr(ctx, "", 1, time.Minute)
	require.ErrorIs(t, err, store.ErrInvalid)
	assert.Empty(t, rec.Take())
}

func expect(err, want error) error {
	if errors.Is(err, want) {
		return nil
	}
	return err
}

// TestScriptCacheFlushed: after SCRIPT FLUSH (or a restart) the first call
// of a script costs EVALSHA (NOSCRIPT, nothing ran) and EVAL, and runs
// exactly once; the next call is one round trip again.
func TestScriptCacheFlushed(t *testing.T) {
	s, client, rec := recordedStore(t)
	ctx := context.Background()

	_, err := s.Put(ctx, "k", []byte("once"), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, []string{"evalsha", "eval"}, rec.Take(), "a fresh server has no scripts")
	_, err = s.Put(ctx, "k", []byte("once"), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, []string{"evalsha"}, rec.Take(), "EVAL cached the script")

	require.NoError(t, client.ScriptFlush(ctx).Err())
	rec.Take()
	v, err := s.Consume(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "once", string(v))
	assert.Equal(t, []string{"evalsha", "eval"}, rec.Take())
	_, err = s.Consume(ctx, "k")
	assert.ErrorIs(t, err, store.ErrNotFound, "the fallback consumed once, not twice")

	require.NoError(t, client.ScriptFlush(ctx).Err())
	n, err := s.Incr(ctx, "c", 1, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "the fallback incremented once")
}

func TestNewRefusesUnsafeConfig(t *testing.T) {
	_, err := redis.New(redis.Config{})
	assert.ErrorIs(t, err, redis.ErrConfig, "a client is required")

	plain := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { plain.Close() })
	_, err = redis.New(redis.Config{Client: plain})
	assert.ErrorIs(t, err, redis.ErrConfig, "a client that ignores context deadlines")
	assert.ErrorContains(t, err, "ContextTimeoutEnabled")

	cluster := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	t.Cleanup(func() { cluster.Close() })
	_, err = redis.New(redis.Config{Client: cluster})
	assert.ErrorIs(t, err, redis.ErrConfig, "a cluster client that ignores context deadlines")

	ring := goredis.NewRing(&goredis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	t.Cleanup(func() { ring.Close() })
	_, err = redis.New(redis.Config{Client: ring})
	assert.ErrorIs(t, err, redis.ErrConfig, "a ring that ignores context deadlines")

	cached := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true,
		ClientSideCacheConfig: &goredis.ClientSideCacheConfig{}})
	t.Cleanup(func() { cached.Close() })
	_, err = redis.New(redis.Config{Client: cached})
	assert.ErrorIs(t, err, redis.ErrConfig, "client-side caching could serve stale reads")

	good := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	t.Cleanup(func() { good.Close() })
	for _, ns := range []string{"{app}", "a b", "app\n", "app:prod", string(make([]byte, 65))} {
		_, err = redis.New(redis.Config{Client: good, Namespace: ns})
		assert.ErrorIs(t, err, redis.ErrConfig, "namespace %q", ns)
	}
	s, err := redis.New(redis.Config{Client: good})
	require.NoError(t, err)
	assert.Equal(t, "strongauth:s:sa:flow:x", s.Key("sa:flow:x"))
	goodCluster := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { goodCluster.Close() })
	_, err = redis.New(redis.Config{Client: goodCluster, Namespace: "app.prod"})
	require.NoError(t, err)
}

// TestKeyLayout checks what the Store leaves in Redis: one hash per key,
// under the namespace, with the caller's TTL.
func TestKeyLayout(t *testing.T) {
	client := redistest.Start(t).Client(t)
	s := newStore(t, client, "app")
	ctx := context.Background()
	_, err := s.Put(ctx, "sa:flow:1", []byte("x"), time.Minute)
	require.NoError(t, err)
	_, err = s.Incr(ctx, "otp:tries", 3, 10*time.Second)
	require.NoError(t, err)

	keys, err := client.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"app:s:sa:flow:1", "app:s:otp:tries"}, keys)
	h, err := client.HGetAll(ctx, "app:s:sa:flow:1").Result()
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"v": "x", "n": "1"}, h)
	h, err = client.HGetAll(ctx, "app:s:otp:tries").Result()
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"c": "3", "n": "1"}, h)

	ttl, err := client.PTTL(ctx, "app:s:sa:flow:1").Result()
	require.NoError(t, err)
	assert.InDelta(t, time.Minute.Seconds(), ttl.Seconds(), 5)
	ttl, err = client.PTTL(ctx, "app:s:otp:tries").Result()
	require.NoError(t, err)
	assert.InDelta(t, 10, ttl.Seconds(), 5)

	// A sub-millisecond TTL rounds up to 1ms instead of becoming "no TTL".
	_, err = s.Put(ctx, "tiny", []byte("x"), time.Nanosecond)
	require.NoError(t, err)
	ttl, err = client.PTTL(ctx, "app:s:tiny").Result()
	require.NoError(t, err)
	assert.LessOrEqual(t, ttl, time.Millisecond, "a key without TTL would report -1")
}

func TestNamespacesAreSeparate(t *testing.T) {
	client := redistest.Start(t).Client(t)
	a, b := newStore(t, client, "app-a"), newStore(t, client, "app-b")
	ctx := context.Background()
	_, err := a.Put(ctx, "code", []byte("a's"), time.Minute)
	require.NoError(t, err)
	_, err = b.Consume(ctx, "code")
	assert.ErrorIs(t, err, store.ErrNotFound, "another application's key is invisible")
	_, err = b.Incr(ctx, "code", 1, time.Minute)
	require.NoError(t, err, "and does not collide")
	v, err := a.Consume(ctx, "code")
	require.NoError(t, err)
	assert.Equal(t, "a's", string(v))
}

// TestValuesAndCountersShareKeys pins down the behaviour of one key used as
// both a value and a counter, as the memory store has it.
func TestValuesAndCountersShareKeys(t *testing.T) {
	client := redistest.Start(t).Client(t)
	s := newStore(t, client, "mix")
	ctx := context.Background()
	_, err := s.Put(ctx, "v", []byte("x"), time.Minute)
	require.NoError(t, err)
	_, err = s.Incr(ctx, "v", 1, time.Minute)
	assert.ErrorIs(t, err, store.ErrConflict, "a value is not a counter")
	_, err = s.Incr(ctx, "v", 0, time.Minute)
	assert.ErrorIs(t, err, store.ErrConflict)

	_, err = s.Incr(ctx, "c", 2, time.Minute)
	require.NoError(t, err)
	_, _, err = s.Get(ctx, "c")
	assert.ErrorIs(t, err, store.ErrNotFound, "a counter has no value")
	_, err = s.Consume(ctx, "c")
	assert.ErrorIs(t, err, store.ErrNotFound, "a counter cannot be consumed")
	n, err := s.Incr(ctx, "c", 0, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, int64(2), n, "and a failed Consume left it alone")
	v, err := s.Put(ctx, "c", []byte("now a value"), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), v, "Put over a counter continues its version")
	got, _, err := s.Get(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, "now a value", string(got))
	h, err := client.HGetAll(ctx, s.Key("c")).Result()
	require.NoError(t, err)
	assert.NotContains(t, h, "c", "the counter field is gone")
}

// TestHostileStoredState: keys under the namespace that the Store did not
// write deny with a typed error; nothing panics or guesses.
func TestHostileStoredState(t *testing.T) {
	client := redistest.Start(t).Client(t)
	s := newStore(t, client, "evil")
	ctx := context.Background()
	require.NoError(t, client.Set(ctx, s.Key("string"), "x", 0).Err())
	require.NoError(t, client.HSet(ctx, s.Key("badver"), "v", "x", "n", "01").Err())
	require.NoError(t, client.HSet(ctx, s.Key("badctr"), "c", "lots", "n", "1").Err())

	unavailable := func(err error, what string) {
		t.Helper()
		require.ErrorIs(t, err, store.ErrUnavailable, what)
		var re *redis.Error
		require.ErrorAs(t, err, &re, what)
		assert.NotEmpty(t, re.Op)
		assert.NotContains(t, err.Error(), s.Key(""), "no key in the message")
	}
	_, _, err := s.Get(ctx, "string")
	unavailable(err, "Get of a string key")
	_, err = s.Consume(ctx, "string")
	unavailable(err, "Consume of a string key")
	_, err = s.Incr(ctx, "string", 1, time.Minute)
	unavailable(err, "Incr of a string key")
	_, err = s.CompareAndSwap(ctx, "string", 0, []byte("v"), time.Minute)
	unavailable(err, "CAS of a string key")
	got, _ := client.Get(ctx, s.Key("string")).Result()
	assert.Equal(t, "x", got, "the foreign key is left alone")

	_, _, err = s.Get(ctx, "badver")
	unavailable(err, "a non-canonical version")
	assert.ErrorIs(t, err, redis.ErrUnexpectedReply)
	_, err = s.Incr(ctx, "badctr", 0, time.Minute)
	unavailable(err, "a counter that is not a number")
	_, err = s.Incr(ctx, "badctr", 1, time.Minute)
	unavailable(err, "incrementing a counter that is not a number")
}

// TestBinarySafe: keys and values with any bytes — hash-tag braces, CR LF,
// NUL, invalid UTF-8 — are stored and returned exactly.
func TestBinarySafe(t *testing.T) {
	client := redistest.Start(t).Client(t)
	s := newStore(t, client, "bin")
	ctx := context.Background()
	for _, k := range []string{"{tag}", "a\r\nDEL x\r\n", "\x00", "\xff\xfe", "*1\r\n$4\r\nPING", "' .. redis.call('FLUSHALL') .. '"} {
		val := []byte(k + "\x00value")
		_, err := s.Put(ctx, k, val, time.Minute)
		require.NoError(t, err, "%q", k)
		got, _, err := s.Get(ctx, k)
		require.NoError(t, err, "%q", k)
		assert.Equal(t, val, got, "%q", k)
		n, err := s.Incr(ctx, k+"#ctr", 5, time.Minute)
		require.NoError(t, err)
		assert.Equal(t, int64(5), n)
		got, err = s.Consume(ctx, k)
		require.NoError(t, err)
		assert.Equal(t, val, got)
	}
	n, err := client.DBSize(ctx).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(6), n, "exactly the six counters are left: nothing injected ran")
}

// TestHelpersForCredentialStores: the exported Script runs a one-key
// script by SHA with the NOSCRIPT fallback, and NewError classifies
// failures as the Store's own errors are.
func TestHelpersForCredentialStores(t *testing.T) {
	s, client, rec := recordedStore(t)
	ctx := context.Background()
	assert.Equal(t, s.Key("x"), s.Namespace()+":s:x")
	sc := redis.NewScript(`return redis.call('INCR', KEYS[1])`)
	n, err := sc.Run(ctx, client, "k")
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	assert.Equal(t, []string{"evalsha", "eval"}, rec.Take(), "not cached yet: NOSCRIPT, then the source, run once")
	n, err = sc.Run(ctx, client, "k")
	require.NoError(t, err)
	assert.Equal(t, int64(2), n, "the fallback ran the script once")
	assert.Equal(t, []string{"evalsha"}, rec.Take())
	require.NoError(t, client.ScriptFlush(ctx).Err())
	require.NoError(t, sc.Load(ctx, client))
	rec.Take()
	_, err = sc.Run(ctx, client, "k")
	require.NoError(t, err)
	assert.Equal(t, []string{"evalsha"}, rec.Take(), "Load cached it")

	cause := errors.New("boom")
	e := redis.NewError(ctx, "passkey-add", cause)
	assert.ErrorIs(t, e, store.ErrUnavailable)
	assert.ErrorIs(t, e, cause)
	assert.Equal(t, "redis: passkey-add: store: unavailable: boom", e.Error())
	assert.ErrorIs(t, redis.NewError(ctx, "op", goredis.ErrClosed), store.ErrClosed)
	dctx, cancel := context.WithTimeout(ctx, -time.Second)
	defer cancel()
	assert.ErrorIs(t, redis.NewError(dctx, "op", cause), context.DeadlineExceeded)
}

func TestSpace(t *testing.T) {
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	sp, err := redis.NewSpace(redis.Config{Client: client, Namespace: "portal"}, "passkey")
	require.NoError(t, err)
	assert.Equal(t, "portal:c:passkey:", sp.Prefix)
	assert.Same(t, client, sp.Client)
	for _, name := range []string{"", "Passkey", "a:b", "qr1", strings.Repeat("a", 65)} {
		_, err := redis.NewSpace(redis.Config{Client: client}, name)
		assert.ErrorIs(t, err, redis.ErrConfig, "name %q", name)
	}
	_, err = redis.NewSpace(redis.Config{Client: goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})}, "qr")
	assert.ErrorIs(t, err, redis.ErrConfig, "the client is checked as by New")

	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, redis.Live(cctx, "op"), context.Canceled)
	assert.ErrorIs(t, redis.Live(cctx, "op"), store.ErrUnavailable)
	assert.NoError(t, redis.Live(context.Background(), "op"))
	err = redis.Unexpected(context.Background(), "qr-add", "x")
	assert.ErrorIs(t, err, redis.ErrUnexpectedReply)
	assert.Equal(t, "redis: qr-add: store: unavailable: redis: unexpected reply: script returned string", err.Error())
}
