package redistest_test

import (
	"context"
	"net"
	"os"
	"os/exec"
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

func TestExtraArguments(t *testing.T) {
	srv := redistest.Start(t, "--maxmemory", "7mb")
	c := srv.Client(t)
	got, err := c.ConfigGet(context.Background(), "maxmemory").Result()
	require.NoError(t, err)
	assert.Equal(t, "7340032", got["maxmemory"])
	srv.Restart()
	got, err = c.ConfigGet(context.Background(), "maxmemory").Result()
	require.NoError(t, err)
	assert.Equal(t, "7340032", got["maxmemory"], "arguments apply again on Restart")
}

// TestMissingServer runs this test binary again with an empty PATH: Start
// must fail when CI=true and skip otherwise.
func TestMissingServer(t *testing.T) {
	if os.Getenv("REDISTEST_CHILD") == "1" {
		redistest.Start(t)
		t.Fatal("Start returned without redis-server")
	}
	run := func(ci string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingServer$", "-test.v")
		cmd.Env = append(os.Environ(), "REDISTEST_CHILD=1", "PATH=/nonexistent", "CI="+ci)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("true")
	require.Error(t, err, "CI=true: a missing redis-server fails the test\n%s", out)
	assert.Contains(t, out, "required when CI=true")
	out, err = run("")
	require.NoError(t, err, "elsewhere it skips\n%s", out)
	assert.Contains(t, out, "--- SKIP")
	assert.Contains(t, out, "redis-server not found")
}

func TestStartCluster(t *testing.T) {
	srv := redistest.StartCluster(t)
	c := srv.ClusterClient(t)
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "{a}x", "1", 0).Err())
	// A script over two slots is refused, as on a real Cluster.
	err := srv.Client(t).Eval(ctx, "return 1", []string{"a", "b"}).Err()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CROSSSLOT")
	assert.NoError(t, c.Eval(ctx, "return 1", []string{"{a}x", "{a}y"}).Err(), "one slot through hash tags")
}
