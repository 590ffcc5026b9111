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

// start returns the running call for key, or starts fn as a new one
// (tracked by wg) and reports started.
func (f *flight[T]) start(key string, wg *sync.WaitGroup, fn func() (T, error)) (c *call[T], started bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.m[key]; ok {
		return c, false
	}
	if f.m == nil {
		f.m = make(map[string]*call[T])
	}
	c = &call[T]{done: make(chan struct{})}
	f.m[key] = c
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer func() {
			if r := recover(); r != nil {
				c.err = fmt.Errorf("%w: internal error in a revocation fetch", ErrMalformed)
			}
			f.mu.Lock()
			delete(f.m, key)
			f.mu.Unlock()
			close(c.done)
		}()
		c.val, c.err = fn()
	}()
	return c, true
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
