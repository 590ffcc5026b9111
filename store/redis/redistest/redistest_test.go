package redistest_test

import (
	"context"
	"net"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/store/redis/redistest"
)

func TestLifecycle(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client(t)
	ctx := context.Background()

	host, _, err := net.SplitHostPort(srv.Addr())
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host, "the server listens on loopback only")

	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	// Persistence is off: nothing survives a restart.
	save, err := c.ConfigGet(ctx, "save").Result()
	require.NoError(t, err)
	assert.Equal(t, "", save["save"])
	aof, err := c.ConfigGet(ctx, "appendonly").Result()
	require.NoError(t, err)
	assert.Equal(t, "no", aof["appendonly"])

	// A paused server answers nothing: the deadline ends the wait.
	srv.Pause()
	dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	err = c.Get(dctx, "k").Err()
	cancel()
	require.Error(t, err)
	srv.Resume()
	got, err := c.Get(ctx, "k").Result()
	require.NoError(t, err)
	assert.Equal(t, "v", got)

	srv.Stop()
	srv.Stop() // idempotent
	require.Error(t, c.Ping(ctx).Err(), "a stopped server answers nothing")

	srv.Restart()
	require.NoError(t, c.Ping(ctx).Err())
	err = c.Get(ctx, "k").Err()
	assert.ErrorIs(t, err, goredis.Nil, "a restarted server is empty")
}

func TestServersAreSeparate(t *testing.T) {
	a, b := redistest.Start(t), redistest.Start(t)
	require.NotEqual(t, a.Addr(), b.Addr())
	ctx := context.Background()
	require.NoError(t, a.Client(t).Set(ctx, "k", "a", 0).Err())
	assert.ErrorIs(t, b.Client(t).Get(ctx, "k").Err(), goredis.Nil, "a key set on one server is absent on the other")
}

func TestPausedServerStopsCleanly(t *testing.T) {
	srv := redistest.Start(t)
	srv.Pause()
	srv.Stop() // must not hang on a stopped process
	srv.Restart()
	require.NoError(t, srv.Client(t).Ping(context.Background()).Err())
}
