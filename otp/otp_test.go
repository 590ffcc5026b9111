package otp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/otp"
	"github.com/strongauth/strongauth/store"
)

func TestNewRefusesWeakOrBrokenConfig(t *testing.T) {
	e := newEnv(t)
	cases := map[string]func(*otp.Config){
		"no store":                func(c *otp.Config) { c.Store = nil },
		"no sender":               func(c *otp.Config) { c.Sender = nil },
		"no key":                  func(c *otp.Config) { c.Keys = nil },
		"short key":               func(c *otp.Config) { c.Keys = []otp.Key{otp.Key("short")} },
		"repeated key":            func(c *otp.Config) { c.Keys = []otp.Key{testKey, testKey} },
		"no domain":               func(c *otp.Config) { c.Domain = "" },
		"domain with scheme":      func(c *otp.Config) { c.Domain = "https://example.kz" },
		"domain upper case":       func(c *otp.Config) { c.Domain = "Example.kz" },
		"5 digits":                func(c *otp.Config) { c.Digits = 5 },
		"11 digits":               func(c *otp.Config) { c.Digits = 11 },
		"TTL over 10 minutes":     func(c *otp.Config) { c.TTL = 10*time.Minute + time.Nanosecond },
		"TTL of an hour":          func(c *otp.Config) { c.TTL = time.Hour },
		"negative TTL":            func(c *otp.Config) { c.TTL = -time.Second },
		"11 attempts":             func(c *otp.Config) { c.MaxAttempts = 11 },
		"negative attempts":       func(c *otp.Config) { c.MaxAttempts = -1 },
		"101 failures":            func(c *otp.Config) { c.MaxFailures = 101 },
		"short lockout":           func(c *otp.Config) { c.Lockout = time.Second },
		"short failure window":    func(c *otp.Config) { c.FailureWindow = time.Minute },
		"short cooldown":          func(c *otp.Config) { c.Cooldown = 5 * time.Second },
		"zero-max budget":         func(c *otp.Config) { c.Budgets.Phone = otp.Limit{Max: 0, Per: time.Hour} },
		"short budget window":     func(c *otp.Config) { c.Budgets.Global = otp.Limit{Max: 5, Per: time.Second} },
		"unknown country":         func(c *otp.Config) { c.Countries = []string{"XX"} },
		"unknown region":          func(c *otp.Config) { c.DefaultRegion = "XX" },
		"unsupported language":    func(c *otp.Config) { c.DefaultLang = "de" },
		"template without act":    func(c *otp.Config) { c.Templates.EN = "Your code is {code}." },
		"template with origin":    func(c *otp.Config) { c.Templates.RU = "Код {code} для {action}.\n@example.kz #{code}" },
		"template too long":       func(c *otp.Config) { c.Templates.EN = "{action} " + strings.Repeat("x", 400) },
		"one-segment ru":          func(c *otp.Config) { c.MaxSegments = 1 },
		"action without kk":       func(c *otp.Config) { c.Actions = map[string]otp.Texts{"pay": {RU: "оплаты", EN: "pay"}} },
		"action with newline":     func(c *otp.Config) { c.Actions = map[string]otp.Texts{"pay": {KK: "a\nb", RU: "b", EN: "c"}} },
		"action as origin line":   func(c *otp.Config) { c.Actions = map[string]otp.Texts{"pay": {KK: "a", RU: "@evil.example", EN: "c"}} },
		"invalid purpose":         func(c *otp.Config) { c.Actions = map[string]otp.Texts{"Pay!": {KK: "a", RU: "b", EN: "c"}} },
		"key prefix with spaces":  func(c *otp.Config) { c.KeyPrefix = "a b" },
		"key prefix with a brace": func(c *otp.Config) { c.KeyPrefix = "sa:{otp}:" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := e.cfg
			mutate(&cfg)
			s, err := otp.New(cfg)
			assert.ErrorIs(t, err, otp.ErrConfig)
			assert.Nil(t, s)
		})
	}
	t.Run("ten minutes is allowed", func(t *testing.T) {
		cfg := e.cfg
		cfg.TTL = otp.MaxTTL
		s, err := otp.New(cfg)
		require.NoError(t, err)
		assert.Equal(t, 10*time.Minute, s.TTL())
	})
	t.Run("defaults", func(t *testing.T) {
		assert.Equal(t, 6, e.svc.Digits())
		assert.Equal(t, 5*time.Minute, e.svc.TTL())
	})
}

