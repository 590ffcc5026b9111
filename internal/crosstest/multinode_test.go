package crosstest_test

import (
	"os"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"

	"github.com/strongauth/strongauth/otp"
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

// scenarios are the cross-instance tests, each run on one server by its
// own Test function and again here on a Cluster and on Sentinel.
var scenarios = []struct {
	name string
	run  func(*testing.T, pairMaker)
}{
	{"SMSOnce", smsOnceAcrossInstances},
	{"SMSRace", smsRaceAcrossInstances},
	{"SMSAttemptLimit", smsAttemptLimitAcrossInstances},
	{"SMSCooldown", smsCooldownAcrossInstances},
	{"SMSSendBudget", smsSendBudgetAcrossInstances},
	{"ECPOnce", ecpOnceAcrossInstances},
	{"ECPRace", ecpRaceAcrossInstances},
	{"ECPOpensSMSGate", ecpOpensSMSGateAcrossInstances},
	{"WebAuthnOnce", webAuthnOnceAcrossInstances},
	{"WebAuthnRace", webAuthnRaceAcrossInstances},
	{"ClonedAuthenticator", clonedAuthenticatorAcrossInstances},
	{"QROnce", qrOnceAcrossInstances},
	{"QRRace", qrRaceAcrossInstances},
}

// TestOnCluster runs every scenario with the two instances on a real
// 3-master / 3-replica Redis Cluster, each through its own ClusterClient:
// flows, codes, challenges, counters, credentials and devices spread over
// the masters, and every code and challenge is still accepted once. A
// Guard on each client checks that no command's keys span two slots and
// that no routing error reached the factors.
func TestOnCluster(t *testing.T) {
	cl := multi.Get(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			var guards []*redistest.Guard
			sc.run(t, func(t *testing.T, mutate ...func(*otp.Config)) *pair {
				return newPairWith(t, func(tb testing.TB) goredis.UniversalClient {
					c, g := cl.GuardedClient(tb)
					guards = append(guards, g)
					return c
				}, 0, mutate...)
			})
			for _, g := range guards {
				assert.Empty(t, g.CrossSlot(), "a command over two slots")
				assert.Empty(t, g.Leaked(), "routing errors reached the caller")
			}
		})
	}
}

// TestOnSentinel runs every scenario with the two instances on one
// Sentinel deployment (a master, two replicas, three sentinels), each
// through its own failover client, every write waiting for both replicas
// (WaitReplicas 2).
func TestOnSentinel(t *testing.T) {
	d := redistest.NewSentinel(t, redistest.SentinelConfig{})
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			sc.run(t, func(t *testing.T, mutate ...func(*otp.Config)) *pair {
				return newPairWith(t, func(tb testing.TB) goredis.UniversalClient { return d.Client(tb) }, 2, mutate...)
			})
		})
	}
}
