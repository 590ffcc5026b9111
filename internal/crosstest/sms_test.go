package crosstest_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/otp"
)

// codeSent runs a sign-document flow for subject up to a sent code: the
// flow starts on A, the passkey step is begun on A and finished on B (the
// strong factor that opens the SMS gate), and the code is sent by send.
func (p *pair) codeSent(subject string, d *device, send *instance) string {
	p.t.Helper()
	flow := p.a.start(p.t, "sign-document", subject)
	out := p.webauthnStep(flow, d, p.a, p.b)
	require.False(p.t, out.Decision.Allowed, "the passkey alone does not sign a document")
	_, err := send.begin(flow, auth.KindSMS)
	require.NoError(p.t, err)
	return flow
}

// TestSMSOnceAcrossInstances: a code sent by B is accepted by A, once; a
// replay is refused by either engine and, straight at either instance's
// factor, by the one-time code itself.
func TestSMSOnceAcrossInstances(t *testing.T) { smsOnceAcrossInstances(t, newPair) }

func smsOnceAcrossInstances(t *testing.T, newPair pairMaker) {
	p := newPair(t)
	d := p.enrol("alice")
	flow := p.codeSent("alice", d, p.b)
	code := p.lastCode()
	assert.Equal(t, phones["alice"], p.b.sent.Last().To.E164(), "to the phone bound to the account")

	out, err := p.a.finish(flow, auth.KindSMS, codeInput(code))
	require.NoError(t, err, "sent by B, accepted by A")
	require.True(t, out.Decision.Allowed)
	assert.Equal(t, "strong-mfa", out.Result.ACR)

	for _, in := range []*instance{p.a, p.b} {
		_, err := in.finish(flow, auth.KindSMS, codeInput(code))
		assert.ErrorIs(t, err, auth.ErrFlowCompleted, "replay through %s's engine", in.name)
		err = in.factorFinish(t, flow, auth.KindSMS, codeInput(code), p.clock.Now())
		assert.ErrorIs(t, err, otp.ErrUsed, "replay straight at %s's factor", in.name)
		assert.ErrorIs(t, err, auth.ErrReplay)
	}
	assert.Equal(t, int32(1), p.winsOf(auth.KindSMS).Load())
}

// TestSMSRaceAcrossInstances: 40 requests with the right code, split
// across both instances and all past the engines' flow checks: one wins.
// The others find the code used, or its attempts used up: attempts are
// counted before comparing, so at most five compare (one wins, the other
// four find it used); those that read the code once it was used are
// refused before counting.
func TestSMSRaceAcrossInstances(t *testing.T) { smsRaceAcrossInstances(t, newPair) }