func TestIssueAndVerify(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sent, err := e.svc.Issue(ctx, e.request(flowA))
	require.NoError(t, err)
	assert.Equal(t, "+7 7** *** **12", sent.To)
	assert.Equal(t, e.clock.Now().Add(5*time.Minute), sent.ExpiresAt)
	assert.Equal(t, e.clock.Now().Add(time.Minute), sent.ResendAt)
	m := e.sent.Last()
	require.NotNil(t, m)
	assert.Equal(t, "+77012345612", m.To.E164())
	assert.Equal(t, sent.MessageID, m.ID)
	code := m.Code()
	assert.Regexp(t, `^[0-9]{6}$`, code)
	assert.Contains(t, m.Text, code)

	e.clock.Advance(4*time.Minute + 59*time.Second)
	require.NoError(t, e.svc.Verify(ctx, e.attempt(flowA, " "+code+"\n")))
}

func TestCodeNeverStoredInClear(t *testing.T) {
	e := newEnv(t, func(c *otp.Config) {
		c.Budgets.Phone = otp.Limit{Max: 100, Per: time.Hour}
		c.Budgets.Account = otp.Limit{Max: 100, Per: time.Hour}
	})
	var codes []string
	for i := range 20 {
		flow := fmt.Sprintf("flow%02d", i)
		codes = append(codes, e.issue(t, e.request(flow)))
		if i%2 == 0 {
			require.NoError(t, e.svc.Verify(context.Background(), e.attempt(flow, codes[i])))
		} else {
			require.ErrorIs(t, e.svc.Verify(context.Background(), e.attempt(flow, wrong(codes[i]))), otp.ErrWrongCode)
		}
		e.clock.Advance(time.Minute)
	}
	contents := e.spy.contents()
	require.NotEmpty(t, contents)
	for key, values := range contents {
		for _, c := range codes {
			assert.NotContains(t, key, c, "a key contains a code")
		}
		assert.NotContains(t, key, "7012345612", "a key contains the phone number")
		assert.NotContains(t, key, account, "a key contains the account")
		for _, v := range values {
			for _, c := range codes {
				assert.False(t, bytes.Contains(v, []byte(c)), "a stored value contains a code")
			}
			assert.False(t, bytes.Contains(v, []byte("7012345612")), "a stored value contains the phone number")
		}
	}
}

func TestCodeIsBoundToPurposeFlowAccountAndPhone(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	code := e.issue(t, e.request(flowA))
	other := e.mustPhone(t, "+7 701 234 56 13")

	a := e.attempt(flowB, code)
	assert.ErrorIs(t, e.svc.Verify(ctx, a), otp.ErrNoCode, "another flow")
	a = e.attempt(flowA, code)
	a.Purpose = "sign-document"
	assert.ErrorIs(t, e.svc.Verify(ctx, a), otp.ErrNoCode, "another purpose")
	a = e.attempt(flowA, code)
	a.Account = "someone-else"
	assert.ErrorIs(t, e.svc.Verify(ctx, a), otp.ErrWrongCode, "another account")
	a = e.attempt(flowA, code)
	a.Phone = other
	assert.ErrorIs(t, e.svc.Verify(ctx, a), otp.ErrWrongCode, "another phone")
	assert.NoError(t, e.svc.Verify(ctx, e.attempt(flowA, code)), "the right tuple still works")
}

