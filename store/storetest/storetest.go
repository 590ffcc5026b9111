// Package storetest is a conformance kit for implementations of the
// strongauth storage contract, in the manner of testing/slogtest: every
// backend (the embedded memory store, Redis, a host's own) must pass Run.
//
// The kit checks round trips, expiry (through the harness's Advance, so that
// a backend with a fake clock needs no sleeping), idempotent delete,
// compare-and-swap conflicts, consume-once with 100 goroutines racing (exactly
// one wins), counters under concurrency and the argument checks.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strongauth/strongauth/store"
)

// Harness tells the kit how to make and age a backend.
type Harness struct {
	// New returns a fresh, empty store. Keys of different calls must not
	// collide (a shared server can use a random prefix per call).
	New func(t *testing.T) store.Store
	// Advance moves the backend's clock forward by d: a fake clock's
	// Advance, or time.Sleep for a backend that expires by real time.
	Advance func(t *testing.T, d time.Duration)
	// TTL is the lifetime the kit gives entries that it lets expire; it must
	// be long enough for a few operations to run before it passes. Zero means
	// one minute (right for fake clocks); real-time backends use e.g. 300ms.
	TTL time.Duration
}

// Racers is how many goroutines race in the concurrency checks.
const Racers = 100

// Run runs the conformance kit as subtests of t.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil || h.Advance == nil {
		t.Fatal("storetest: Harness.New and Harness.Advance are required")
	}
	ttl := h.TTL
	if ttl == 0 {
		ttl = time.Minute
	}
	ctx := context.Background()
	long := time.Hour

	t.Run("PutGet", func(t *testing.T) {
		s := h.New(t)
		if _, _, err := s.Get(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
		}
		v1, err := s.Put(ctx, "k", []byte("one"), long)
		must(t, err)
		got, ver, err := s.Get(ctx, "k")
		must(t, err)
		if !bytes.Equal(got, []byte("one")) || ver != v1 || ver == 0 {
			t.Fatalf("Get = %q v%d, want %q v%d (non-zero)", got, ver, "one", v1)
		}
		got[0] = 'X' // the caller owns what it got
		v2, err := s.Put(ctx, "k", []byte("two"), long)
		must(t, err)
		if v2 <= v1 {
			t.Fatalf("versions must increase: %d then %d", v1, v2)
		}
		got, _, err = s.Get(ctx, "k")
		must(t, err)
		if string(got) != "two" {
			t.Fatalf("Get after overwrite = %q", got)
		}
		_, err = s.Put(ctx, "empty", nil, long)
		must(t, err)
		got, _, err = s.Get(ctx, "empty")
		must(t, err)
		if len(got) != 0 {
			t.Fatalf("empty value came back as %q", got)
		}
		bin := []byte{0, 1, 2, 0xff, '\n', 0}
		_, err = s.Put(ctx, "bin", bin, long)
		must(t, err)
		got, _, err = s.Get(ctx, "bin")
		must(t, err)
		if !bytes.Equal(got, bin) {
			t.Fatalf("binary value changed: %x", got)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		s := h.New(t)
		_, err := s.Put(ctx, "short", []byte("x"), ttl)
		must(t, err)
		_, err = s.Put(ctx, "long", []byte("y"), long)
		must(t, err)
		_, err = s.Incr(ctx, "ctr", 1, ttl)
		must(t, err)
		_, err = s.CompareAndSwap(ctx, "cas", 0, []byte("z"), ttl)
		must(t, err)
		h.Advance(t, ttl+ttl/2)
		if _, _, err := s.Get(ctx, "short"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get after expiry = %v, want ErrNotFound", err)
		}
		if _, err := s.Consume(ctx, "short"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Consume after expiry = %v, want ErrNotFound", err)
		}
		if _, _, err := s.Get(ctx, "long"); err != nil {
			t.Fatalf("long-lived entry expired early: %v", err)
		}
		n, err := s.Incr(ctx, "ctr", 0, ttl)
		must(t, err)
		if n != 0 {
			t.Fatalf("counter after expiry = %d, want 0", n)
		}
		n, err = s.Incr(ctx, "ctr", 1, ttl)
		must(t, err)
		if n != 1 {
			t.Fatalf("counter restarted at %d, want 1", n)
		}
		// An expired key counts as absent for compare-and-swap.
		if _, err := s.CompareAndSwap(ctx, "cas", 0, []byte("again"), long); err != nil {
			t.Fatalf("CAS(0) on an expired key = %v, want success", err)
		}
	})

	t.Run("CounterWindowIsFixed", func(t *testing.T) {
		s := h.New(t)
		_, err := s.Incr(ctx, "w", 1, ttl)
		must(t, err)
		h.Advance(t, ttl/2)
		_, err = s.Incr(ctx, "w", 1, ttl) // must not extend the window
		must(t, err)
		h.Advance(t, ttl/2+ttl/4)
		n, err := s.Incr(ctx, "w", 0, ttl)
		must(t, err)
		if n != 0 {
			t.Fatalf("counter survived its window (%d): increments must not extend the TTL", n)
		}
	})

	t.Run("DeleteIsIdempotent", func(t *testing.T) {
		s := h.New(t)
		must(t, s.Delete(ctx, "never"))
		_, err := s.Put(ctx, "k", []byte("v"), long)
		must(t, err)
		must(t, s.Delete(ctx, "k"))
		must(t, s.Delete(ctx, "k"))
		if _, _, err := s.Get(ctx, "k"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get after Delete = %v, want ErrNotFound", err)
		}
	})

	t.Run("CompareAndSwap", func(t *testing.T) {
		s := h.New(t)
		v1, err := s.CompareAndSwap(ctx, "k", 0, []byte("a"), long)
		must(t, err)
		if v1 == 0 {
			t.Fatal("CAS returned version 0")
		}
		if _, err := s.CompareAndSwap(ctx, "k", 0, []byte("b"), long); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("CAS(0) on an existing key = %v, want ErrConflict", err)
		}
		if _, err := s.CompareAndSwap(ctx, "k", v1+7, []byte("b"), long); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("CAS with a wrong version = %v, want ErrConflict", err)
		}
		v2, err := s.CompareAndSwap(ctx, "k", v1, []byte("b"), long)
		must(t, err)
		if v2 <= v1 {
			t.Fatalf("CAS version did not increase: %d -> %d", v1, v2)
		}
		if _, err := s.CompareAndSwap(ctx, "k", v1, []byte("c"), long); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("CAS with a stale version = %v, want ErrConflict", err)
		}
		got, ver, err := s.Get(ctx, "k")
		must(t, err)
		if string(got) != "b" || ver != v2 {
			t.Fatalf("after CAS: %q v%d, want %q v%d", got, ver, "b", v2)
		}
		if _, err := s.CompareAndSwap(ctx, "absent", 3, []byte("x"), long); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("CAS(3) on an absent key = %v, want ErrConflict", err)
		}
	})

	t.Run("CompareAndSwapRace", func(t *testing.T) {
		s := h.New(t)
		v, err := s.Put(ctx, "k", []byte("start"), long)
		must(t, err)
		var wins atomic.Int32
		race(t, func(i int) error {
			_, err := s.CompareAndSwap(ctx, "k", v, []byte(fmt.Sprint(i)), long)
			if err == nil {
				wins.Add(1)
				return nil
			}
			if errors.Is(err, store.ErrConflict) {
				return nil
			}
			return err
		})
		if n := wins.Load(); n != 1 {
			t.Fatalf("%d of %d racing compare-and-swaps won, want exactly 1", n, Racers)
		}
	})

	t.Run("ConsumeOnce", func(t *testing.T) {
		s := h.New(t)
		_, err := s.Put(ctx, "k", []byte("secret"), long)
		must(t, err)
		got, err := s.Consume(ctx, "k")
		must(t, err)
		if string(got) != "secret" {
			t.Fatalf("Consume = %q", got)
		}
		if _, err := s.Consume(ctx, "k"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second Consume = %v, want ErrNotFound", err)
		}
		if _, _, err := s.Get(ctx, "k"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get after Consume = %v, want ErrNotFound", err)
		}
	})

	t.Run("ConsumeRace", func(t *testing.T) {
		s := h.New(t)
		for round := 0; round < 3; round++ {
			key := fmt.Sprintf("once-%d", round)
			_, err := s.Put(ctx, key, []byte("code"), long)
			must(t, err)
			var wins atomic.Int32
			race(t, func(int) error {
				v, err := s.Consume(ctx, key)
				if err == nil {
					if string(v) != "code" {
						return fmt.Errorf("consumed %q", v)
					}
					wins.Add(1)
					return nil
				}
				if errors.Is(err, store.ErrNotFound) {
					return nil
				}
				return err
			})
			if n := wins.Load(); n != 1 {
				t.Fatalf("round %d: %d of %d racing consumers won, want exactly 1", round, n, Racers)
			}
		}
	})

	t.Run("CounterRace", func(t *testing.T) {
		s := h.New(t)
		seen := make([]atomic.Bool, Racers+1)
		race(t, func(int) error {
			n, err := s.Incr(ctx, "ctr", 1, long)
			if err != nil {
				return err
			}
			if n < 1 || n > Racers {
				return fmt.Errorf("counter value %d out of range", n)
			}
			if seen[n].Swap(true) {
				return fmt.Errorf("counter value %d returned twice", n)
			}
			return nil
		})
		n, err := s.Incr(ctx, "ctr", 0, long)
		must(t, err)
		if n != Racers {
			t.Fatalf("counter = %d after %d increments", n, Racers)
		}
		n, err = s.Incr(ctx, "ctr", -5, long)
		must(t, err)
		if n != Racers-5 {
			t.Fatalf("Incr(-5) = %d", n)
		}
	})

	t.Run("InvalidArguments", func(t *testing.T) {
		s := h.New(t)
		if _, err := s.Put(ctx, "", []byte("v"), long); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("Put with empty key = %v, want ErrInvalid", err)
		}
		if _, err := s.Put(ctx, "k", []byte("v"), 0); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("Put with zero TTL = %v, want ErrInvalid", err)
		}
		if _, err := s.CompareAndSwap(ctx, "k", 0, []byte("v"), -time.Second); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("CAS with negative TTL = %v, want ErrInvalid", err)
		}
		if _, err := s.Incr(ctx, "k", 1, 0); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("Incr with zero TTL = %v, want ErrInvalid", err)
		}
		if _, err := s.Consume(ctx, ""); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("Consume with empty key = %v, want ErrInvalid", err)
		}
	})

	t.Run("CancelledContext", func(t *testing.T) {
		s := h.New(t)
		_, err := s.Put(ctx, "k", []byte("v"), long)
		must(t, err)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Consume(cctx, "k"); err == nil {
			t.Fatal("Consume with a cancelled context succeeded")
		}
		if _, _, err := s.Get(ctx, "k"); err != nil {
			t.Fatalf("a cancelled Consume must not consume: %v", err)
		}
	})
}

// race runs fn in Racers goroutines released at once and fails t on any
// error they return.
func race(t *testing.T, fn func(i int) error) {
	t.Helper()
	Race(t, Racers, fn)
}

// Race runs fn in n goroutines released at once, waits for all of them and
// fails t on any error they return. Conformance kits of other stores use it
// for their "exactly one wins" checks.
func Race(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	var (
		start = make(chan struct{})
		wg    sync.WaitGroup
		errs  = make(chan error, n)
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			if err := fn(i); err != nil {
				errs <- err
			}
		}(i)
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
