package fakeclock_test

import (
	"testing"
	"time"

	"github.com/strongauth/strongauth/internal/fakeclock"
)

func TestStoppedAndRunning(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	c := fakeclock.New(t0)
	time.Sleep(2 * time.Millisecond)
	if !c.Now().Equal(t0) {
		t.Fatalf("a stopped clock moved: %v", c.Now())
	}
	c.Advance(time.Minute)
	if !c.Now().Equal(t0.Add(time.Minute)) {
		t.Fatalf("Advance: %v", c.Now())
	}

	r := fakeclock.Running()
	a := r.Now()
	time.Sleep(2 * time.Millisecond)
	if b := r.Now(); !b.After(a) {
		t.Fatalf("a running clock stood still: %v then %v", a, b)
	}
	r.Advance(time.Hour)
	if d := r.Now().Sub(time.Now()); d < 59*time.Minute || d > 61*time.Minute {
		t.Fatalf("running clock after Advance(1h) is %v from now", d)
	}
	r.Set(t0)
	if d := r.Now().Sub(t0); d < 0 || d > time.Minute {
		t.Fatalf("running clock after Set is %v from the set time", d)
	}
}