func TestExpiry(t *testing.T) {
	for _, ttl := range []time.Duration{0, otp.MaxTTL} {
		t.Run(fmt.Sprint(ttl), func(t *testing.T) {
			e := newEnv(t, func(c *otp.Config) { c.TTL = ttl })
			// A backend that keeps entries 100 times too long does not
			// extend a code's life: the record carries its own expiry.
			e.spy.ttlScale = 100
			code := e.issue(t, e.request(flowA))
			want := ttl
			if want == 0 {
				want = otp.DefaultTTL
			}
			e.clock.Advance(want)
			assert.ErrorIs(t, e.svc.Verify(context.Background(), e.attempt(flowA, code)), otp.ErrExpired)
		})
	}
	t.Run("store expiry", func(t *testing.T) {
		e := newEnv(t)
		code := e.issue(t, e.request(flowA))
		e.clock.Advance(otp.DefaultTTL + time.Second)
		assert.ErrorIs(t, e.svc.Verify(context.Background(), e.attempt(flowA, code)), otp.ErrNoCode)
	})
}

func TestReplayRejected(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	code := e.issue(t, e.request(flowA))
	require.NoError(t, e.svc.Verify(ctx, e.attempt(flowA, code)))
	assert.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowA, code)), otp.ErrUsed)
	assert.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowA, wrong(code))), otp.ErrUsed)
}

func TestConcurrentRightCodeOneWins(t *testing.T) {
	for _, n := range []int{otp.MaxMaxAttempts, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			e := newEnv(t, func(c *otp.Config) { c.MaxAttempts = otp.MaxMaxAttempts })
			code := e.issue(t, e.request(flowA))
			// The first MaxAttempts readers all read the armed code before
			// any goes on, so they race on using it.
			e.spy.codeReads = newBarrier(otp.MaxMaxAttempts)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { errs[i] = e.svc.Verify(context.Background(), e.attempt(flowA, code)) })
			}
			wg.Wait()
			wins := 0
			for _, err := range errs {
				switch {
				case err == nil:
					wins++
				case errors.Is(err, otp.ErrUsed), errors.Is(err, otp.ErrAttemptsExhausted):
				default:
					t.Errorf("unexpected error %v", err)
				}
			}
			assert.Equal(t, 1, wins)
		})
	}
}

func TestConcurrentWrongCodesBoundedByAttempts(t *testing.T) {
	e := newEnv(t)
	code := e.issue(t, e.request(flowA))
	const n = 100
	var compared, exhausted, other int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			err := e.svc.Verify(context.Background(), e.attempt(flowA, wrong(code)))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, otp.ErrWrongCode):
				compared++
			case errors.Is(err, otp.ErrAttemptsExhausted):
				exhausted++
			default:
				other++
			}
		})
	}
	wg.Wait()
	assert.Equal(t, otp.DefaultMaxAttempts, compared, "exactly MaxAttempts submissions were compared")
	assert.Equal(t, n-otp.DefaultMaxAttempts, exhausted)
	assert.Zero(t, other)
	// Attempts are counted before comparing: the right code is now refused.
	assert.ErrorIs(t, e.svc.Verify(context.Background(), e.attempt(flowA, code)), otp.ErrAttemptsExhausted)
}

func TestWrongCodeCountsDown(t *testing.T) {
	e := newEnv(t)
	code := e.issue(t, e.request(flowA))
	for want := otp.DefaultMaxAttempts - 1; want >= 0; want-- {
		err := e.svc.Verify(context.Background(), e.attempt(flowA, wrong(code)))
		var wc *otp.WrongCodeError
		require.ErrorAs(t, err, &wc)
		assert.Equal(t, want, wc.Remaining)
		assert.NotContains(t, err.Error(), code)
		assert.NotContains(t, err.Error(), wrong(code))
	}
	assert.ErrorIs(t, e.svc.Verify(context.Background(), e.attempt(flowA, code)), otp.ErrAttemptsExhausted)
}

func TestMalformedCodesAreNotAttempts(t *testing.T) {
	e := newEnv(t)
	code := e.issue(t, e.request(flowA))
	for _, bad := range []string{"", "12345", "1234567", "12a456", "١٢٣٤٥٦", "12 456", code + code, "-12345", "+12345", strings.Repeat("1", 1000)} {
		assert.ErrorIs(t, e.svc.Verify(context.Background(), e.attempt(flowA, bad)), otp.ErrMalformedCode, "%q", bad)
	}
	assert.NoError(t, e.svc.Verify(context.Background(), e.attempt(flowA, code)))
}

