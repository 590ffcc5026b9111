package memory_test

import (
	"context"
	"errors"
	"runtime"
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
