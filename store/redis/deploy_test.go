package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/redis/redistest"
	"github.com/strongauth/strongauth/store/storetest"
)

// TestCluster runs the conformance kit through a goredis.ClusterClient on
// a one-node Redis Cluster that owns every slot: commands are routed by
// key, scripts included, and LoadScripts reaches the cluster's masters.
func TestCluster(t *testing.T) {
	srv := redistest.StartCluster(t)
	ctx := context.Background()
	admin := srv.Client(t)
	cc := srv.ClusterClient(t)
	s := newStore(t, cc, "cl")
	require.NoError(t, s.LoadScripts(ctx))
	storetest.Run(t, storetest.Harness{
		New:     func(t *testing.T) store.Store { return newStore(t, cc, redistest.Namespace(t)) },
		Advance: func(t *testing.T, d time.Duration) { time.Sleep(d) },
		TTL:     kitTTL,
	})

	// NOSCRIPT fallback through the cluster client.
	require.NoError(t, admin.ScriptFlush(ctx).Err())
	_, err := s.Put(ctx, "k", []byte("v"), time.Minute)
	require.NoError(t, err)
	v, err := s.Consume(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "v", string(v))
}

// TestOutOfMemoryChangesNothing: a full server with noeviction refuses the
// writing scripts before they change anything (their first write is a
// command Redis refuses when out of memory), so the Store denies and the
// stored state is intact; reads and consumption still work.
func TestOutOfMemoryChangesNothing(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	s := newStore(t, srv.Client(t), "oom")
	ctx := context.Background()
	ver, err := s.Put(ctx, "flow", []byte("before"), time.Minute)
	require.NoError(t, err)
	_, err = s.Incr(ctx, "tries", 2, time.Minute)
	require.NoError(t, err)
	_, err = s.Put(ctx, "code", []byte("123456"), time.Minute)
	require.NoError(t, err)

	require.NoError(t, admin.ConfigSet(ctx, "maxmemory-policy", "noeviction").Err())
	require.NoError(t, admin.ConfigSet(ctx, "maxmemory", "1").Err()) // below what is in use: every write is refused
	t.Cleanup(func() { admin.ConfigSet(context.Background(), "maxmemory", "0") })

	_, err = s.CompareAndSwap(ctx, "flow", ver, []byte("after"), time.Minute)
	requireDenied(t, "cas", err)
	assert.Contains(t, err.Error(), "OOM")
	_, err = s.Put(ctx, "flow", []byte("after"), time.Minute)
	requireDenied(t, "put", err)
	_, err = s.Incr(ctx, "tries", 1, time.Minute)
	requireDenied(t, "incr", err)
	_, err = s.Put(ctx, "new", []byte("x"), time.Minute)
	requireDenied(t, "put", err)

	got, gotVer, err := s.Get(ctx, "flow")
	require.NoError(t, err)
	assert.Equal(t, "before", string(got), "the refused writes changed nothing")
	assert.Equal(t, ver, gotVer)
	n, err := s.Incr(ctx, "tries", 0, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, int64(2), n)
	h, err := admin.HGetAll(ctx, s.Key("flow")).Result()
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"v": "before", "n": "1"}, h)
	_, _, err = s.Get(ctx, "new")
	assert.ErrorIs(t, err, store.ErrNotFound)

	code, err := s.Consume(ctx, "code")
	require.NoError(t, err, "a full server still lets a secret be used (and removed)")
	assert.Equal(t, "123456", string(code))
}