func TestInvalidRequests(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ru := mustParse(t, "+79123456789")
	for name, c := range map[string]struct {
		r             otp.Request
		issue, verify error
	}{
		"no purpose":      {otp.Request{FlowID: flowA, Account: account, Phone: e.phone}, otp.ErrInvalidRequest, otp.ErrInvalidRequest},
		"bad purpose":     {otp.Request{Purpose: "log in", FlowID: flowA, Account: account, Phone: e.phone}, otp.ErrInvalidRequest, otp.ErrInvalidRequest},
		"no flow":         {otp.Request{Purpose: "login", Account: account, Phone: e.phone}, otp.ErrInvalidRequest, otp.ErrInvalidRequest},
		"flow with colon": {otp.Request{Purpose: "login", FlowID: "a:b", Account: account, Phone: e.phone}, otp.ErrInvalidRequest, otp.ErrInvalidRequest},
		"long flow":       {otp.Request{Purpose: "login", FlowID: strings.Repeat("a", 129), Account: account, Phone: e.phone}, otp.ErrInvalidRequest, otp.ErrInvalidRequest},
		"no account":      {otp.Request{Purpose: "login", FlowID: flowA, Phone: e.phone}, otp.ErrInvalidRequest, otp.ErrInvalidRequest},
		"long account":    {otp.Request{Purpose: "login", FlowID: flowA, Account: strings.Repeat("a", 257), Phone: e.phone}, otp.ErrInvalidRequest, otp.ErrInvalidRequest},
		"zero phone":      {otp.Request{Purpose: "login", FlowID: flowA, Account: account}, otp.ErrPhoneInvalid, otp.ErrPhoneInvalid},
		"not allowed":     {otp.Request{Purpose: "login", FlowID: flowA, Account: account, Phone: ru}, otp.ErrPhoneNotAllowed, otp.ErrNoCode},
		"unknown purpose": {otp.Request{Purpose: "transfer-money", FlowID: flowA, Account: account, Phone: e.phone}, otp.ErrUnknownPurpose, otp.ErrNoCode},
	} {
		_, err := e.svc.Issue(ctx, c.r)
		assert.ErrorIs(t, err, c.issue, name)
		a := otp.Attempt{Purpose: c.r.Purpose, FlowID: c.r.FlowID, Account: c.r.Account, Phone: c.r.Phone, Code: "123456"}
		assert.ErrorIs(t, e.svc.Verify(ctx, a), c.verify, name)
	}
	assert.Zero(t, e.sent.Len(), "nothing was sent")
}

func mustParse(t testing.TB, raw string) otp.Phone {
	t.Helper()
	p, err := otp.ParsePhone(raw, "KZ")
	require.NoError(t, err)
	return p
}

func TestResendReplacesTheCode(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first := e.issue(t, e.request(flowA))
	e.clock.Advance(otp.DefaultCooldown)
	second := e.issue(t, e.request(flowA))
	if first == second {
		t.Skip("the two random codes happen to be equal")
	}
	assert.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowA, first)), otp.ErrWrongCode)
	assert.NoError(t, e.svc.Verify(ctx, e.attempt(flowA, second)))
}

func TestCooldown(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.issue(t, e.request(flowA))
	e.clock.Advance(20 * time.Second)
	_, err := e.svc.Issue(ctx, e.request(flowA))
	require.ErrorIs(t, err, otp.ErrCooldown)
	scope, after := retryAfter(t, err)
	assert.Equal(t, "cooldown", scope)
	assert.Equal(t, 40*time.Second, after)
	// Per phone: another flow to the same phone waits too.
	_, err = e.svc.Issue(ctx, e.request(flowB))
	require.ErrorIs(t, err, otp.ErrCooldown)
	assert.Equal(t, 1, e.sent.Len(), "nothing more was sent")
	e.clock.Advance(40 * time.Second)
	e.issue(t, e.request(flowA))
}

func TestConcurrentIssueSendsOnce(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { _, _ = e.svc.Issue(context.Background(), e.request(flowA)) })
	}
	wg.Wait()
	assert.Equal(t, 1, e.sent.Len())
}

