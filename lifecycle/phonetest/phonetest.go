// Package phonetest is a conformance kit for lifecycle.PhoneStore
// implementations: lifecycle.MemoryPhones and lifecycle/phonepg pass it.
//
// It checks the empty account (lifecycle.ErrNoPhone), binding and
// rebinding with the history kept newest first, the optimistic check on
// the previous number (lifecycle.ErrConflict, nothing changed), accounts
// kept apart, and 50 racing rebinds from one number of which exactly one
// wins.
package phonetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strongauth/strongauth/lifecycle"
)

// Racers is how many goroutines race.
const Racers = 50

// Run runs the kit as subtests of t; newStore returns a fresh, empty store.
func Run(t *testing.T, newStore func(t *testing.T) lifecycle.PhoneStore) {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	bind := func(subject, phone, previous string, at time.Time) lifecycle.Binding {
		return lifecycle.Binding{Subject: subject, Phone: phone, Previous: previous, BoundAt: at, UsableAt: at.Add(24 * time.Hour)}
	}

	t.Run("Empty", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Current(ctx, "alice"); !errors.Is(err, lifecycle.ErrNoPhone) {
			t.Fatalf("Current of an account without a number = %v, want ErrNoPhone", err)
		}
		h, err := s.History(ctx, "alice")
		if err != nil || len(h) != 0 {
			t.Fatalf("History = %v, %v", h, err)
		}
	})

	t.Run("BindAndHistory", func(t *testing.T) {
		s := newStore(t)
		must(t, s.Bind(ctx, bind("alice", "+77015550123", "", t0)))
		must(t, s.Bind(ctx, bind("bob", "+77075550012", "", t0)))
		must(t, s.Bind(ctx, bind("alice", "+77025550459", "+77015550123", t0.Add(time.Hour))))
		cur, err := s.Current(ctx, "alice")
		must(t, err)
		if cur.Phone != "+77025550459" || cur.Previous != "+77015550123" || !cur.BoundAt.Equal(t0.Add(time.Hour)) ||
			!cur.UsableAt.Equal(t0.Add(25*time.Hour)) || !cur.UnboundAt.IsZero() || cur.Subject != "alice" {
			t.Fatalf("Current = %+v", cur)
		}
		h, err := s.History(ctx, "alice")
		must(t, err)
		if len(h) != 2 || h[0].Phone != "+77025550459" || h[1].Phone != "+77015550123" || !h[1].UnboundAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("History = %+v", h)
		}
		if b, _ := s.Current(ctx, "bob"); b.Phone != "+77075550012" {
			t.Fatalf("bob's number = %q", b.Phone)
		}
	})

	t.Run("Conflict", func(t *testing.T) {
		s := newStore(t)
		must(t, s.Bind(ctx, bind("alice", "+77015550123", "", t0)))
		for _, prev := range []string{"", "+77000000000"} {
			if err := s.Bind(ctx, bind("alice", "+77025550459", prev, t0.Add(time.Hour))); !errors.Is(err, lifecycle.ErrConflict) {
				t.Fatalf("Bind with previous %q = %v, want ErrConflict", prev, err)
			}
		}
		h, err := s.History(ctx, "alice")
		must(t, err)
		if len(h) != 1 || h[0].Phone != "+77015550123" || !h[0].UnboundAt.IsZero() {
			t.Fatalf("a refused Bind changed the history: %+v", h)
		}
	})

	t.Run("RaceFromOneNumber", func(t *testing.T) {
		s := newStore(t)
		must(t, s.Bind(ctx, bind("alice", "+77015550123", "", t0)))
		race(t, func(i int) error {
			return s.Bind(ctx, bind("alice", fmt.Sprintf("+7701%07d", 1000000+i), "+77015550123", t0.Add(time.Hour)))
		})
		h, err := s.History(ctx, "alice")
		must(t, err)
		if len(h) != 2 {
			t.Fatalf("%d bindings after racing rebinds, want 2", len(h))
		}
	})

	t.Run("RaceFirstNumber", func(t *testing.T) {
		s := newStore(t)
		race(t, func(i int) error {
			return s.Bind(ctx, bind("alice", fmt.Sprintf("+7701%07d", 1000000+i), "", t0))
		})
	})
}

// race runs fn in Racers goroutines; exactly one must succeed, the others
// fail with ErrConflict.
func race(t *testing.T, fn func(i int) error) {
	t.Helper()
	var ok atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range Racers {
		wg.Go(func() {
			<-start
			err := fn(i)
			switch {
			case err == nil:
				ok.Add(1)
			case !errors.Is(err, lifecycle.ErrConflict):
				t.Errorf("Bind: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d of %d racing Binds won, want 1", ok.Load(), Racers)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