func smsRaceAcrossInstances(t *testing.T, newPair pairMaker) {
	p := newPair(t)
	d := p.enrol("alice")
	flow := p.codeSent("alice", d, p.a)

	res := p.race(same(40, flow, auth.KindSMS, codeInput(p.lastCode())))
	assert.Equal(t, int32(1), res.ok)
	assert.Equal(t, int32(1), p.winsOf(auth.KindSMS).Load())
	var used, exhausted int
	for _, err := range res.errs {
		switch {
		case errorsIs(err, otp.ErrUsed, auth.ErrReplay):
			used++
		case errorsIs(err, otp.ErrAttemptsExhausted, auth.ErrLocked):
			exhausted++
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	assert.GreaterOrEqual(t, used, otp.DefaultMaxAttempts-1)
	assert.Equal(t, 39, used+exhausted)
}

// TestSMSAttemptLimitAcrossInstances: wrong codes alternate between the
// instances; the sixth attempt is refused on either, even with the right
// code. Of 20 concurrent wrong codes on both, exactly five are compared.
func TestSMSAttemptLimitAcrossInstances(t *testing.T) { smsAttemptLimitAcrossInstances(t, newPair) }

func smsAttemptLimitAcrossInstances(t *testing.T, newPair pairMaker) {
	p := newPair(t)
	d := p.enrol("alice")
	flow := p.codeSent("alice", d, p.b)
	code := p.lastCode()
	for i := range otp.DefaultMaxAttempts {
		_, err := p.on(i).finish(flow, auth.KindSMS, codeInput(wrongCode(code)))
		var wrong *otp.WrongCodeError
		require.ErrorAs(t, err, &wrong, "attempt %d on %s", i+1, p.on(i).name)
		assert.Equal(t, otp.DefaultMaxAttempts-1-i, wrong.Remaining)
		assert.ErrorIs(t, err, auth.ErrVerification)
	}
	for _, in := range []*instance{p.b, p.a} {
		_, err := in.finish(flow, auth.KindSMS, codeInput(code))
		require.ErrorIs(t, err, otp.ErrAttemptsExhausted, "the sixth attempt, on %s, with the right code", in.name)
		assert.Equal(t, "locked", auth.Code(err))
	}

	p.a.sent.Reset()
	p.b.sent.Reset()
	d2 := p.enrol("bob")
	flow = p.codeSent("bob", d2, p.a)
	res := p.race(same(20, flow, auth.KindSMS, codeInput(wrongCode(p.lastCode()))))
	var wrong, exhausted int
	for _, err := range res.errs {
		switch {
		case errors.Is(err, otp.ErrWrongCode):
			wrong++
		case errors.Is(err, otp.ErrAttemptsExhausted):
			exhausted++
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	assert.Zero(t, res.ok)
	assert.Equal(t, otp.DefaultMaxAttempts, wrong, "exactly the allowed attempts were compared")
	assert.Equal(t, 20-otp.DefaultMaxAttempts, exhausted)
}

// TestSMSCooldownAcrossInstances: a code sent by A starts the phone's
// cooldown; a resend asked of B is refused with the time left, and
// nothing is sent.
func TestSMSCooldownAcrossInstances(t *testing.T) { smsCooldownAcrossInstances(t, newPair) }

func smsCooldownAcrossInstances(t *testing.T, newPair pairMaker) {
	p := newPair(t)
	d := p.enrol("alice")
	flow := p.codeSent("alice", d, p.a)
	p.clock.Advance(15 * time.Second)

	_, err := p.b.begin(flow, auth.KindSMS)
	require.ErrorIs(t, err, otp.ErrCooldown)
	assert.ErrorIs(t, err, auth.ErrRateLimited)
	var ra auth.RetryAfter
	require.ErrorAs(t, err, &ra)
	assert.Equal(t, otp.DefaultCooldown-15*time.Second, ra.RetryAfter(), "the time left of A's cooldown")
	assert.Equal(t, 1, p.a.sent.Len()+p.b.sent.Len(), "nothing sent by B")
}

// TestSMSSendBudgetAcrossInstances: five accounts ask for codes from one
// client address at once, on both instances, against a budget of three
// sends per address: three codes go out, two requests are refused.
func TestSMSSendBudgetAcrossInstances(t *testing.T) { smsSendBudgetAcrossInstances(t, newPair) }

func smsSendBudgetAcrossInstances(t *testing.T, newPair pairMaker) {
	const budget = 3
	p := newPair(t, func(c *otp.Config) { c.Budgets.IP = otp.Limit{Max: budget, Per: time.Hour} })
	subjects := []string{"alice", "bob", "carol", "dave", "erin"}
	flows := make([]string, len(subjects))
	for i, s := range subjects {
		flows[i] = p.on(i).start(t, "sign-document", s)
		p.webauthnStep(flows[i], p.enrol(s), p.on(i), p.on(i+1))
	}

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		refused int
	)
	for i, flow := range flows {
		wg.Go(func() {
			_, err := p.on(i+1).begin(flow, auth.KindSMS)
			if err == nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if errorsIs(err, otp.ErrBudget, auth.ErrRateLimited) {
				refused++
			} else {
				t.Errorf("unexpected: %v", err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, budget, p.a.sent.Len()+p.b.sent.Len(), "one budget for both instances")
	assert.Equal(t, len(subjects)-budget, refused)
}
