// Package memory is the embedded, in-process implementation of the strongauth
// storage contract (package store). It is the default for a single instance:
// concurrency-safe, expiring entries by the configured clock, and a single
// janitor goroutine that Close stops.
//
// The store is split into independently locked shards by a seeded hash of
// the key. Every operation locks only its key's shard, and the janitor's
// sweep holds one shard at a time, so expiry never stalls every request:
// with a million entries a Get during a sweep waits for at most one
// shard's scan (BenchmarkGetDuringSweep reports its p99 beside the idle
// p99).
//
// A service that runs several instances must share state through a shared
// backend instead (store/redis); otherwise a one-time code could be used once
// per instance.
package memory

import (
	"context"
	"hash/maphash"
	"runtime"
	"sync"
	"sync/atomic"
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

// shards is the number of independently locked parts of a store: a key's
// operations lock only its shard, and Sweep holds one shard at a time, so
// that removing expired entries never stalls every request at once (with
// a million entries a shard holds about 2 000).
const shards = 512

type shard struct {
	mu sync.Mutex
	m  map[string]*entry
	_  [48]byte // keeps neighbouring shards' locks off one cache line
}

// Store is an in-memory store.Store.
type Store struct {
	now    func() time.Time
	seed   maphash.Seed
	shards [shards]shard

	closed  atomic.Bool
	once    sync.Once
	stop    chan struct{}
	stopped sync.WaitGroup
}

var _ store.Store = (*Store)(nil)

// New returns an in-memory store. Call Close to stop its janitor.
func New(cfg Config) *Store {
	s := &Store{now: cfg.Now, seed: maphash.MakeSeed(), stop: make(chan struct{})}
	for i := range s.shards {
		s.shards[i].m = make(map[string]*entry)
	}
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

// Sweep removes expired entries now. It locks one shard at a time and lets
// other goroutines run between shards: operations on other keys go on
// while it works.
func (s *Store) Sweep() {
	for i := range s.shards {
		sh := &s.shards[i]
		now := s.now()
		sh.mu.Lock()
		for k, e := range sh.m {
			if !now.Before(e.expires) {
				delete(sh.m, k)
			}
		}
		sh.mu.Unlock()
		runtime.Gosched()
	}
}

// Len reports how many live (unexpired) entries the store holds.
func (s *Store) Len() int {
	now := s.now()
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for _, e := range sh.m {
			if now.Before(e.expires) {
				n++
			}
		}
		sh.mu.Unlock()
	}
	return n
}

// Close stops the janitor and makes every later operation fail with
// store.ErrClosed. It is safe to call more than once.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		close(s.stop)
	})
	s.stopped.Wait()
	return nil
}

// lookup returns the live entry under key; the caller holds sh.mu.
func (sh *shard) lookup(key string, now time.Time) *entry {
	e := sh.m[key]
	if e == nil {
		return nil
	}
	if !now.Before(e.expires) {
		delete(sh.m, key)
		return nil
	}
	return e
}

// begin validates arguments and locks key's shard; on success the caller
// must unlock it.
func (s *Store) begin(ctx context.Context, key string, ttl time.Duration, needTTL bool) (*shard, error) {
	if err := store.CheckArgs(key, ttl, needTTL); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	sh := &s.shards[maphash.String(s.seed, key)%shards]
	sh.mu.Lock()
	return sh, nil
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	sh, err := s.begin(ctx, key, 0, false)
	if err != nil {
		return nil, 0, err
	}
	defer sh.mu.Unlock()
	e := sh.lookup(key, s.now())
	if e == nil || e.value == nil {
		return nil, 0, store.ErrNotFound
	}
	return clone(e.value), e.version, nil
}

// Put implements store.Store.
func (s *Store) Put(ctx context.Context, key string, value []byte, ttl time.Duration) (uint64, error) {
	sh, err := s.begin(ctx, key, ttl, true)
	if err != nil {
		return 0, err
	}
	defer sh.mu.Unlock()
	now := s.now()
	e := sh.lookup(key, now)
	var v uint64 = 1
	if e != nil {
		v = e.version + 1
	}
	sh.set(key, e, value, v, now.Add(ttl))
	return v, nil
}

// CompareAndSwap implements store.Store.
func (s *Store) CompareAndSwap(ctx context.Context, key string, old uint64, value []byte, ttl time.Duration) (uint64, error) {
	sh, err := s.begin(ctx, key, ttl, true)
	if err != nil {
		return 0, err
	}
	defer sh.mu.Unlock()
	now := s.now()
	e := sh.lookup(key, now)
	var cur uint64
	if e != nil {
		cur = e.version
	}
	if cur != old {
		return 0, store.ErrConflict
	}
	v := cur + 1
	sh.set(key, e, value, v, now.Add(ttl))
	return v, nil
}

// Consume implements store.Store.
func (s *Store) Consume(ctx context.Context, key string) ([]byte, error) {
	sh, err := s.begin(ctx, key, 0, false)
	if err != nil {
		return nil, err
	}
	defer sh.mu.Unlock()
	e := sh.lookup(key, s.now())
	if e == nil || e.value == nil {
		return nil, store.ErrNotFound
	}
	delete(sh.m, key)
	return e.value, nil
}

// Incr implements store.Store.
func (s *Store) Incr(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	sh, err := s.begin(ctx, key, ttl, delta != 0)
	if err != nil {
		return 0, err
	}
	defer sh.mu.Unlock()
	now := s.now()
	e := sh.lookup(key, now)
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
		sh.m[key] = e
	}
	e.counter += delta
	e.version++
	return e.counter, nil
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	sh, err := s.begin(ctx, key, 0, false)
	if err != nil {
		return err
	}
	defer sh.mu.Unlock()
	delete(sh.m, key)
	return nil
}

// set stores a copy of value under key as version v; the caller holds
// sh.mu and passes the live entry under key, if any. A live entry is
// rewritten in place, its buffer reused when large enough: no one outside
// the lock holds an entry or its value (Get returns copies, and Consume
// returns a value only after removing its entry).
func (sh *shard) set(key string, e *entry, value []byte, v uint64, expires time.Time) {
	if e == nil {
		sh.m[key] = &entry{value: clone(value), version: v, expires: expires}
		return
	}
	if e.value != nil && cap(e.value) >= len(value) {
		e.value = append(e.value[:0], value...)
	} else {
		e.value = clone(value)
	}
	e.counter, e.version, e.expires = 0, v, expires
}

// clone copies b (never nil). append rounds the capacity up to the
// allocator's size class, so a value rewritten a little longer (a flow
// gaining a step) usually fits in place (see set).
func clone(b []byte) []byte {
	if len(b) == 0 {
		return []byte{}
	}
	return append([]byte(nil), b...)
}
