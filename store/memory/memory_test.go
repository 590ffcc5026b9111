package memory_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/memory"
	"github.com/strongauth/strongauth/store/storetest"
)

func TestConformance(t *testing.T) {
	var clock *fakeclock.Clock
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) store.Store {
			clock = fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			s := memory.New(memory.Config{Now: clock.Now})
			t.Cleanup(func() { s.Close() })
			return s
		},
		Advance: func(t *testing.T, d time.Duration) { clock.Advance(d) },
	})
}

func TestSweepFreesExpiredEntries(t *testing.T) {
	clock := fakeclock.New(time.Unix(0, 0))
	s := memory.New(memory.Config{Now: clock.Now, SweepInterval: -1})
	defer s.Close()
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		if _, err := s.Put(ctx, k, []byte(k), time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Put(ctx, "keep", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Second)
	s.Sweep()
	if n := s.Len(); n != 1 {
		t.Fatalf("Len after sweep = %d, want 1", n)
	}
}

func TestCloseStopsJanitorAndRefusesUse(t *testing.T) {
	before := runtime.NumGoroutine()
	s := memory.New(memory.Config{SweepInterval: time.Millisecond})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(context.Background(), "k", nil, time.Second); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Put after Close = %v, want ErrClosed", err)
	}
	// The janitor has returned when Close returns.
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines: %d before, %d after Close", before, after)
	}
}

func BenchmarkConsume(b *testing.B) {
	s := memory.New(memory.Config{SweepInterval: -1})
	defer s.Close()
	ctx := context.Background()
	v := []byte("0123456789abcdef0123456789abcdef")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Put(ctx, "k", v, time.Minute); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Consume(ctx, "k"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetDuringSweep measures the latency of single Gets on a store of
// 1 M live entries, first idle and then while sweeps run back to back in
// another goroutine, and reports the 99th percentile of each and their
// ratio (p99-sweep/idle; the goal is at most 2). Each b.N iteration is one
// Get of each phase.
func BenchmarkGetDuringSweep(b *testing.B) {
	const entries = 1 << 20
	s := memory.New(memory.Config{SweepInterval: -1})
	defer s.Close()
	ctx := context.Background()
	keys := make([]string, entries)
	v := []byte("0123456789abcdef0123456789abcdef")
	for i := range keys {
		keys[i] = fmt.Sprintf("sa:flow:%032x", i)
		if _, err := s.Put(ctx, keys[i], v, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	get := func(i int) time.Duration {
		t0 := time.Now()
		if _, _, err := s.Get(ctx, keys[(i*7919)%entries]); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	runtime.GC()
	var idle, sweep []time.Duration
	var sweeps atomic.Int64
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		idle = append(idle, get(i))
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			default:
				s.Sweep()
				sweeps.Add(1)
			}
		}
	}()
	for i := range len(idle) {
		sweep = append(sweep, get(i))
	}
	close(done)
	<-stopped
	slices.Sort(idle)
	slices.Sort(sweep)
	p99 := func(d []time.Duration) float64 { return float64(d[len(d)*99/100]) }
	pi, ps := p99(idle), p99(sweep)
	b.ReportMetric(float64(sweep[len(sweep)*999/1000]), "p99.9-sweep-ns")
	b.ReportMetric(pi, "p99-idle-ns")
	b.ReportMetric(ps, "p99-sweep-ns")
	b.ReportMetric(ps/pi, "p99-sweep/idle")
	b.ReportMetric(float64(sweeps.Load()), "sweeps")
}

// A key rewritten in place (its buffer reused) never changes a value the
// store handed out earlier: Get returns copies, Consume a value whose entry
// is gone, and the caller's buffer is copied on the way in.
func TestRewriteLeavesReturnedValuesAlone(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.Config{SweepInterval: -1})
	defer s.Close()
	in := []byte("first value, long enough")
	v, err := s.Put(ctx, "k", in, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	in[0] = 'X' // the store kept its own copy
	got, _, err := s.Get(ctx, "k")
	if err != nil || string(got) != "first value, long enough" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if _, err := s.CompareAndSwap(ctx, "k", v, []byte("second"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if string(got) != "first value, long enough" {
		t.Fatalf("an earlier Get's value changed to %q", got)
	}
	consumed, err := s.Consume(ctx, "k")
	if err != nil || string(consumed) != "second" {
		t.Fatalf("Consume = %q, %v", consumed, err)
	}
	if _, err := s.Put(ctx, "k", []byte("third!"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if string(consumed) != "second" {
		t.Fatalf("a consumed value changed to %q", consumed)
	}
	// A counter overwritten by a value is a value, and the reverse is refused.
	if _, err := s.Incr(ctx, "c", 5, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "c", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incr(ctx, "c", 1, time.Minute); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Incr on a value: %v", err)
	}
}
