package passkeyredis_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

// BenchmarkLoopback puts each operation beside the raw go-redis command(s)
// it wraps, against the same private server over loopback, sequentially on
// one connection, so that the cost of the scripts, the record encoding and
// the parsing shows as a ratio:
//
//	go test -run '^$' -bench Loopback ./factors/passkey/passkeyredis/
//
// Each reports the round trips per operation (trips/op), counted by a
// client hook (a pipeline counts once).
func BenchmarkLoopback(b *testing.B) {
	srv := redistest.Start(b)
	opts := srv.Options()
	opts.PoolSize = 1
	client := goredis.NewClient(opts)
	b.Cleanup(func() { client.Close() })
	trips := &redistest.Trips{CountOnly: true}
	client.AddHook(trips)
	s := newCreds(b, client)
	ctx := context.Background()
	if err := s.LoadScripts(ctx); err != nil {
		b.Fatal(err)
	}
	for i := range 3 {
		if err := s.Add(ctx, passkeytest.Credential("alice", i)); err != nil {
			b.Fatal(err)
		}
	}
	c0 := passkeytest.Credential("alice", 0)
	rec, idx := s.RecordKey(c0.ID), s.IndexKey("alice")
	recPrefix := rec[:len(rec)-64] // <ns>:c:passkey:id:
	// go-redis sends one HELLO on a connection's first pipeline.
	if _, err := client.Pipelined(ctx, func(p goredis.Pipeliner) error { p.Ping(ctx); return nil }); err != nil {
		b.Fatal(err)
	}
	fields := []string{"f", "s", "d", "c", "b", "u"}
	hset := goredis.NewScript(`redis.call('HSET', KEYS[1], 'c', ARGV[1], 'b', ARGV[2], 'u', ARGV[3]) return 1`)
	if err := hset.Load(ctx, client).Err(); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var counter atomic.Uint32
	counter.Store(1)
	var n atomic.Int64

	run := func(name string, op func() error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			before := trips.Count()
			b.ResetTimer()
			for b.Loop() {
				if err := op(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(trips.Count()-before)/float64(b.N), "trips/op")
		})
	}
	run("Find", func() error { _, err := s.Find(ctx, c0.ID); return err })
	run("Find/raw-HMGET", func() error { return client.HMGet(ctx, rec, fields...).Err() })
	run("Update", func() error {
		return s.Update(ctx, c0.ID, passkey.Use{SignCount: counter.Add(1), At: at})
	})
	run("Update/raw-EVALSHA-HSET", func() error {
		return hset.EvalSha(ctx, client, []string{rec}, counter.Add(1), "0", "2026-03-01T10:00:00Z").Err()
	})
	run("List3", func() error { _, err := s.List(ctx, "alice"); return err })
	run("List3/raw-HKEYS+pipeline", func() error {
		names, err := client.HKeys(ctx, idx).Result()
		if err != nil {
			return err
		}
		_, err = client.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for _, name := range names {
				p.HMGet(ctx, recPrefix+name, fields...)
			}
			return nil
		})
		return err
	})
	run("Add", func() error {
		c := passkeytest.Credential("bob", 0)
		c.ID = fmt.Appendf(nil, "bench-%d", n.Add(1))
		return s.Add(ctx, c)
	})
	run("Add/raw-HINCRBY+HSET", func() error {
		id := fmt.Sprintf("raw-%d", n.Add(1))
		if err := client.HIncrBy(ctx, idx+"-raw", id, 1).Err(); err != nil {
			return err
		}
		return client.HSet(ctx, rec+"-"+id, "f", "1", "s", "bob", "d", "{}", "c", "0", "b", "0", "u", "").Err()
	})
}
