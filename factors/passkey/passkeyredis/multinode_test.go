package passkeyredis_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

// multi is the 3-master / 3-replica cluster the tests of this package
// share.
var multi redistest.SharedCluster

func TestMain(m *testing.M) {
	code := m.Run()
	multi.Close()
	os.Exit(code)
}

// TestMultiNodeCluster runs the kit, races included, on a real 3-master /
// 3-replica Redis Cluster (cluster-allow-reads-when-down no). A Guard
// checks that no command's keys span two slots and that no MOVED, ASK,
// CROSSSLOT or TRYAGAIN reached the caller, and the records and indexes
// spread over every master.
func TestMultiNodeCluster(t *testing.T) {
	cl := multi.Get(t)
	cc, g := cl.GuardedClient(t)
	require.NoError(t, newCreds(t, cc).LoadScripts(context.Background()))
	passkeytest.RunCredentialStore(t, func(t *testing.T) passkey.CredentialStore { return newCreds(t, cc) })
	assert.Empty(t, g.CrossSlot(), "a command over two slots")
	assert.Empty(t, g.Leaked(), "routing errors reached the caller")
	assert.Len(t, cl.MastersServing(t, g.Slots()), 3, "keys on every master")
}

// TestSentinel runs the kit through a Sentinel failover client.
func TestSentinel(t *testing.T) {
	c := redistest.NewSentinel(t, redistest.SentinelConfig{}).Client(t)
	passkeytest.RunCredentialStore(t, func(t *testing.T) passkey.CredentialStore { return newCreds(t, c) })
}