func TestBudgets(t *testing.T) {
	ctx := context.Background()
	limit := otp.Limit{Max: 2, Per: time.Hour}
	phoneN := func(e *env, t *testing.T, i int) otp.Phone {
		return e.mustPhone(t, fmt.Sprintf("+7 %s 234 56 %02d", kzMobileCodes[i%len(kzMobileCodes)], i))
	}
	cases := []struct {
		scope    string
		sentinel error
		set      func(*otp.Budgets)
		req      func(e *env, t *testing.T, i int) otp.Request
	}{
		{"phone", otp.ErrBudget, func(b *otp.Budgets) { b.Phone = limit }, func(e *env, t *testing.T, i int) otp.Request {
			r := e.request(fmt.Sprintf("flow%d", i))
			r.Account, r.ClientIP = fmt.Sprint("acct", i), fmt.Sprint("198.51.100.", i)
			return r
		}},
		{"account", otp.ErrBudget, func(b *otp.Budgets) { b.Account = limit }, func(e *env, t *testing.T, i int) otp.Request {
			r := e.request(fmt.Sprintf("flow%d", i))
			r.Phone, r.ClientIP = phoneN(e, t, i), fmt.Sprint("198.51.100.", i)
			return r
		}},
		{"ip", otp.ErrBudget, func(b *otp.Budgets) { b.IP = limit }, func(e *env, t *testing.T, i int) otp.Request {
			r := e.request(fmt.Sprintf("flow%d", i))
			// Addresses in one IPv6 /64 share a budget.
			r.Phone, r.Account, r.ClientIP = phoneN(e, t, i), fmt.Sprint("acct", i), fmt.Sprintf("[2001:db8::%x]:443", i+1)
			return r
		}},
		{"prefix", otp.ErrBudget, func(b *otp.Budgets) { b.Prefix = limit }, func(e *env, t *testing.T, i int) otp.Request {
			r := e.request(fmt.Sprintf("flow%d", i))
			r.Phone = e.mustPhone(t, fmt.Sprintf("+7 701 234 %04d", 1000+i))
			r.Account, r.ClientIP = fmt.Sprint("acct", i), fmt.Sprint("198.51.100.", i)
			return r
		}},
		{"global", otp.ErrCircuitOpen, func(b *otp.Budgets) { b.Global = limit }, func(e *env, t *testing.T, i int) otp.Request {
			r := e.request(fmt.Sprintf("flow%d", i))
			r.Phone, r.Account, r.ClientIP = phoneN(e, t, i), fmt.Sprint("acct", i), fmt.Sprint("198.51.100.", i)
			return r
		}},
	}
	for _, c := range cases {
		t.Run(c.scope, func(t *testing.T) {
			e := newEnv(t, func(cfg *otp.Config) { c.set(&cfg.Budgets) })
			e.clock.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) // the start of an hour window
			for i := range 2 {
				e.issue(t, c.req(e, t, i))
				e.clock.Advance(otp.DefaultCooldown)
			}
			_, err := e.svc.Issue(ctx, c.req(e, t, 2))
			require.ErrorIs(t, err, c.sentinel)
			scope, after := retryAfter(t, err)
			assert.Equal(t, c.scope, scope)
			assert.Equal(t, time.Hour-2*otp.DefaultCooldown, after, "until the window ends")
			assert.Equal(t, 2, e.sent.Len(), "the refused request sent nothing")
			// A refusal does not itself consume the budget: once the
			// window ends exactly two more go through.
			e.clock.Advance(after)
			for i := 3; i < 5; i++ {
				e.issue(t, c.req(e, t, i))
				e.clock.Advance(otp.DefaultCooldown)
			}
			_, err = e.svc.Issue(ctx, c.req(e, t, 5))
			require.ErrorIs(t, err, c.sentinel)
		})
	}
}

