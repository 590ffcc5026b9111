package crosstest_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	qrfactor "github.com/strongauth/strongauth/factors/qr"
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

// TestFlowKeysShareASlot runs whole flows through two engines on the 3+3
// Cluster — ECP then SMS (a wrong code first), a WebAuthn login, a QR login
// — and records every key each flow touched on either instance (a Guard on
// each client). The keys of one flow — its record, its ECP or WebAuthn
// challenge, its code and the code's attempt counter, its QR session, the
// index naming the session and the denial — all lie in the flow's slot.
// What belongs to something longer-lived than a flow lies elsewhere, by
// design: credentials and devices (durable, per credential), the phone's
// index to its QR session (keyed by the token the phone holds), per-IP
// counters, and the account's and the phone's OTP keys, which share the
// account's slot and the phone's slot respectively.
func TestFlowKeysShareASlot(t *testing.T) {
	cl := multi.Get(t)
	var guards []*redistest.Guard
	p := newPairWith(t, func(tb testing.TB) goredis.UniversalClient {
		c, g := cl.GuardedClient(tb)
		guards = append(guards, g)
		return c
	}, 0, func(c *otp.Config) { c.MaxFailures = 2 }) // the right code claims the lockout key
	ns := p.a.store.Namespace()
	take := func() []string {
		var keys []string
		for _, g := range guards {
			keys = append(keys, g.TakeKeys()...)
		}
		return keys
	}
	d := p.enrol("alice")
	ph := p.phone("alice")
	take() // the enrolments: credentials and devices, no flow

	flows := map[string][]string{} // flow ID → the keys it touched
	ecpSMS := p.a.start(t, "sign-document", "alice")
	ch, err := p.a.begin(ecpSMS, auth.KindECP)
	require.NoError(t, err)
	_, err = p.b.finish(ecpSMS, auth.KindECP, p.sign(p.pki.Individual, ch))
	require.NoError(t, err)
	_, err = p.b.begin(ecpSMS, auth.KindSMS)
	require.NoError(t, err)
	_, err = p.a.finish(ecpSMS, auth.KindSMS, codeInput(wrongCode(p.lastCode())))
	require.ErrorIs(t, err, otp.ErrWrongCode)
	out, err := p.b.finish(ecpSMS, auth.KindSMS, codeInput(p.lastCode()))
	require.NoError(t, err)
	require.True(t, out.Decision.Allowed)
	flows[ecpSMS] = take()

	passkeyLogin := p.b.start(t, "login", "")
	require.True(t, p.webauthnStep(passkeyLogin, d, p.b, p.a).Decision.Allowed)
	flows[passkeyLogin] = take()

	qrLogin := p.a.start(t, "login", "")
	ch, err = p.b.begin(qrLogin, auth.KindQR)
	require.NoError(t, err)
	ctx := context.Background()
	scanned, err := at(ph, p.a).Scan(ctx, ch.Data.(qrfactor.Begun).Content)
	require.NoError(t, err)
	require.NoError(t, at(ph, p.b).Approve(ctx, scanned, p.number(p.a, qrLogin)))
	out, err = p.a.finish(qrLogin, auth.KindQR, nil)
	require.NoError(t, err)
	require.True(t, out.Decision.Allowed)
	flows[qrLogin] = take()

	// Keys that are not a flow's: by the part after "<namespace>:".
	elsewhere := []string{"c:", "s:sa:qr:t:", "s:sa:qr:ip:", "s:sa:otp:b:", "s:sa:otp:d:", "s:sa:otp:f:", "s:sa:otp:l:"}
	want := map[string][]string{
		ecpSMS:       {"s:sa:flow:", "s:sa:ecp:", "s:sa:otp:c:", "s:sa:otp:a:"},
		passkeyLogin: {"s:sa:flow:", "s:sa:passkey:login:"},
		qrLogin:      {"s:sa:flow:", "s:sa:qr:s:", "s:sa:qr:f:", "s:sa:qr:d:"},
	}
	account, phone := map[int][]string{}, map[int][]string{}
	for flow, keys := range flows {
		slot := redistest.Slot("{" + flow + "}")
		var kinds []string
	keys:
		for _, key := range keys {
			rest, ok := strings.CutPrefix(key, ns+":")
			require.True(t, ok, "a key outside the namespace: %s", key)
			for _, e := range elsewhere {
				if strings.HasPrefix(rest, e) {
					switch {
					case strings.HasPrefix(rest, "s:sa:otp:f:"), strings.HasPrefix(rest, "s:sa:otp:l:"), strings.HasPrefix(rest, "s:sa:otp:b:account:"):
						account[redistest.Slot(key)] = append(account[redistest.Slot(key)], rest)
					case strings.HasPrefix(rest, "s:sa:otp:d:"), strings.HasPrefix(rest, "s:sa:otp:b:phone:"):
						phone[redistest.Slot(key)] = append(phone[redistest.Slot(key)], rest)
					}
					assert.NotContains(t, key, flow, "a key of something else names the flow")
					continue keys
				}
			}
			assert.Equal(t, slot, redistest.Slot(key), "%s is not in its flow's slot", key)
			assert.Contains(t, key, "{"+flow+"}", "the flow's tag")
			kinds = append(kinds, rest[:strings.IndexByte(rest, '{')])
		}
		slices.Sort(kinds)
		kinds = slices.Compact(kinds)
		assert.ElementsMatch(t, want[flow], kinds, "the kinds of key the flow touched")
	}
	assert.Len(t, account, 1, "the account's failures, lockout and budget share a slot: %v", account)
	for _, ks := range account {
		assert.GreaterOrEqual(t, len(ks), 3, "failures, lockout and budget: %v", ks)
	}
	assert.Len(t, phone, 1, "the phone's cooldown and budget share a slot: %v", phone)
	for _, g := range guards {
		assert.Empty(t, g.CrossSlot())
		assert.Empty(t, g.Leaked())
	}
}
