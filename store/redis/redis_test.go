package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
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
	srv := redistest.Start(t)
	client := srv.Client(t)
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) store.Store {
			return newStore(t, client, randomNamespace(t))
		},
		Advance: func(t *testing.T, d time.Duration) { time.Sleep(d) },
		TTL:     kitTTL,
	})
}

func newStore(t testing.TB, c goredis.UniversalClient, ns string) *redis.Store {
	t.Helper()
	s, err := redis.New(redis.Config{Client: c, Namespace: ns})
	require.NoError(t, err)
	return s
}

func randomNamespace(t testing.TB) string {
	var b [8]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	return "t-" + hex.EncodeToString(b[:])
}

// recorder is a go-redis hook that records the commands a client sends:
// one Process call is one round trip.
type recorder struct {
	mu    sync.Mutex
	names []string
}

func (r *recorder) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (r *recorder) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		r.mu.Lock()
		r.names = append(r.names, cmd.Name())
		r.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (r *recorder) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		r.mu.Lock()
		for _, c := range cmds {
			r.names = append(r.names, c.Name())
		}
		r.mu.Unlock()
		return next(ctx, cmds)
	}
}

// take returns and forgets the commands recorded so far.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.names
	r.names = nil
	return n
}

// TestOneRoundTripPerOperation counts the commands of every operation with
// a client hook: exactly one each, once the scripts are loaded.
func TestOneRoundTripPerOperation(t *testing.T) {
	srv := redistest.Start(t)
	client := srv.Client(t)
	rec := &recorder{}
	client.AddHook(rec)
	s := newStore(t, client, "rt")
	ctx := context.Background()
	require.NoError(t, s.LoadScripts(ctx))
	rec.take()

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
		assert.Equal(t, []string{op.want}, rec.take(), "%s: exactly one round trip", op.name)
	}

	// A cancelled request never reaches the server.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.Put(cctx, "k", []byte("v"), time.Minute)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, store.ErrUnavailable)
	assert.Empty(t, rec.take(), "no command for a cancelled context")

	// Invalid arguments never reach the server either.
	_, err = s.Incr(ctx, "", 1, time.Minute)
	require.ErrorIs(t, err, store.ErrInvalid)
	assert.Empty(t, rec.take())
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
	srv := redistest.Start(t)
	client := srv.Client(t)
	rec := &recorder{}
	client.AddHook(rec)
	s := newStore(t, client, "flush")
	ctx := context.Background()
	require.NoError(t, client.Ping(ctx).Err()) // connect first: the handshake is not the Store's
	rec.take()

	_, err := s.Put(ctx, "k", []byte("once"), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, []string{"evalsha", "eval"}, rec.take(), "a fresh server has no scripts")
	_, err = s.Put(ctx, "k", []byte("once"), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, []string{"evalsha"}, rec.take(), "EVAL cached the script")

	require.NoError(t, client.ScriptFlush(ctx).Err())
	rec.take()
	v, err := s.Consume(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "once", string(v))
	assert.Equal(t, []string{"evalsha", "eval"}, rec.take())
	_, err = s.Consume(ctx, "k")
	assert.ErrorIs(t, err, store.ErrNotFound, "the fallback consumed once, not twice")

	require.NoError(t, client.ScriptFlush(ctx).Err())
	n, err := s.Incr(ctx, "c", 1, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "the fallback incremented once")
}
