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
