package redistest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/store/redis/redistest"
)

// TestSentinelLifecycle: a master, two replicas and three sentinels; a
// failover client follows the master through a SIGKILL and a failover.
func TestSentinelLifecycle(t *testing.T) {
	d := redistest.NewSentinel(t, redistest.SentinelConfig{})
	c := d.Client(t)
	ctx := context.Background()
	first := d.Master(t)
	assert.Equal(t, d.Addrs()[0], first)
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	require.NoError(t, d.NodeClient(t, first).Do(ctx, "wait", 2, 1000).Err())

	d.Kill(t, first)
	next := d.WaitFailover(t, first)
	assert.NotEqual(t, first, next)
	assert.Eventually(t, func() bool { return c.Get(ctx, "k").Val() == "v" }, 10*time.Second, 20*time.Millisecond,
		"the failover client finds the new master, which has the key")
}

// TestLagProxy: a replica behind a lag proxy sees a write only after the
// lag, and what the proxy holds when the master dies never arrives.
func TestLagProxy(t *testing.T) {
	const lag = 300 * time.Millisecond
	d := redistest.NewSentinel(t, redistest.SentinelConfig{Replicas: 1, ReplicaLag: lag})
	ctx := context.Background()
	master, replica := d.Addrs()[0], d.Addrs()[1]
	m, r := d.NodeClient(t, master), d.NodeClient(t, replica)

	require.NoError(t, m.Set(ctx, "early", "1", 0).Err())
	start := time.Now()
	require.Eventually(t, func() bool { return r.Get(ctx, "early").Val() == "1" }, 5*time.Second, 5*time.Millisecond)
	assert.GreaterOrEqual(t, time.Since(start), lag/2, "the write reached the replica late")

	require.NoError(t, m.Set(ctx, "lost", "1", 0).Err())
	d.Kill(t, master)
	time.Sleep(2 * lag)
	assert.Zero(t, r.Exists(ctx, "lost").Val(), "the write in flight died with the master")
}
