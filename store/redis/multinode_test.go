package redis_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/redis"
	"github.com/strongauth/strongauth/store/redis/redistest"
	"github.com/strongauth/strongauth/store/storetest"
)

// multi is the 3-master / 3-replica cluster that every test of this
// package on a real cluster shares (forming one takes two seconds). Tests
// keep to their own namespace; those that kill a node heal the cluster
// before they end.
var multi redistest.SharedCluster

func TestMain(m *testing.M) {
	code := m.Run()
	multi.Close()
	os.Exit(code)
}

func newStoreWith(t testing.TB, cfg redis.Config) *redis.Store {
	t.Helper()
	s, err := redis.New(cfg)
	require.NoError(t, err)
	return s
}

// leakCheck fails the test when an error of the Store carries a routing
// error (MOVED, ASK, CROSSSLOT, TRYAGAIN) that the client should have
// handled: the Store's own path for replicated writes bypasses the
// cluster client's routing and must not let one through either.
type leakCheck struct {
	store.Store
	t testing.TB
}

func (l leakCheck) check(err error) error {
	if err != nil {
		for _, p := range []string{"MOVED", "ASK ", "CROSSSLOT", "TRYAGAIN"} {
			if strings.Contains(err.Error(), p) {
				l.t.Errorf("a routing error reached the caller: %v", err)
			}
		}
	}
	return err
}

func (l leakCheck) Get(ctx context.Context, k string) ([]byte, uint64, error) {
	v, n, err := l.Store.Get(ctx, k)
	return v, n, l.check(err)
}

func (l leakCheck) Put(ctx context.Context, k string, v []byte, ttl time.Duration) (uint64, error) {
	n, err := l.Store.Put(ctx, k, v, ttl)
	return n, l.check(err)
}

func (l leakCheck) CompareAndSwap(ctx context.Context, k string, old uint64, v []byte, ttl time.Duration) (uint64, error) {
	n, err := l.Store.CompareAndSwap(ctx, k, old, v, ttl)
	return n, l.check(err)
}

func (l leakCheck) Consume(ctx context.Context, k string) ([]byte, error) {
	v, err := l.Store.Consume(ctx, k)
	return v, l.check(err)
}

func (l leakCheck) Incr(ctx context.Context, k string, d int64, ttl time.Duration) (int64, error) {
	n, err := l.Store.Incr(ctx, k, d, ttl)
	return n, l.check(err)
}

func (l leakCheck) Delete(ctx context.Context, k string) error {
	return l.check(l.Store.Delete(ctx, k))
}

// waitModes are the two ways a Store writes: as soon as the master has
// it, and once WaitReplicas replicas have it.
func waitModes(replicas int) []struct {
	name string
	wait int
} {
	return []struct {
		name string
		wait int
	}{{"async", 0}, {fmt.Sprintf("wait%d", replicas), replicas}}
}

// TestMultiNodeCluster runs the conformance kit on a real 3-master /
// 3-replica Redis Cluster through a ClusterClient, with and without
// waiting for replicas. Every node runs with cluster-allow-reads-when-down
// no. A Guard on every node client checks that no command's keys span two
// slots, and on the cluster client that no MOVED, ASK, CROSSSLOT or
// TRYAGAIN reached the caller; the Store's keys spread over all masters.
func TestMultiNodeCluster(t *testing.T) {
	for _, mode := range waitModes(1) {
		t.Run(mode.name, func(t *testing.T) {
			cl := multi.Get(t)
			cc, g := cl.GuardedClient(t)
			cfg := redis.Config{Client: cc, WaitReplicas: mode.wait}
			require.NoError(t, newStoreWith(t, cfg).LoadScripts(context.Background()))
			storetest.Run(t, storetest.Harness{
				New: func(t *testing.T) store.Store {
					c := cfg
					c.Namespace = redistest.Namespace(t)
					return leakCheck{newStoreWith(t, c), t}
				},
				Advance: func(t *testing.T, d time.Duration) { time.Sleep(d) },
				TTL:     kitTTL,
			})
			assert.Empty(t, g.CrossSlot(), "a command over two slots")
			assert.Empty(t, g.Leaked(), "routing errors reached the caller")
			assert.Len(t, cl.MastersServing(t, g.Slots()), 3, "the keys spread over every master (%d slots used)", len(g.Slots()))
		})
	}
}