func TestRefusedBudgetChargesNothingElse(t *testing.T) {
	// The account budget (charged after the phone budget) refuses; the
	// phone budget must get back what the refused requests charged.
	e := newEnv(t, func(c *otp.Config) {
		c.Budgets.Phone = otp.Limit{Max: 2, Per: time.Hour}
		c.Budgets.Account = otp.Limit{Max: 1, Per: time.Hour}
	})
	e.clock.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	ctx := context.Background()
	e.issue(t, e.request(flowA))
	for range 5 {
		e.clock.Advance(otp.DefaultCooldown)
		_, err := e.svc.Issue(ctx, e.request(flowA))
		require.ErrorIs(t, err, otp.ErrBudget)
		scope, _ := retryAfter(t, err)
		require.Equal(t, "account", scope)
	}
	e.clock.Advance(otp.DefaultCooldown)
	r := e.request(flowB)
	r.Account = "another-account"
	e.issue(t, r) // the phone's second and last
	e.clock.Advance(otp.DefaultCooldown)
	r.Account = "a-third-account"
	_, err := e.svc.Issue(ctx, r)
	scope, _ := retryAfter(t, err)
	assert.Equal(t, "phone", scope)
}

type leakyErr struct{ text string }

func (e leakyErr) Error() string { return "gateway said: " + e.text }

func TestSendFailureLeavesNoCodeAndChargesOnce(t *testing.T) {
	e := newEnv(t, func(c *otp.Config) { c.Budgets.Phone = otp.Limit{Max: 1, Per: time.Hour} })
	ctx := context.Background()
	e.sent.FailWith(leakyErr{"boom"})
	_, err := e.svc.Issue(ctx, e.request(flowA))
	require.ErrorIs(t, err, otp.ErrSend)
	var le leakyErr
	assert.ErrorAs(t, err, &le, "the sender's error stays inspectable")
	lost := e.sent.Last().Code()
	// The code of the failed send is unusable.
	assert.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowA, lost)), otp.ErrNoCode)

	// A sender that leaks the text into its error does not leak it further.
	e.sent.FailWith(leakyLast{e})
	_, err = e.svc.Issue(ctx, e.request(flowA))
	require.ErrorIs(t, err, otp.ErrSend)
	assert.NotContains(t, err.Error(), e.sent.Last().Code())

	// Neither failure charged the phone budget of 1 nor left a cooldown.
	e.sent.FailWith(nil)
	code := e.issue(t, e.request(flowA))
	assert.NoError(t, e.svc.Verify(ctx, e.attempt(flowA, code)))
	e.clock.Advance(otp.DefaultCooldown)
	_, err = e.svc.Issue(ctx, e.request(flowA))
	assert.ErrorIs(t, err, otp.ErrBudget, "the one successful send used the budget")
}

func TestUnsentCodeUnusableEvenIfItCannotBeDeleted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.spy.mu.Lock()
	e.spy.failDelete = true
	e.spy.mu.Unlock()
	e.sent.FailWith(errors.New("gateway down"))
	_, err := e.svc.Issue(ctx, e.request(flowA))
	require.ErrorIs(t, err, otp.ErrSend)
	// The record is still in the store, but it was never armed.
	assert.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowA, e.sent.Last().Code())), otp.ErrNoCode)
}

func TestBudgetRefusalLeavesNoCooldown(t *testing.T) {
	e := newEnv(t, func(c *otp.Config) { c.Budgets.Global = otp.Limit{Max: 1, Per: time.Hour} })
	ctx := context.Background()
	e.clock.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	e.issue(t, e.request(flowA))
	e.clock.Set(time.Date(2026, 11, 23, 10, 59, 55, 0, time.UTC))
	r := e.request(flowB)
	r.Phone = e.mustPhone(t, "+7 777 000 00 01")
	_, err := e.svc.Issue(ctx, r)
	require.ErrorIs(t, err, otp.ErrCircuitOpen)
	_, after := retryAfter(t, err)
	assert.Equal(t, 5*time.Second, after)
	// Nothing was sent to that phone, so no cooldown holds it back when
	// the breaker closes.
	e.clock.Advance(after)
	e.issue(t, r)
}

// leakyLast is an error that quotes the message being sent, code included.
type leakyLast struct{ e *env }

func (l leakyLast) Error() string {
	if m := l.e.sent.Last(); m != nil {
		return "gateway rejected: " + m.Text
	}
	return "gateway rejected"
}

