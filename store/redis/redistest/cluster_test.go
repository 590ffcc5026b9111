package redistest_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/store/redis/redistest"
)

var cluster redistest.SharedCluster

func TestMain(m *testing.M) {
	code := m.Run()
	cluster.Close()
	os.Exit(code)
}

// TestSlot checks Slot against the server's CLUSTER KEYSLOT, hash tags
// included.
func TestSlot(t *testing.T) {
	c := cluster.Get(t).Client(t)
	ctx := context.Background()
	keys := []string{"", "a", "foo", "123456789", "{user1000}.following", "{}x", "{{a}}", "a{b}{c}", "x{}{y}", "\xff\x00k"}
	for i := range 200 {
		keys = append(keys, fmt.Sprintf("strongauth:s:sa:flow:%d", i))
	}
	for _, k := range keys {
		want, err := c.ClusterKeySlot(ctx, k).Result()
		require.NoError(t, err)
		assert.Equal(t, int(want), redistest.Slot(k), "slot of %q", k)
	}
	assert.Equal(t, 12739, redistest.Slot("123456789")) // CRC16/XMODEM check value 0x31C3
}

// TestClusterLifecycle: a 3+3 cluster forms, routes by key, fails a killed
// master over to its replica, heals, and moves slots with their keys.
func TestClusterLifecycle(t *testing.T) {
	cl := cluster.Get(t)
	c := cl.Client(t)
	ctx := context.Background()
	ns := cl.Nodes(t)
	require.Len(t, ns, 6)
	masters := cl.Masters(t)
	require.Len(t, masters, 3)

	for i := range 100 {
		require.NoError(t, c.Set(ctx, fmt.Sprintf("life:%d", i), i, time.Minute).Err())
	}
	victim := cl.MasterOf(t, "life:0")
	// Wait until the replica has the key, then kill its master.
	require.NoError(t, cl.NodeClient(t, victim).Do(ctx, "wait", 1, 1000).Err())
	cl.Kill(t, victim)
	heir := cl.WaitFailover(t, victim)
	assert.NotEqual(t, victim, heir)
	assert.Equal(t, heir, cl.MasterOf(t, "life:0"))
	// go-redis reloads its slot map on MOVED, not on a refused
	// connection: until then it would try the dead node.
	c.ReloadState(ctx)
	assert.Eventually(t, func() bool { return c.Get(ctx, "life:0").Val() == "0" }, 10*time.Second, 20*time.Millisecond,
		"the replica serves the key after the failover")

	cl.Heal(t)
	require.Len(t, cl.Nodes(t), 6)
	assert.False(t, slices.Contains(cl.Masters(t), victim), "the restarted node is a replica now")

	from, to := cl.MasterOf(t, "life:1"), ""
	for _, m := range cl.Masters(t) {
		if m != from {
			to = m
		}
	}
	cl.MoveSlots(t, from, to, 100)
	for i := range 100 {
		v, err := c.Get(ctx, fmt.Sprintf("life:%d", i)).Int()
		require.NoError(t, err, "every key is still found after the move")
		assert.Equal(t, i, v)
	}
	cl.MoveSlots(t, to, from, 100)
}
