package otp_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/otp"
	"github.com/strongauth/strongauth/otp/otptest"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/memory"
)

var (
	testKey  = otp.Key("0123456789abcdef0123456789abcdef")
	otherKey = otp.Key("fedcba9876543210fedcba9876543210")
)

const (
	flowA   = "0123456789abcdef0123456789abcdef"
	flowB   = "fedcba9876543210fedcba9876543210"
	account = "870101300123"
)

// spyStore wraps a store, records every key and value written, can stretch
// every TTL (to show that the code's own expiry holds even if a backend
// keeps it too long) and can be made to fail.
type spyStore struct {
	store.Store
	mu       sync.Mutex
	writes   map[string][][]byte
	ttlScale time.Duration
	fail     error
	// failDelete makes only Delete fail.
	failDelete bool
	// codeReads, if set, holds reads of code records until enough
	// readers arrived: every one of them then holds the same version.
	codeReads *barrier
}

// barrier releases its first n waiters together; later ones pass.
type barrier struct {
	mu sync.Mutex
	n  int
	ch chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, ch: make(chan struct{})} }

func (b *barrier) wait() {
	b.mu.Lock()
	b.n--
	if b.n == 0 {
		close(b.ch)
	}
	b.mu.Unlock()
	<-b.ch
}

func newSpy(inner store.Store) *spyStore {
	return &spyStore{Store: inner, writes: map[string][][]byte{}, ttlScale: 1}
}

func (s *spyStore) note(key string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes[key] = append(s.writes[key], append([]byte(nil), v...))
	return s.fail
}

func (s *spyStore) failing() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fail
}

func (s *spyStore) setFail(err error) {
	s.mu.Lock()
	s.fail = err
	s.mu.Unlock()
}

func (s *spyStore) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	if err := s.failing(); err != nil {
		return nil, 0, err
	}
	b, v, err := s.Store.Get(ctx, key)
	if s.codeReads != nil && strings.HasPrefix(key, "sa:otp:c:") {
		s.codeReads.wait()
	}
	return b, v, err
}

func (s *spyStore) Put(ctx context.Context, key string, v []byte, ttl time.Duration) (uint64, error) {
	if err := s.note(key, v); err != nil {
		return 0, err
	}
	return s.Store.Put(ctx, key, v, ttl*s.ttlScale)
}

func (s *spyStore) CompareAndSwap(ctx context.Context, key string, old uint64, v []byte, ttl time.Duration) (uint64, error) {
	if err := s.note(key, v); err != nil {
		return 0, err
	}
	return s.Store.CompareAndSwap(ctx, key, old, v, ttl*s.ttlScale)
}

func (s *spyStore) Incr(ctx context.Context, key string, d int64, ttl time.Duration) (int64, error) {
	if err := s.note(key, nil); err != nil {
		return 0, err
	}
	return s.Store.Incr(ctx, key, d, ttl*s.ttlScale)
}

func (s *spyStore) Consume(ctx context.Context, key string) ([]byte, error) {
	if err := s.failing(); err != nil {
		return nil, err
	}
	return s.Store.Consume(ctx, key)
}

func (s *spyStore) Delete(ctx context.Context, key string) error {
	if err := s.failing(); err != nil {
		return err
	}
	s.mu.Lock()
	failDelete := s.failDelete
	s.mu.Unlock()
	if failDelete {
		return store.ErrUnavailable
	}
	return s.Store.Delete(ctx, key)
}

// contents returns every key and value ever written.
func (s *spyStore) contents() map[string][][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][][]byte, len(s.writes))
	for k, v := range s.writes {
		out[k] = v
	}
	return out
}

type env struct {
	svc   *otp.Service
	cfg   otp.Config
	clock *fakeclock.Clock
	spy   *spyStore
	sent  *otptest.Recorder
	phone otp.Phone
}

func newEnv(t testing.TB, mutate ...func(*otp.Config)) *env {
	t.Helper()
	e := &env{clock: fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), sent: &otptest.Recorder{}}
	mem := memory.New(memory.Config{Now: e.clock.Now, SweepInterval: -1})
	t.Cleanup(func() { mem.Close() })
	e.spy = newSpy(mem)
	e.cfg = otp.Config{
		Store:  e.spy,
		Sender: e.sent,
		Keys:   []otp.Key{testKey},
		Domain: "example.kz",
		Now:    e.clock.Now,
	}
	for _, m := range mutate {
		m(&e.cfg)
	}
	var err error
	e.svc, err = otp.New(e.cfg)
	require.NoError(t, err)
	e.phone = e.mustPhone(t, "+7 701 234 56 12")
	return e
}

func (e *env) mustPhone(t testing.TB, raw string) otp.Phone {
	t.Helper()
	p, err := e.svc.Phone(raw)
	require.NoError(t, err)
	return p
}

func (e *env) request(flow string) otp.Request {
	return otp.Request{Purpose: "login", FlowID: flow, Account: account, Phone: e.phone, ClientIP: "203.0.113.7"}
}

func (e *env) attempt(flow, code string) otp.Attempt {
	return otp.Attempt{Purpose: "login", FlowID: flow, Account: account, Phone: e.phone, Code: code}
}

// issue sends a code for flow and returns it, as the phone received it.
func (e *env) issue(t testing.TB, r otp.Request) string {
	t.Helper()
	n := e.sent.Len()
	_, err := e.svc.Issue(context.Background(), r)
	require.NoError(t, err)
	require.Equal(t, n+1, e.sent.Len(), "one message sent")
	return e.sent.Last().Code()
}

// wrong returns a well-formed code different from code.
func wrong(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

// retryAfter extracts the retry-after of a *otp.LimitError.
func retryAfter(t testing.TB, err error) (string, time.Duration) {
	t.Helper()
	var le *otp.LimitError
	require.True(t, errors.As(err, &le), "want a *LimitError, got %v", err)
	return le.Scope, le.RetryAfter()
}
