// Package memory is the embedded, in-process implementation of the strongauth
// storage contract (package store). It is the default for a single instance:
// concurrency-safe, expiring entries by the configured clock, and a single
// janitor goroutine that Close stops.
//
// A service that runs several instances must share state through a shared
// backend instead (store/redis); otherwise a one-time code could be used once
// per instance.
package memory

import (
	"context"
	"sync"
	"time"

	"github.com/strongauth/strongauth/store"
)

// Config configures a Store. The zero value is ready to use.
type Config struct {
	// Now is the clock that decides expiry. Nil means time.Now.
	Now func() time.Time
	// SweepInterval is how often expired entries are removed from memory.
	// Expired entries are never returned even before they are swept.
	// Zero means one minute; a negative value disables the janitor.
	SweepInterval time.Duration
}

type entry struct {
	value   []byte
	counter int64
	version uint64
	expires time.Time
}

// Store is an in-memory store.Store.
type Store struct {
	now func() time.Time

	mu      sync.Mutex
	m       map[string]*entry
	closed  bool
	stop    chan struct{}
	stopped sync.WaitGroup
}

var _ store.Store = (*Store)(nil)

// New returns an in-memory store. Call Close to stop its janitor.
func New(cfg Config) *Store {
	s := &Store{now: cfg.Now, m: make(map[string]*entry), stop: make(chan struct{})}
	if s.now == nil {
		s.now = time.Now
	}
	interval := cfg.SweepInterval
	if interval == 0 {
		interval = time.Minute
	}
	if interval > 0 {
		s.stopped.Add(1)
		go s.janitor(interval)
	}
	return s
}

func (s *Store) janitor(interval time.Duration) {
	defer s.stopped.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.Sweep()
		}
	}
}

// Sweep removes expired entries now.
func (s *Store) Sweep() {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.m {
		if !now.Before(e.expires) {
			delete(s.m, k)
		}
	}
}

// Len reports how many live (unexpired) entries the store holds.
func (s *Store) Len() int {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.m {
		if now.Before(e.expires) {
			n++
		}
	}
	return n
}

// Close stops the janitor and makes every later operation fail with
// store.ErrClosed. It is safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.stop)
	}
	s.mu.Unlock()
	s.stopped.Wait()
	return nil
}

// lookup returns the live entry under key; the caller holds s.mu.
func (s *Store) lookup(key string, now time.Time) *entry {
	e := s.m[key]
	if e == nil {
		return nil
	}
	if !now.Before(e.expires) {
		delete(s.m, key)
		return nil
	}
	return e
}

// begin validates arguments and locks the store; on success the caller must
// call s.mu.Unlock.
func (s *Store) begin(ctx context.Context, key string, ttl time.Duration, needTTL bool) error {
	if err := store.CheckArgs(key, ttl, needTTL); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return store.ErrClosed
	}
	return nil
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	if err := s.begin(ctx, key, 0, false); err != nil {
		return nil, 0, err
	}
	defer s.mu.Unlock()
	e := s.lookup(key, s.now())
	if e == nil || e.value == nil {
		return nil, 0, store.ErrNotFound
	}
	return clone(e.value), e.version, nil
}

// Put implements store.Store.
func (s *Store) Put(ctx context.Context, key string, value []byte, ttl time.Duration) (uint64, error) {
	if err := s.begin(ctx, key, ttl, true); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	now := s.now()
	var v uint64 = 1
	if e := s.lookup(key, now); e != nil {
		v = e.version + 1
	}
	s.m[key] = &entry{value: clone(value), version: v, expires: now.Add(ttl)}
	return v, nil
}

// CompareAndSwap implements store.Store.
func (s *Store) CompareAndSwap(ctx context.Context, key string, old uint64, value []byte, ttl time.Duration) (uint64, error) {
	if err := s.begin(ctx, key, ttl, true); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	now := s.now()
	var cur uint64
	if e := s.lookup(key, now); e != nil {
		cur = e.version
	}
	if cur != old {
		return 0, store.ErrConflict
	}
	v := cur + 1
	s.m[key] = &entry{value: clone(value), version: v, expires: now.Add(ttl)}
	return v, nil
}

// Consume implements store.Store.
func (s *Store) Consume(ctx context.Context, key string) ([]byte, error) {
	if err := s.begin(ctx, key, 0, false); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	e := s.lookup(key, s.now())
	if e == nil || e.value == nil {
		return nil, store.ErrNotFound
	}
	delete(s.m, key)
	return e.value, nil
}

// Incr implements store.Store.
func (s *Store) Incr(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	if err := s.begin(ctx, key, ttl, delta != 0); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	now := s.now()
	e := s.lookup(key, now)
	if e != nil && e.value != nil {
		return 0, store.ErrConflict // a value, not a counter
	}
	if delta == 0 {
		if e == nil {
			return 0, nil
		}
		return e.counter, nil
	}
	if e == nil {
		e = &entry{expires: now.Add(ttl)}
		s.m[key] = e
	}
	e.counter += delta
	e.version++
	return e.counter, nil
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.begin(ctx, key, 0, false); err != nil {
		return err
	}
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

func clone(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return append(make([]byte, 0, len(b)), b...)
}
