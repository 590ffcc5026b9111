package redis_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net"
	"os/exec"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/strongauth/strongauth/signature/sigtest"
	"github.com/strongauth/strongauth/store/redis"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

// The loopback benchmarks put each Store operation beside the plain
// go-redis command it replaces and beside redis-benchmark's run of the
// comparable command against the same server, so that the overhead of the
// scripts and of go-redis shows as a ratio:
//
//	go test -run '^$' -bench Loopback ./store/redis/
//
// Each is sequential over one connection (redis-benchmark -c 1 -P 1), a
// latency comparison; the -c50 variants run 50 requests at a time
// (redis-benchmark -c 50) for throughput. Store benchmarks report the
// commands sent per operation (cmds/op), counted by a client hook.

var benchValue = []byte("0123456789abcdef0123456789abcdef") // 32 bytes, redis-benchmark -d 32

type benchEnv struct {
	srv    *redistest.Server
	client *goredis.Client
	store  *redis.Store
	cmds   *redistest.Trips
}

func newBenchEnv(b *testing.B, poolSize int) *benchEnv {
	b.Helper()
	srv := redistest.Start(b)
	opts := srv.Options()
	opts.PoolSize = poolSize
	c := goredis.NewClient(opts)
	b.Cleanup(func() { c.Close() })
	cmds := &redistest.Trips{CountOnly: true}
	c.AddHook(cmds)
	s, err := redis.New(redis.Config{Client: c, Namespace: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.LoadScripts(context.Background()); err != nil {
		b.Fatal(err)
	}
	return &benchEnv{srv: srv, client: c, store: s, cmds: cmds}
}

// loop runs op b.N times, sequentially or 50 at a time, and reports the
// commands per operation.
func (e *benchEnv) loop(b *testing.B, parallel bool, op func(ctx context.Context, i int64) error) {
	ctx := context.Background()
	var i atomic.Int64
	b.ReportAllocs()
	before := e.cmds.Count()
	b.ResetTimer()
	if parallel {
		b.SetParallelism(max(1, 50/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := op(ctx, i.Add(1)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	} else {
		for b.Loop() {
			if err := op(ctx, i.Add(1)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(e.cmds.Count()-before)/float64(b.N), "cmds/op")
}

// redisBenchmark runs redis-benchmark for one command against the server
// with b.N requests and reports its own latency as rb-ns/op beside the
// measured ns/op (which includes starting the process).
func (e *benchEnv) redisBenchmark(b *testing.B, test string, clients int) {
	bin, err := exec.LookPath("redis-benchmark")
	if err != nil {
		b.Skip("redis-benchmark not found (Debian: redis-tools)")
	}
	_, port, _ := net.SplitHostPort(e.srv.Addr())
	n := max(b.N, 1000)
	out, err := exec.Command(bin, "-h", "127.0.0.1", "-p", port, "-c", strconv.Itoa(clients), "-P", "1",
		"-n", strconv.Itoa(n), "-d", strconv.Itoa(len(benchValue)), "-t", test, "--csv").Output()
	if err != nil {
		b.Fatalf("redis-benchmark: %v", err)
	}
	b.StopTimer()
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil || len(rows) < 2 || len(rows[1]) < 2 {
		b.Fatalf("redis-benchmark output not understood: %q", out)
	}
	rps, err := strconv.ParseFloat(rows[1][1], 64)
	if err != nil || rps <= 0 {
		b.Fatalf("redis-benchmark rps %q", rows[1][1])
	}
	b.ReportMetric(float64(time.Second)/rps, "rb-ns/op")
}

func BenchmarkLoopback(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		suffix, clients, pool := "", 1, 1
		if parallel {
			suffix, clients, pool = "-c50", 50, 50
		}
		e := newBenchEnv(b, pool)
		ctx := context.Background()
		if _, err := e.store.Put(ctx, "k", benchValue, time.Hour); err != nil {
			b.Fatal(err)
		}
		if err := e.client.Set(ctx, "k", benchValue, 0).Err(); err != nil {
			b.Fatal(err)
		}
		b.Run("get"+suffix+"/store", func(b *testing.B) {
			e.loop(b, parallel, func(ctx context.Context, _ int64) error { _, _, err := e.store.Get(ctx, "k"); return err })
		})
		b.Run("get"+suffix+"/goredis", func(b *testing.B) {
			e.loop(b, parallel, func(ctx context.Context, _ int64) error { return e.client.Get(ctx, "k").Err() })
		})
		b.Run("get"+suffix+"/redis-benchmark", func(b *testing.B) { e.redisBenchmark(b, "get", clients) })

		b.Run("set"+suffix+"/store", func(b *testing.B) {
			e.loop(b, parallel, func(ctx context.Context, _ int64) error {
				_, err := e.store.Put(ctx, "p", benchValue, time.Hour)
				return err
			})
		})
		b.Run("set"+suffix+"/goredis", func(b *testing.B) {
			e.loop(b, parallel, func(ctx context.Context, _ int64) error {
				return e.client.Set(ctx, "p", benchValue, time.Hour).Err()
			})
		})
		b.Run("set"+suffix+"/redis-benchmark", func(b *testing.B) { e.redisBenchmark(b, "set", clients) })

		b.Run("incr"+suffix+"/store", func(b *testing.B) {
			e.loop(b, parallel, func(ctx context.Context, _ int64) error {
				_, err := e.store.Incr(ctx, "c", 1, time.Hour)
				return err
			})
		})
		b.Run("incr"+suffix+"/goredis", func(b *testing.B) {
			e.loop(b, parallel, func(ctx context.Context, _ int64) error { return e.client.Incr(ctx, "c").Err() })
		})
		b.Run("incr"+suffix+"/redis-benchmark", func(b *testing.B) { e.redisBenchmark(b, "incr", clients) })

		if parallel {
			continue
		}
		// Put then Consume of a fresh key per iteration (2 round trips)
		// against SET then GETDEL.
		b.Run("put+consume/store", func(b *testing.B) {
			e.loop(b, false, func(ctx context.Context, i int64) error {
				k := "once:" + strconv.FormatInt(i, 10)
				if _, err := e.store.Put(ctx, k, benchValue, time.Hour); err != nil {
					return err
				}
				_, err := e.store.Consume(ctx, k)
				return err
			})
		})
		b.Run("put+consume/goredis", func(b *testing.B) {
			e.loop(b, false, func(ctx context.Context, i int64) error {
				k := "once:" + strconv.FormatInt(i, 10)
				if err := e.client.Set(ctx, k, benchValue, time.Hour).Err(); err != nil {
					return err
				}
				return e.client.GetDel(ctx, k).Err()
			})
		})
		// The engine's optimistic update: Get, then CompareAndSwap.
		b.Run("get+cas/store", func(b *testing.B) {
			e.loop(b, false, func(ctx context.Context, _ int64) error {
				_, v, err := e.store.Get(ctx, "k")
				if err != nil {
					return err
				}
				_, err = e.store.CompareAndSwap(ctx, "k", v, benchValue, time.Hour)
				return err
			})
		})
	}
}

// benchOps are the Store operations the deployment benchmarks compare,
// each on a key of its own per iteration where it must be.
func benchOps() []struct {
	name string
	run  func(ctx context.Context, s *redis.Store, i int64) error
} {
	return []struct {
		name string
		run  func(ctx context.Context, s *redis.Store, i int64) error
	}{
		{"get", func(ctx context.Context, s *redis.Store, _ int64) error { _, _, err := s.Get(ctx, "k"); return err }},
		{"put", func(ctx context.Context, s *redis.Store, _ int64) error {
			_, err := s.Put(ctx, "p", benchValue, time.Hour)
			return err
		}},
		{"incr", func(ctx context.Context, s *redis.Store, _ int64) error {
			_, err := s.Incr(ctx, "c", 1, time.Hour)
			return err
		}},
		{"put+consume", func(ctx context.Context, s *redis.Store, i int64) error {
			k := "once:" + strconv.FormatInt(i, 10)
			if _, err := s.Put(ctx, k, benchValue, time.Hour); err != nil {
				return err
			}
			_, err := s.Consume(ctx, k)
			return err
		}},
	}
}

// ratio runs op on raw and on full, interleaved (sigtest.Ratio), and
// reports full/raw and the round trips each made per iteration.
func ratio(b *testing.B, op func(ctx context.Context, s *redis.Store, i int64) error, raw, full *redis.Store, rawTrips, fullTrips *redistest.Trips) {
	ctx := context.Background()
	var i int64
	r0, f0 := rawTrips.Count(), fullTrips.Count()
	sigtest.Ratio(b,
		func(b *testing.B) {
			i++
			if err := op(ctx, raw, i); err != nil {
				b.Fatal(err)
			}
		},
		func(b *testing.B) {
			if err := op(ctx, full, i); err != nil {
				b.Fatal(err)
			}
		})
	b.ReportMetric(float64(rawTrips.Count()-r0)/float64(b.N), "raw-trips/op")
	b.ReportMetric(float64(fullTrips.Count()-f0)/float64(b.N), "full-trips/op")
}

// BenchmarkClusterVsSingle compares each operation on the shared 3+3
// Redis Cluster (through a ClusterClient, raw) with the same operation on
// one server (raw): x-median is cluster/single. Round trips are counted on
// the node clients, where they happen.
//
//	go test -run '^$' -bench ClusterVsSingle ./store/redis/
func BenchmarkClusterVsSingle(b *testing.B) {
	ctx := context.Background()
	single := redistest.Start(b).Client(b)
	singleTrips := &redistest.Trips{CountOnly: true}
	single.AddHook(singleTrips)
	cc := multi.Get(b).Client(b)
	clusterTrips := &redistest.Trips{CountOnly: true}
	cc.OnNewNode(func(c *goredis.Client) { c.AddHook(clusterTrips) })
	raw := newStoreWith(b, redis.Config{Client: single, Namespace: "bench"})
	full := newStoreWith(b, redis.Config{Client: cc, Namespace: "bench"})
	for _, s := range []*redis.Store{raw, full} {
		if err := s.LoadScripts(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Put(ctx, "k", benchValue, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	for _, op := range benchOps() {
		b.Run(op.name, func(b *testing.B) { ratio(b, op.run, raw, full, singleTrips, clusterTrips) })
	}
}

// BenchmarkWaitReplicas compares each operation with WaitReplicas 1 (full)
// against the same without (raw), on the shared 3+3 Redis Cluster whose
// replicas are on loopback: x-median is the cost of waiting for a replica
// that is a loopback hop away; a replica farther away adds its round trip.
//
//	go test -run '^$' -bench WaitReplicas ./store/redis/
func BenchmarkWaitReplicas(b *testing.B) {
	ctx := context.Background()
	cl := multi.Get(b)
	mk := func(wait int) (*redis.Store, *redistest.Trips) {
		cc := cl.Client(b)
		trips := &redistest.Trips{CountOnly: true}
		cc.OnNewNode(func(c *goredis.Client) { c.AddHook(trips) })
		s := newStoreWith(b, redis.Config{Client: cc, Namespace: "bench-wait", WaitReplicas: wait, WaitTimeout: time.Second})
		if err := s.LoadScripts(ctx); err != nil {
			b.Fatal(err)
		}
		return s, trips
	}
	raw, rawTrips := mk(0)
	full, fullTrips := mk(1)
	if _, err := full.Put(ctx, "k", benchValue, time.Hour); err != nil {
		b.Fatal(err)
	}
	for _, op := range benchOps() {
		b.Run(op.name, func(b *testing.B) { ratio(b, op.run, raw, full, rawTrips, fullTrips) })
	}
}
