package redis_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
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

// guarded returns the shared cluster and a new cluster client of it with
// a Guard attached.
func guarded(t *testing.T) (*redistest.Cluster, *goredis.ClusterClient, *redistest.Guard) {
	t.Helper()
	cl := multi.Get(t)
	cc := cl.Client(t)
	g := &redistest.Guard{}
	g.Attach(cc)
	return cl, cc, g
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
			cl, cc, g := guarded(t)
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
			masters := map[string]bool{}
			nodes := cl.Nodes(t)
			for _, slot := range g.Slots() {
				for _, n := range nodes {
					if n.Serves(slot) {
						masters[n.Addr] = true
					}
				}
			}
			assert.Len(t, masters, 3, "the keys spread over every master (%d slots used)", len(g.Slots()))
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
	require.Eventually(t, func() bool {
		return strings.Contains(replica.Client(t).Info(ctx, "replication").Val(), "master_link_status:up")
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

// replayResult is what a failover did to consumed secrets.
type replayResult struct {
	consumed int // Consume calls that returned the secret
	denied   int // Consume calls that failed (typed)
	replayed int // secrets consumed once and returned again after the failover
}

// consumeThroughFailover consumes keys through s, eight requests at a time,
// each worker pausing 2 ms between requests (at most 4 000 a second, a
// busy service), kills the master (kill) once a quarter of the keys are
// consumed and stops sending, waits for the failover (failover), then
// tries to consume again, through check, every secret that was consumed:
// a secret returned twice is one the failover brought back.
func consumeThroughFailover(t *testing.T, s store.Store, keys []string, kill, failover func(), check store.Store) replayResult {
	t.Helper()
	ctx := context.Background()
	var (
		mu       sync.Mutex
		res      replayResult
		consumed []string
		next     = make(chan string)
		killed   = make(chan struct{})
		once     sync.Once
		wg       sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for k := range next {
				cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				v, err := s.Consume(cctx, k)
				cancel()
				mu.Lock()
				switch {
				case err == nil:
					if string(v) != "secret-"+k {
						t.Errorf("consumed %q for %s", v, k)
					}
					res.consumed++
					consumed = append(consumed, k)
				case errors.Is(err, store.ErrUnavailable):
					res.denied++
				default:
					t.Errorf("consume: untyped failure %v", err)
				}
				if res.consumed == len(keys)/4 {
					once.Do(func() { go func() { kill(); close(killed) }() })
				}
				mu.Unlock()
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
feed:
	for _, k := range keys {
		select {
		case next <- k:
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
	for _, k := range consumed {
		var err error
		for range 50 { // the check's client may still be finding the new master
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			_, err = check.Consume(cctx, k)
			cancel()
			if !errors.Is(err, store.ErrUnavailable) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		switch {
		case err == nil:
			res.replayed++
		case !errors.Is(err, store.ErrNotFound):
			t.Fatalf("check after the failover: %v", err)
		}
	}
	return res
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
			for _, k := range keys {
				_, err := writer.Put(context.Background(), k, []byte("secret-"+k), time.Minute)
				require.NoError(t, err)
			}
			s := newStoreWith(t, redis.Config{Client: cl.Client(t), Namespace: ns, WaitReplicas: mode.wait})
			check := newStoreWith(t, redis.Config{Client: cl.Client(t), Namespace: ns})
			res := consumeThroughFailover(t, s, keys,
				func() { cl.Kill(t, victim) },
				func() { cl.WaitFailover(t, victim) },
				check)
			t.Logf("%s: %d consumed, %d denied (in flight at the crash), %d usable again after the failover", mode.name, res.consumed, res.denied, res.replayed)
			assert.GreaterOrEqual(t, res.consumed, len(keys)/4)
			if mode.wait > 0 {
				assert.Zero(t, res.replayed, "no secret acknowledged by a replica comes back")
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
				_, err := writer.Put(ctx, keys[i], []byte("secret-"+keys[i]), time.Minute)
				require.NoError(t, err)
			}
			for _, r := range d.Addrs()[1:] {
				rc := d.NodeClient(t, r)
				require.Eventually(t, func() bool { return rc.DBSize(ctx).Val() == int64(len(keys)) }, 10*time.Second, 10*time.Millisecond,
					"every replica has every secret before the test")
			}
			s := newStoreWith(t, redis.Config{Client: d.Client(t), Namespace: ns, WaitReplicas: mode.wait, WaitTimeout: 25 * replicaLag})
			check := newStoreWith(t, redis.Config{Client: d.Client(t), Namespace: ns})
			res := consumeThroughFailover(t, s, keys,
				func() { d.Kill(t, master) },
				func() { d.WaitFailover(t, master) },
				check)
			t.Logf("%s, replicas %v behind: %d consumed, %d denied (in flight at the crash), %d usable again after the failover",
				mode.name, replicaLag, res.consumed, res.denied, res.replayed)
			assert.GreaterOrEqual(t, res.consumed, len(keys)/4)
			if mode.wait > 0 {
				assert.Zero(t, res.replayed, "no secret acknowledged by the replicas comes back")
			} else {
				assert.Positive(t, res.replayed, "the replication window: consumes acknowledged by the master alone are undone")
			}
		})
	}
}
