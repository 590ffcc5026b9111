// Package fakeclock is a settable clock for tests: its Now method can be
// passed wherever strongauth takes a `func() time.Time`.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a manually advanced clock, safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	t       time.Time
	running bool      // Now adds the real time elapsed since started
	started time.Time // monotonic reading taken when t was last set
}

// New returns a clock stopped at t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Running returns a clock that follows the real time from now on and can
// still be moved: for tests where another process (a phone simulator, a
// browser) signs with its own real clock while the test jumps ahead to
// show expiry.
func Running() *Clock {
	now := time.Now()
	return &Clock{t: now.UTC().Round(0), running: true, started: now}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return c.t.Add(time.Since(c.started))
	}
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t (a running clock goes on from there).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.started = time.Now()
	c.mu.Unlock()
}