// TestSentinelConformance runs the conformance kit through a Sentinel
// failover client (one master, two replicas, three sentinels), with and
// without waiting for both replicas.
func TestSentinelConformance(t *testing.T) {
	d := redistest.NewSentinel(t, redistest.SentinelConfig{})
	for _, mode := range waitModes(2) {
		t.Run(mode.name, func(t *testing.T) {
			client := d.Client(t)
			storetest.Run(t, storetest.Harness{
				New: func(t *testing.T) store.Store {
					return newStoreWith(t, redis.Config{Client: client, Namespace: redistest.Namespace(t), WaitReplicas: mode.wait})
				},
				Advance: func(t *testing.T, d time.Duration) { time.Sleep(d) },
				TTL:     kitTTL,
			})
		})
	}
}

// tripsOnNodes records the round trips a cluster client's node clients
// make: what really goes over the network, one entry per node round trip.
func tripsOnNodes(cc *goredis.ClusterClient) *redistest.Trips {
	rec := &redistest.Trips{}
	cc.OnNewNode(func(c *goredis.Client) { c.AddHook(rec) })
	return rec
}

// TestOneRoundTripOnCluster counts the round trips to the nodes of the
// cluster: every operation is one, to one node, with or without waiting
// for replicas (the write and its WAIT travel as one pipeline).
func TestOneRoundTripOnCluster(t *testing.T) {
	for _, mode := range waitModes(1) {
		t.Run(mode.name, func(t *testing.T) {
			cc := multi.Get(t).Client(t)
			rec := tripsOnNodes(cc)
			s := newStoreWith(t, redis.Config{Client: cc, Namespace: redistest.Namespace(t), WaitReplicas: mode.wait})
			ctx := context.Background()
			require.NoError(t, s.LoadScripts(ctx))
			_, _, err := s.Get(ctx, "warm-up") // loads the slot map
			require.ErrorIs(t, err, store.ErrNotFound)
			rec.Take()

			write := func(cmd string) string {
				if mode.wait == 0 {
					return cmd
				}
				return "pipeline(2 " + cmd + ")"
			}
			ops := []struct {
				name string
				want string
				run  func() error
			}{
				{"Put", write("evalsha"), func() error { _, err := s.Put(ctx, "k", []byte("v"), time.Minute); return err }},
				{"Get", "hmget", func() error { _, _, err := s.Get(ctx, "k"); return err }},
				{"CompareAndSwap", write("evalsha"), func() error { _, err := s.CompareAndSwap(ctx, "k", 1, []byte("w"), time.Minute); return err }},
				{"Consume", write("evalsha"), func() error { _, err := s.Consume(ctx, "k"); return err }},
				{"Consume missing", write("evalsha"), func() error { _, err := s.Consume(ctx, "k"); return expect(err, store.ErrNotFound) }},
				{"Incr", write("evalsha"), func() error { _, err := s.Incr(ctx, "c", 1, time.Minute); return err }},
				{"Incr read", "evalsha", func() error { _, err := s.Incr(ctx, "c", 0, time.Minute); return err }},
				{"Delete", write("del"), func() error { return s.Delete(ctx, "c") }},
			}
			for _, op := range ops {
				require.NoError(t, op.run(), op.name)
				assert.Equal(t, []string{op.want}, storeTrips(rec.Take()), "%s: exactly one round trip", op.name)
			}
		})
	}
}

// storeTrips leaves out of names the cluster client's own traffic — slot
// map loads (CLUSTER SLOTS) and connection handshakes — which come and go
// in the background; the Store sends none of these commands.
func storeTrips(names []string) []string {
	return slices.DeleteFunc(names, func(n string) bool {
		switch n {
		case "cluster", "hello", "client", "command", "ping", "readonly", "info":
			return true
		}
		return false
	})
}

