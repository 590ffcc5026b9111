package qrredis_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/strongauth/strongauth/store/redis/redistest"
)

// BenchmarkLoopback puts each operation beside the raw go-redis commands
// it wraps, against the same private server over loopback, sequentially on
// one connection, so that the cost of the scripts, the record encoding and
// the parsing shows as a ratio:
//
//	go test -run '^$' -bench Loopback ./factors/qr/qrredis/
//
// Each reports its round trips per operation (trips/op).
func BenchmarkLoopback(b *testing.B) {
	srv := redistest.Start(b)
	opts := srv.Options()
	opts.PoolSize = 1
	client := goredis.NewClient(opts)
	b.Cleanup(func() { client.Close() })
	trips := &redistest.Trips{CountOnly: true}
	client.AddHook(trips)
	s := newDevices(b, client)
	ctx := context.Background()
	if err := s.LoadScripts(ctx); err != nil {
		b.Fatal(err)
	}
	d := device(b, "alice", 0)
	for i := range 3 {
		dd := device(b, "alice", i)
		if i == 0 {
			dd = d
		}
		if err := s.Add(ctx, dd, 0); err != nil {
			b.Fatal(err)
		}
	}
	claim, sub := s.ClaimKey(d.ID), s.SubjectKey("alice")
	name := claim[len(claim)-64:]
	touch := goredis.NewScript(`redis.call('HSET', KEYS[1], 'u:' .. ARGV[1], ARGV[2]) return 1`)
	if err := touch.Load(ctx, client).Err(); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	run := func(label string, op func() error) {
		b.Run(label, func(b *testing.B) {
			b.ReportAllocs()
			before := trips.Count()
			for b.Loop() {
				if err := op(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(trips.Count()-before)/float64(b.N), "trips/op")
		})
	}
	run("Get", func() error { _, err := s.Get(ctx, d.ID); return err })
	run("Get/raw-GET+HMGET", func() error {
		if err := client.Get(ctx, claim).Err(); err != nil {
			return err
		}
		return client.HMGet(ctx, sub, "d:"+name, "s:"+name, "t:"+name, "u:"+name).Err()
	})
	run("Touch", func() error { return s.Touch(ctx, d.ID, t0.Add(time.Duration(n.Add(1)))) })
	run("Touch/raw-GET+EVALSHA", func() error {
		if err := client.Get(ctx, claim).Err(); err != nil {
			return err
		}
		return touch.EvalSha(ctx, client, []string{sub}, name, "2026-03-01T10:00:00.000000000Z").Err()
	})
	run("List3", func() error { _, err := s.List(ctx, "alice"); return err })
	run("List3/raw-HGETALL", func() error { return client.HGetAll(ctx, sub).Err() })
	tmpl := device(b, "bob", 0)
	run("Add", func() error {
		dd := tmpl // one key: a subject and an ID per operation
		i := n.Add(1)
		dd.ID, dd.Subject = fmt.Sprintf("bench-%d", i), fmt.Sprintf("bob-%d", i)
		return s.Add(ctx, dd, 0)
	})
	run("Add/raw-SETNX+HSET", func() error {
		i := n.Add(1)
		c := fmt.Sprintf("%s-raw-%d", claim, i)
		if err := client.SetNX(ctx, c, "bob", 0).Err(); err != nil {
			return err
		}
		return client.HSet(ctx, fmt.Sprintf("%s-raw-%d", sub, i), "n", "1", "c", "1", "d:"+name, "{}", "s:"+name, "1", "t:"+name, "x", "u:"+name, "", "k:x", name).Err()
	})
}