func TestLockoutSurvivesResend(t *testing.T) {
	e := newEnv(t, func(c *otp.Config) {
		c.MaxFailures = 7
		c.Lockout = 30 * time.Minute
	})
	ctx := context.Background()
	code := e.issue(t, e.request(flowA))
	for range otp.DefaultMaxAttempts {
		require.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowA, wrong(code))), otp.ErrWrongCode)
	}
	require.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowA, code)), otp.ErrAttemptsExhausted)
	// A resend gives a fresh code with fresh attempts, but the account's
	// consecutive failures carry on: two more and it is locked.
	e.clock.Advance(otp.DefaultCooldown)
	code = e.issue(t, e.request(flowA))
	require.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowA, wrong(code))), otp.ErrWrongCode)
	require.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowA, wrong(code))), otp.ErrWrongCode) // the 7th
	err := e.svc.Verify(ctx, e.attempt(flowA, code))
	require.ErrorIs(t, err, otp.ErrLocked, "even the right code")
	scope, after := retryAfter(t, err)
	assert.Equal(t, "account-lockout", scope)
	assert.Equal(t, 30*time.Minute, after)

	// Nothing is sent to a locked account, in this flow or another.
	e.clock.Advance(10 * time.Minute)
	n := e.sent.Len()
	_, err = e.svc.Issue(ctx, e.request(flowB))
	require.ErrorIs(t, err, otp.ErrLocked)
	_, after = retryAfter(t, err)
	assert.Equal(t, 20*time.Minute, after)
	assert.Equal(t, n, e.sent.Len())

	// After the lockout one attempt is allowed; a failure locks again.
	e.clock.Advance(20 * time.Minute)
	code = e.issue(t, e.request(flowB))
	require.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowB, wrong(code))), otp.ErrWrongCode)
	require.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowB, code)), otp.ErrLocked)

	// After the next lockout the right code works and resets the count.
	e.clock.Advance(30 * time.Minute)
	code = e.issue(t, e.request(flowB))
	require.NoError(t, e.svc.Verify(ctx, e.attempt(flowB, code)))
	e.clock.Advance(otp.DefaultCooldown)
	code = e.issue(t, e.request(flowA))
	for range 4 {
		require.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowA, wrong(code))), otp.ErrWrongCode)
	}
	require.NoError(t, e.svc.Verify(ctx, e.attempt(flowA, code)))
}

func TestConcurrentFailuresPastTheLimitCompareOnce(t *testing.T) {
	e := newEnv(t, func(c *otp.Config) { c.MaxFailures = 3; c.MaxAttempts = 10 })
	ctx := context.Background()
	code := e.issue(t, e.request(flowA))
	var wrongs, locked int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			err := e.svc.Verify(ctx, e.attempt(flowA, wrong(code)))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, otp.ErrWrongCode):
				wrongs++
			case errors.Is(err, otp.ErrLocked):
				locked++
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 3, wrongs, "exactly MaxFailures submissions compared")
	assert.Equal(t, 7, locked)
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	code := e.issue(t, e.request(flowA))
	rotated := e.cfg
	rotated.Keys = []otp.Key{otherKey, testKey}
	s2, err := otp.New(rotated)
	require.NoError(t, err)
	require.NoError(t, s2.Verify(ctx, e.attempt(flowA, code)), "a code made before the rotation still verifies")

	e.clock.Advance(otp.DefaultCooldown)
	code = e.issue(t, e.request(flowB))
	retired := e.cfg
	retired.Keys = []otp.Key{otherKey}
	s3, err := otp.New(retired)
	require.NoError(t, err)
	assert.ErrorIs(t, s3.Verify(ctx, e.attempt(flowB, code)), otp.ErrExpired, "a retired key verifies nothing")
}

func TestStoreFailureDenies(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	code := e.issue(t, e.request(flowA))
	e.spy.setFail(store.ErrUnavailable)
	assert.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowA, code)), otp.ErrStore)
	e.clock.Advance(otp.DefaultCooldown)
	_, err := e.svc.Issue(ctx, e.request(flowB))
	assert.ErrorIs(t, err, otp.ErrStore)
	assert.Equal(t, 1, e.sent.Len(), "nothing sent while the store is down")
	e.spy.setFail(nil)
	assert.NoError(t, e.svc.Verify(ctx, e.attempt(flowA, code)))
}