// TestWaitReplicas: with WaitReplicas, a write that no replica
// acknowledges is denied (ErrNotReplicated, store.ErrUnavailable) — the
// master ran it, so a consumed secret stays spent there — and reads,
// refusals and misses are unaffected.
func TestWaitReplicas(t *testing.T) {
	master := redistest.Start(t)
	host, port, _ := strings.Cut(master.Addr(), ":")
	replica := redistest.Start(t, "--replicaof", host, port)
	ctx := context.Background()
	admin := master.Client(t)
	// Until the replica acknowledges a write (SET and WAIT pipelined on one
	// connection): after the initial sync a master holds the stream back
	// until the replica's first ACK, which may come up to a second after
	// the link is up.
	require.Eventually(t, func() bool {
		if !strings.Contains(replica.Client(t).Info(ctx, "replication").Val(), "master_link_status:up") {
			return false
		}
		var n *goredis.Cmd
		_, err := admin.Pipelined(ctx, func(p goredis.Pipeliner) error {
			p.Set(ctx, "warm-up", "1", time.Minute)
			n = p.Do(ctx, "WAIT", 1, 50)
			return nil
		})
		acked, _ := n.Int64()
		return err == nil && acked == 1
	}, 10*time.Second, 10*time.Millisecond)

	s := newStoreWith(t, redis.Config{Client: master.Client(t), Namespace: "w", WaitReplicas: 1, WaitTimeout: 50 * time.Millisecond})
	_, err := s.Put(ctx, "code", []byte("123456"), time.Minute)
	require.NoError(t, err, "the replica acknowledges")
	_, err = s.Put(ctx, "flow", []byte("f"), time.Minute)
	require.NoError(t, err)

	replica.Pause()
	_, err = s.Consume(ctx, "code")
	replica.Resume()
	require.ErrorIs(t, err, redis.ErrNotReplicated)
	require.ErrorIs(t, err, store.ErrUnavailable)
	assert.Equal(t, int64(0), admin.Exists(ctx, s.Key("code")).Val(), "the master consumed it: the secret is spent")
	assert.NotContains(t, err.Error(), "123456")

	replica.Pause()
	_, err = s.Consume(ctx, "missing")
	assert.ErrorIs(t, err, store.ErrNotFound, "nothing written: nothing to wait for")
	_, err = s.CompareAndSwap(ctx, "flow", 7, []byte("x"), time.Minute)
	assert.ErrorIs(t, err, store.ErrConflict)
	_, _, err = s.Get(ctx, "flow")
	assert.NoError(t, err)
	_, err = s.Incr(ctx, "n", 0, time.Minute)
	assert.NoError(t, err, "a read of a counter waits for nothing")
	_, err = s.Incr(ctx, "n", 1, time.Minute)
	assert.ErrorIs(t, err, redis.ErrNotReplicated)
	err = s.Delete(ctx, "flow")
	assert.ErrorIs(t, err, redis.ErrNotReplicated)
	replica.Resume()

	// A server without replicas acknowledges nothing: every write is denied.
	lone := newStoreWith(t, redis.Config{Client: redistest.Start(t).Client(t), WaitReplicas: 1, WaitTimeout: time.Millisecond})
	_, err = lone.Put(ctx, "k", []byte("v"), time.Minute)
	assert.ErrorIs(t, err, redis.ErrNotReplicated)

	// Configuration.
	ring := goredis.NewRing(&goredis.RingOptions{Addrs: map[string]string{"a": master.Addr()}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { ring.Close() })
	_, err = redis.New(redis.Config{Client: ring, WaitReplicas: 1})
	assert.ErrorIs(t, err, redis.ErrConfig, "a Ring cannot WAIT on the connection of a key")
	_, err = redis.New(redis.Config{Client: ring})
	assert.NoError(t, err)
	for _, cfg := range []redis.Config{
		{Client: admin, WaitReplicas: -1},
		{Client: admin, WaitReplicas: 1, WaitTimeout: -time.Second},
		{Client: admin, WaitReplicas: 1, WaitTimeout: time.Microsecond},
	} {
		_, err = redis.New(cfg)
		assert.ErrorIs(t, err, redis.ErrConfig, "%+v", cfg)
	}
}

// keysOn returns n keys of s whose slots the master at addr serves.
func keysOn(t *testing.T, cl *redistest.Cluster, s *redis.Store, addr string, n int) []string {
	t.Helper()
	var node redistest.Node
	for _, x := range cl.Nodes(t) {
		if x.Addr == addr {
			node = x
		}
	}
	require.True(t, node.Master, "%s is a master", addr)
	var keys []string
	for i := 0; len(keys) < n; i++ {
		k := fmt.Sprintf("code:%d", i)
		if node.Serves(redistest.Slot(s.Key(k))) {
			keys = append(keys, k)
		}
	}
	return keys
}

// replayResult is what a failover did to single-use state: secrets used
// with Consume (codes, challenges, QR tokens) and flow steps recorded with
// CompareAndSwap (a flow moving from one version to the next, as the
// engine completes it and as a code's record is marked used).
type replayResult struct {
	consumed, stepped int // uses that succeeded: Consume, CompareAndSwap
	denied            int // uses that failed (typed)
	replayedSecrets   int // secrets consumed once and returned again after the failover
	replayedSteps     int // steps taken once whose old version came back
	// recent counts the uses that returned within the window given to
	// useThroughFailover before the master was killed.
	recent int
}

// String reports the result.
func (r replayResult) String() string {
	return fmt.Sprintf("%d secrets consumed and %d flow steps taken (%d in the last moments before the crash), %d denied (in flight at the crash); usable again after the failover: %d secrets, %d flow steps",
		r.consumed, r.stepped, r.recent, r.denied, r.replayedSecrets, r.replayedSteps)
}

// use uses key k once: the even keys are secrets to consume, the odd ones
// flows at version 1 to move to version 2.
func use(ctx context.Context, s store.Store, i int, k string) (bool, error) {
	if i%2 == 0 {
		v, err := s.Consume(ctx, k)
		if err == nil && string(v) != "secret-"+k {
			return false, fmt.Errorf("consumed %q for %s", v, k)
		}
		return true, err
	}
	_, err := s.CompareAndSwap(ctx, k, 1, []byte("step-2"), time.Minute)
	return false, err
}

// useThroughFailover uses keys through s (see use), eight requests at a
// time, each worker pausing 2 ms between requests (at most 4 000 a
// second, a busy service), kills the master (kill) once a quarter of the
// keys are used and stops sending, waits for the failover (failover), then
// tries to use again, through check, every key that was used: one used
// twice is one the failover brought back. It also counts the uses that
// returned within window before the kill.
func useThroughFailover(t *testing.T, s store.Store, keys []string, kill, failover func(), check store.Store, window time.Duration) replayResult {
	t.Helper()
	ctx := context.Background()
	type job struct {
		i int
		k string
	}
	var (
		mu     sync.Mutex
		res    replayResult
		used   []job
		at     []time.Time // when each use returned
		killAt time.Time
		next   = make(chan job)
		killed = make(chan struct{})
		once   sync.Once
		wg     sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for j := range next {
				cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				secret, err := use(cctx, s, j.i, j.k)
				cancel()
				now := time.Now()
				mu.Lock()
				switch {
				case err == nil && secret:
					res.consumed++
					used, at = append(used, j), append(at, now)
				case err == nil:
					res.stepped++
					used, at = append(used, j), append(at, now)
				case errors.Is(err, store.ErrUnavailable):
					res.denied++
				default:
					t.Errorf("use: untyped failure %v", err)
				}
				if len(used) == len(keys)/4 {
					once.Do(func() {
						go func() {
							mu.Lock()
							killAt = time.Now()
							mu.Unlock()
							kill()
							close(killed)
						}()
					})
				}
				mu.Unlock()
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
feed:
	for i, k := range keys {
		select {
		case next <- job{i, k}:
		case <-killed:
			break feed
		}
	}
	close(next)
	wg.Wait()
	<-killed
	failover()
	mu.Lock()
	defer mu.Unlock()
	for _, t := range at {
		if !t.Before(killAt.Add(-window)) && !t.After(killAt) {
			res.recent++
		}
	}
	for _, j := range used {
		var (
			secret bool
			err    error
		)
		for range 50 { // the check's client may still be finding the new master
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			secret, err = use(cctx, check, j.i, j.k)
			cancel()
			if !errors.Is(err, store.ErrUnavailable) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		switch {
		case err == nil && secret:
			res.replayedSecrets++
		case err == nil:
			res.replayedSteps++
		case !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict):
			t.Fatalf("check after the failover: %v", err)
		}
	}
	return res
}

// putKeys stores the keys use expects: secrets and flows at version 1.
func putKeys(t *testing.T, s store.Store, keys []string) {
	t.Helper()
	for i, k := range keys {
		v := "secret-" + k
		if i%2 == 1 {
			v = "step-1"
		}
		var err error
		for range 20 { // a cluster just healed may deny a write for a moment
			if _, err = s.Put(context.Background(), k, []byte(v), time.Minute); !errors.Is(err, store.ErrUnavailable) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		require.NoError(t, err)
	}
}

// TestClusterFailover kills (SIGKILL) a master of the 3+3 cluster while
// eight requests at a time consume secrets on it, lets its replica take
// over, and counts the secrets that were consumed once and can be consumed
// again: the writes the master acknowledged but its replica never got. It
// does so without waiting for replicas and with WaitReplicas 1, where the
// count must be zero. On loopback the replica lags by well under a
// millisecond, so the first count is small (often zero); see
// TestSentinelFailover for a replica that lags as one in another zone does.
func TestClusterFailover(t *testing.T) {
	for _, mode := range waitModes(1) {
		t.Run(mode.name, func(t *testing.T) {
			cl := multi.Get(t)
			t.Cleanup(func() { cl.Heal(t) })
			ns := redistest.Namespace(t)
			writer := newStoreWith(t, redis.Config{Client: cl.Client(t), Namespace: ns, WaitReplicas: 1})
			victim := cl.Masters(t)[0]
			keys := keysOn(t, cl, writer, victim, 2000)
			putKeys(t, writer, keys)
			s := newStoreWith(t, redis.Config{Client: cl.Client(t), Namespace: ns, WaitReplicas: mode.wait})
			check := newStoreWith(t, redis.Config{Client: cl.Client(t), Namespace: ns})
			res := useThroughFailover(t, s, keys,
				func() { cl.Kill(t, victim) },
				func() { cl.WaitFailover(t, victim) },
				check, 0)
			t.Logf("%s: %v", mode.name, res)
			assert.GreaterOrEqual(t, res.consumed+res.stepped, len(keys)/4)
			if mode.wait > 0 {
				assert.Zero(t, res.replayedSecrets+res.replayedSteps, "nothing acknowledged by a replica comes back")
			}
		})
	}
}

// replicaLag is how much later the replicas of TestSentinelFailover see
// the master's writes: a replica in another zone of one region.
const replicaLag = 20 * time.Millisecond

// TestSentinelFailover kills (SIGKILL) the master of a Sentinel deployment
// whose two replicas see its writes replicaLag late (redistest.LagProxy:
// what is in flight when the master dies is lost, as when its machine
// fails), while eight requests at a time consume secrets, lets Sentinel
// promote a replica, and counts the secrets consumed once that can be
// consumed again. Without waiting for replicas, every consume of the last
// replicaLag before the crash comes back; with WaitReplicas 2 none does.
func TestSentinelFailover(t *testing.T) {
	for _, mode := range waitModes(2) {
		t.Run(mode.name, func(t *testing.T) {
			d := redistest.NewSentinel(t, redistest.SentinelConfig{ReplicaLag: replicaLag})
			ctx := context.Background()
			ns := redistest.Namespace(t)
			master := d.Master(t)
			writer := newStoreWith(t, redis.Config{Client: d.NodeClient(t, master), Namespace: ns})
			keys := make([]string, 2000)
			for i := range keys {
				keys[i] = fmt.Sprintf("code:%d", i)
			}
			putKeys(t, writer, keys)
			for _, r := range d.Addrs()[1:] {
				rc := d.NodeClient(t, r)
				require.Eventually(t, func() bool { return rc.DBSize(ctx).Val() == int64(len(keys)) }, 10*time.Second, 10*time.Millisecond,
					"every replica has every secret before the test")
			}
			s := newStoreWith(t, redis.Config{Client: d.Client(t), Namespace: ns, WaitReplicas: mode.wait, WaitTimeout: 25 * replicaLag})
			check := newStoreWith(t, redis.Config{Client: d.Client(t), Namespace: ns})
			res := useThroughFailover(t, s, keys,
				func() { d.Kill(t, master) },
				func() { d.WaitFailover(t, master) },
				check, replicaLag/2)
			t.Logf("%s, replicas %v behind: %v", mode.name, replicaLag, res)
			assert.GreaterOrEqual(t, res.consumed+res.stepped, len(keys)/4)
			switch {
			case mode.wait > 0:
				assert.Zero(t, res.replayedSecrets+res.replayedSteps, "nothing acknowledged by the replicas comes back")
			case res.recent > 0:
				// Uses that returned less than half the lag before the
				// crash were normally still in the proxy and are lost. This
				// is a measurement of the weakness the option closes, not a
				// property to assert: on a starved machine the kill, the
				// election or the proxy's flush can land so that none comes
				// back (seen once under load in CI-like runs), so it is
				// reported, not required.
				t.Logf("the replication window: of %d uses acknowledged by the master alone in the last %v, %d came back after the failover",
					res.recent, replicaLag/2, res.replayedSecrets+res.replayedSteps)
			default:
				t.Logf("no use returned in the last %v before the crash (a starved machine): the window went unmeasured", replicaLag/2)
			}
		})
	}
}

// TestReshardingWhileFlowsRun moves slots back and forth between two
// masters (redis-cli --cluster reshard, keys migrated) while two engines,
// each on its own cluster client, run at least 1 000 flows, sixteen at a
// time. In each flow one engine starts it, the other begins a step, both
// finish the step at once, and both race to consume a secret stored for
// the flow. Every flow completes exactly once and every secret is consumed
// at most once; anything else is a typed denial. The clients were
// redirected (MOVED, ASK) and followed, and no redirection reached the
// caller.
func TestReshardingWhileFlowsRun(t *testing.T) {
	for _, mode := range waitModes(1) {
		t.Run(mode.name, func(t *testing.T) { reshardWhileFlowsRun(t, mode.wait) })
	}
}

func reshardWhileFlowsRun(t *testing.T, wait int) {
	cl := multi.Get(t)
	ns := redistest.Namespace(t)
	clock := fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	var entered atomic.Int32
	ca, ga := cl.GuardedClient(t)
	cb, gb := cl.GuardedClient(t)
	a := newInstance(t, ca, ns, clock, &entered, wait)
	b := newInstance(t, cb, ns, clock, &entered, wait)
	ctx := context.Background()

	masters := cl.Masters(t)
	var moves atomic.Int32
	stop := make(chan struct{})
	moved := make(chan struct{})
	go func() {
		defer close(moved)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			from, to := masters[i%2], masters[(i+1)%2]
			cl.MoveSlots(t, from, to, 500)
			moves.Add(1)
		}
	}()

	typed := func(err error) bool {
		return errors.Is(err, auth.ErrUnavailable) || errors.Is(err, store.ErrUnavailable)
	}
	var (
		flows, completed, consumed, denied atomic.Int32
		wg                                 sync.WaitGroup
	)
	for range 16 {
		wg.Go(func() {
			for flows.Load() < 1000 || moves.Load() < 2 {
				flows.Add(1)
				f, err := a.eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding})
				if err != nil {
					if !typed(err) {
						t.Errorf("start: %v", err)
					}
					denied.Add(1)
					continue
				}
				if err := b.begin(ctx, f, auth.KindWebAuthn); err != nil {
					if !typed(err) {
						t.Errorf("begin: %v", err)
					}
					denied.Add(1)
					continue
				}
				code := "code:" + f.ID
				if _, err := a.store.Put(ctx, code, []byte("secret"), time.Minute); err != nil {
					if !typed(err) {
						t.Errorf("put: %v", err)
					}
					denied.Add(1)
					continue
				}
				var wins, takes atomic.Int32
				var race sync.WaitGroup
				for _, in := range []*instance{a, b} {
					race.Go(func() {
						_, err := in.finish(ctx, f, auth.KindWebAuthn, authtest.OK("alice"))
						switch {
						case err == nil:
							wins.Add(1)
						case errors.Is(err, auth.ErrAlreadyCompleted), errors.Is(err, auth.ErrFlowCompleted), typed(err):
						default:
							t.Errorf("finish: %v", err)
						}
						_, err = in.store.Consume(ctx, code)
						switch {
						case err == nil:
							takes.Add(1)
						case errors.Is(err, store.ErrNotFound), typed(err):
						default:
							t.Errorf("consume: %v", err)
						}
					})
				}
				race.Wait()
				if wins.Load() > 1 || takes.Load() > 1 {
					t.Errorf("flow completed %d times, secret consumed %d times", wins.Load(), takes.Load())
				}
				completed.Add(wins.Load())
				consumed.Add(takes.Load())
				_, err = b.finish(ctx, f, auth.KindWebAuthn, authtest.OK("alice"))
				if wins.Load() == 1 && !errors.Is(err, auth.ErrFlowCompleted) && !typed(err) {
					t.Errorf("a completed flow finished again: %v", err)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-moved
	am, aa := ga.Redirects()
	bm, ba := gb.Redirects()
	t.Logf("%d flows during %d moves of 500 slots: %d completed once, %d secrets consumed once, %d denied (typed); %d MOVED and %d ASK followed",
		flows.Load(), moves.Load(), completed.Load(), consumed.Load(), denied.Load(), am+bm, aa+ba)
	assert.GreaterOrEqual(t, flows.Load(), int32(1000))
	assert.Greater(t, completed.Load(), flows.Load()*9/10, "nearly every flow completes")
	assert.Positive(t, am+bm+aa+ba, "the clients were redirected while slots moved")
	for _, g := range []*redistest.Guard{ga, gb} {
		assert.Empty(t, g.Leaked(), "routing errors reached the caller")
		assert.Empty(t, g.CrossSlot())
	}
}
