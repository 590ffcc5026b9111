package revocation

import (
	"context"
	"fmt"
	"sync"
)

// flight runs at most one call per key at a time and lets any number of
// callers wait for its result (single-flight). The call runs in its own
// goroutine, detached from the callers: a caller that gives up (its context
// ends) does not cancel the download the others wait for.
type flight[T any] struct {
	mu sync.Mutex
	m  map[string]*call[T]
}

type call[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// spawner runs a function in a tracked goroutine, or reports false when
// the owner is closed.
type spawner func(func()) bool

// start returns the running call for key, or starts fn as a new one with
// spawn. If spawn refuses, the call fails with ErrClosed.
func (f *flight[T]) start(key string, spawn spawner, fn func() (T, error)) *call[T] {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.m[key]; ok {
		return c
	}
	c := &call[T]{done: make(chan struct{})}
	run := func() {
		defer func() {
			if r := recover(); r != nil {
				var zero T
				c.val, c.err = zero, fmt.Errorf("%w: internal error in a revocation fetch", ErrMalformed)
			}
			f.mu.Lock()
			delete(f.m, key)
			f.mu.Unlock()
			close(c.done)
		}()
		c.val, c.err = fn()
	}
	if f.m == nil {
		f.m = make(map[string]*call[T])
	}
	f.m[key] = c
	if !spawn(run) {
		delete(f.m, key)
		c.err = ErrClosed
		close(c.done)
	}
	return c
}

// wait returns the call's result, or the context's error if ctx ends first.
func (c *call[T]) wait(ctx context.Context) (T, error) {
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