func TestCorruptRecordDenies(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	code := e.issue(t, e.request(flowA))
	for key := range e.spy.contents() {
		if strings.HasPrefix(key, "sa:otp:c:") {
			_, err := e.spy.Store.Put(ctx, key, []byte("garbage"), time.Minute)
			require.NoError(t, err)
		}
	}
	assert.ErrorIs(t, e.svc.Verify(ctx, e.attempt(flowA, code)), otp.ErrStore)
}

func TestLimitErrorMessage(t *testing.T) {
	err := &otp.LimitError{Err: otp.ErrCooldown, Scope: "cooldown", After: 1500 * time.Millisecond}
	assert.Equal(t, "otp: resend requested too soon (cooldown; retry after 2s)", err.Error())
	assert.ErrorIs(t, err, otp.ErrCooldown)
	var ra interface{ RetryAfter() time.Duration }
	require.ErrorAs(t, fmt.Errorf("wrapped: %w", err), &ra)
	assert.Equal(t, 1500*time.Millisecond, ra.RetryAfter())
}

// kzMobileCodes are the Kazakh mobile operator codes (+7 7xx).
var kzMobileCodes = []string{"700", "701", "702", "705", "706", "707", "708", "747", "771", "775", "776", "777", "778"}

// TestKeysKeepTogether checks the hash tags of the store keys: a flow's
// code and attempt counter carry the flow ID, the account's failures,
// lockout and budget one tag, the phone's cooldown and budget another, so
// that a Redis Cluster keeps each group in one slot.
func TestKeysKeepTogether(t *testing.T) {
	e := newEnv(t, func(c *otp.Config) { c.MaxFailures = 2 })
	ctx := context.Background()
	code := e.issue(t, e.request(flowA))
	require.Error(t, e.svc.Verify(ctx, e.attempt(flowA, wrong(code))))
	require.NoError(t, e.svc.Verify(ctx, e.attempt(flowA, code)), "the second failure-counted attempt claims the lock and succeeds")

	kinds := []string{"c:", "a:", "f:", "l:", "d:", "b:account:", "b:phone:", "b:ip:", "b:prefix:", "b:global:"}
	tags := map[string]string{}
	for key := range e.spy.contents() {
		rest, ok := strings.CutPrefix(key, "sa:otp:")
		require.True(t, ok, key)
		kind := ""
		for _, k := range kinds {
			if strings.HasPrefix(rest, k) && len(k) > len(kind) {
				kind = k
			}
		}
		require.NotEmpty(t, kind, "a key of no known kind: %s", key)
		tag := ""
		if i := strings.IndexByte(key, '{'); i >= 0 {
			j := strings.IndexByte(key[i:], '}')
			require.Positive(t, j, key)
			tag = key[i+1 : i+j]
		}
		if prev, seen := tags[kind]; seen {
			require.Equal(t, prev, tag, "one tag per kind here: %s", key)
		}
		tags[kind] = tag
		assert.Equal(t, strings.Count(key, flowA), strings.Count(key, "{"+flowA+"}"), "the flow ID only as a tag: %s", key)
	}
	assert.Len(t, tags, len(kinds), "every kind of key was written: %v", tags)
	assert.Equal(t, flowA, tags["c:"], "the code carries the flow's tag")
	assert.Equal(t, flowA, tags["a:"], "its attempts too")
	assert.NotEmpty(t, tags["f:"])
	assert.Equal(t, tags["f:"], tags["l:"], "the account's failures and lockout share a tag")
	assert.Equal(t, tags["f:"], tags["b:account:"], "and its send budget")
	assert.NotEmpty(t, tags["d:"])
	assert.Equal(t, tags["d:"], tags["b:phone:"], "the phone's cooldown and budget share a tag")
	assert.NotEqual(t, tags["d:"], tags["f:"])
	assert.Empty(t, tags["b:global:"], "the global breaker has no tag")
}
