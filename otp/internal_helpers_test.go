package otp

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/store/memory"
)

// newTestService returns a Service on a fresh memory store with a stopped
// clock, budgets out of the way, and a sender that delivers nothing.
func newTestService(tb testing.TB) *Service {
	s, _, _ := newTestServiceClock(tb)
	return s
}

func newTestServiceClock(tb testing.TB) (*Service, *fakeclock.Clock, *memory.Store) {
	tb.Helper()
	clock := fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	st := memory.New(memory.Config{Now: clock.Now, SweepInterval: -1})
	tb.Cleanup(func() { st.Close() })
	big := Limit{Max: 1 << 40, Per: time.Hour}
	s, err := New(Config{
		Store:   st,
		Sender:  SenderFunc(func(context.Context, *Message) error { return nil }),
		Keys:    []Key{Key("0123456789abcdef0123456789abcdef")},
		Domain:  "example.kz",
		Budgets: Budgets{Phone: big, Account: big, IP: big, Prefix: big, Global: big},
		Now:     clock.Now,
	})
	require.NoError(tb, err)
	return s, clock, st
}

// plant stores an armed code for flow directly, as Issue would after a
// successful send, without the budgets and the sender.
func (s *Service) plant(tb testing.TB, flow, account string, phone Phone, code string) {
	tb.Helper()
	rec := &record{state: stateArmed, keyID: s.keys[0].id, expires: s.now().Add(s.ttl)}
	sum := sha256.Sum256([]byte(flow)) // a distinct attempt counter per flow
	copy(rec.gen[:], sum[:])
	rec.mac = s.keys[0].mac("login", flow, account, phone.e164, code)
	if _, err := s.store.Put(context.Background(), s.codeKey("login", flow), rec.encode(), s.ttl); err != nil {
		tb.Fatal(err)
	}
}

func testPhone(tb testing.TB, raw string) Phone {
	tb.Helper()
	p, err := ParsePhone(raw, "KZ")
	require.NoError(tb, err)
	return p
}
