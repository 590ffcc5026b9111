package sms_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/factors/sms"
	"github.com/strongauth/strongauth/otp"
)

// Engine-level tests: a real auth.Engine with a fake strong factor (ECP)
// and the real SMS factor.

const binding = "browser-secret-0123456789abcdef"

type engineFixture struct {
	*fixture
	eng *auth.Engine
	ecp *authtest.Factor
}

func newEngine(t *testing.T, rules map[string]string, mutate ...func(*otp.Config)) *engineFixture {
	t.Helper()
	fx := newFixture(t, mutate...)
	e := &engineFixture{fixture: fx, ecp: authtest.Strong(auth.KindECP)}
	var policies []auth.Policy
	for action, r := range rules {
		rule, err := auth.ParseRule(r)
		require.NoError(t, err)
		policies = append(policies, auth.Policy{Action: action, Rule: rule})
	}
	var err error
	e.eng, err = auth.New(auth.Config{Store: fx.store, Factors: []auth.Factor{e.ecp, fx.sms}, Policies: policies, Now: fx.clock.Now})
	require.NoError(t, err)
	return e
}

func (e *engineFixture) start(t *testing.T, action, subject string) *auth.Flow {
	t.Helper()
	f, err := e.eng.Start(context.Background(), auth.StartRequest{Action: action, Subject: subject, Binding: binding,
		Client: auth.ClientInfo{IP: "203.0.113.7"}})
	require.NoError(t, err)
	return f
}

func (e *engineFixture) step(op string, f *auth.Flow, k auth.Kind, input json.RawMessage) (any, error) {
	req := auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: k, Input: input}
	if op == "begin" {
		return e.eng.Begin(context.Background(), req)
	}
	return e.eng.Finish(context.Background(), req)
}

func (e *engineFixture) ecpAs(t *testing.T, f *auth.Flow, subject string) {
	t.Helper()
	_, err := e.step("begin", f, auth.KindECP, nil)
	require.NoError(t, err)
	out, err := e.step("finish", f, auth.KindECP, authtest.OK(subject))
	require.NoError(t, err)
	require.False(t, out.(*auth.Outcome).Decision.Allowed, "ECP alone does not complete this policy")
}

func codeInput(code string) json.RawMessage {
	b, _ := json.Marshal(sms.FinishInput{Code: code})
	return b
}

func TestEngineSMSOnlyAfterStrongAndOnlyToTheBoundPhone(t *testing.T) {
	e := newEngine(t, map[string]string{"login": "ecp & sms"})
	f := e.start(t, "login", "")

	// Before the strong factor: refused, nothing sent, the factor not
	// even asked.
	_, err := e.step("begin", f, auth.KindSMS, nil)
	require.ErrorIs(t, err, auth.ErrGate)
	assert.Zero(t, e.sent.Len())

	// The strong factor proves bob; the code goes to bob's bound phone.
	e.ecpAs(t, f, "bob")
	// A phone number in the request is refused, and nothing is sent.
	_, err = e.step("begin", f, auth.KindSMS, json.RawMessage(`{"phone":"+77011112233"}`))
	require.ErrorIs(t, err, sms.ErrPhoneInRequest)
	assert.Zero(t, e.sent.Len())

	ch, err := e.step("begin", f, auth.KindSMS, nil)
	require.NoError(t, err)
	require.Equal(t, 1, e.sent.Len())
	m := e.sent.Last()
	assert.Equal(t, bobPhone, m.To.E164(), "only the phone bound to the proven subject")
	assert.Equal(t, "en", m.Lang)
	assert.Equal(t, "+7 7** *** **43", ch.(*auth.Challenge).Data.(sms.Challenge).Phone)

	out, err := e.step("finish", f, auth.KindSMS, codeInput(m.Code()))
	require.NoError(t, err)
	o := out.(*auth.Outcome)
	require.True(t, o.Decision.Allowed)
	require.NotNil(t, o.Result)
	assert.Equal(t, "bob", o.Result.Subject)
	assert.Equal(t, "strong-mfa", o.Result.ACR)
	assert.Subset(t, o.Result.AMR, []string{"sms", "otp", "mfa"})
	ev, ok := o.Flow.EvidenceOf(auth.KindSMS)
	require.True(t, ok)
	assert.Equal(t, auth.Weak, ev.Strength)
	assert.Equal(t, "+7 7** *** **43", ev.Attributes["phone"])
}

func TestEngineStepUpSubjectMustMatch(t *testing.T) {
	// A step-up for alice: the strong factor must prove alice, and the
	// code goes to alice's phone, never to the phone of whoever else.
	e := newEngine(t, map[string]string{"sign-document": "ecp & sms"})
	f := e.start(t, "sign-document", "alice")
	_, err := e.step("begin", f, auth.KindECP, nil)
	require.NoError(t, err)
	_, err = e.step("finish", f, auth.KindECP, authtest.OK("bob"))
	require.ErrorIs(t, err, auth.ErrSubjectMismatch)
	_, err = e.step("begin", f, auth.KindSMS, nil)
	require.ErrorIs(t, err, auth.ErrGate)
	assert.Zero(t, e.sent.Len())

	_, err = e.step("finish", f, auth.KindECP, authtest.OK("alice"))
	require.NoError(t, err)
	_, err = e.step("begin", f, auth.KindSMS, nil)
	require.NoError(t, err)
	assert.Equal(t, alicePhone, e.sent.Last().To.E164())
	assert.Contains(t, e.sent.Last().Text, "қол қою", "the message names the action, in alice's language")
}

func TestEngineSMSOnlyPolicyCannotExist(t *testing.T) {
	fx := newFixture(t)
	for _, r := range []string{"sms", "sms | ecp", "sms & sms"} {
		rule, err := auth.ParseRule(r)
		require.NoError(t, err)
		_, err = auth.New(auth.Config{Store: fx.store, Factors: []auth.Factor{authtest.Strong(auth.KindECP), fx.sms},
			Policies: []auth.Policy{{Action: "login", Rule: rule}}})
		assert.ErrorIs(t, err, auth.ErrWeakPolicy, r)
	}
}

// TestEngineRefusesSMSActionWithoutMessage: an action whose policy can
// reach SMS but for which the OTP service has no message text is refused
// when the engine is built, not after the user has signed with ECP.
func TestEngineRefusesSMSActionWithoutMessage(t *testing.T) {
	fx := newFixture(t)
	rule, err := auth.ParseRule("(ecp & sms) | webauthn")
	require.NoError(t, err)
	strong := auth.AnyStrong()
	_, err = auth.New(auth.Config{Store: fx.store,
		Factors:  []auth.Factor{authtest.Strong(auth.KindECP), authtest.Strong(auth.KindWebAuthn), fx.sms},
		Policies: []auth.Policy{{Action: "login", Rule: rule}, {Action: "approve-loan", Rule: rule}}})
	require.ErrorIs(t, err, auth.ErrConfig)
	assert.ErrorIs(t, err, otp.ErrUnknownPurpose)
	assert.Equal(t, "config", auth.Code(err))
	assert.Contains(t, err.Error(), `"approve-loan"`)
	// An action that cannot reach SMS needs no text.
	_, err = auth.New(auth.Config{Store: fx.store,
		Factors:  []auth.Factor{authtest.Strong(auth.KindECP), authtest.Strong(auth.KindWebAuthn), fx.sms},
		Policies: []auth.Policy{{Action: "login", Rule: rule}, {Action: "approve-loan", Rule: strong}}})
	require.NoError(t, err)
}

func TestEngineStaleStrongFactorBlocksSMS(t *testing.T) {
	// The engine's gate accepts any strong factor in the flow (the policy
	// has no MaxAge); the adapter in depth wants one from the last five
	// minutes.
	e := newEngine(t, map[string]string{"login": "ecp & sms"})
	f := e.start(t, "login", "")
	e.ecpAs(t, f, "alice")
	e.clock.Advance(sms.DefaultStrongWithin + time.Second)
	_, err := e.step("begin", f, auth.KindSMS, nil)
	require.ErrorIs(t, err, sms.ErrNoStrongFactor, "the adapter wants a strong factor from the last 5 minutes")
	assert.Zero(t, e.sent.Len())
}

func TestEngineConcurrentFinishOneSuccess(t *testing.T) {
	e := newEngine(t, map[string]string{"login": "ecp & sms"}, func(c *otp.Config) { c.MaxAttempts = otp.MaxMaxAttempts })
	f := e.start(t, "login", "")
	e.ecpAs(t, f, "alice")
	_, err := e.step("begin", f, auth.KindSMS, nil)
	require.NoError(t, err)
	code := e.sent.Last().Code()

	const n = 100
	results := make([]*auth.Outcome, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out, err := e.step("finish", f, auth.KindSMS, codeInput(code))
			errs[i] = err
			if err == nil {
				results[i] = out.(*auth.Outcome)
			}
		})
	}
	close(start)
	wg.Wait()
	allowed := 0
	for i := range n {
		if errs[i] == nil && results[i].Result != nil {
			allowed++
		}
		if errs[i] != nil {
			assert.True(t, errors.Is(errs[i], auth.ErrReplay) || errors.Is(errs[i], auth.ErrLocked) ||
				errors.Is(errs[i], auth.ErrFlowCompleted) || errors.Is(errs[i], auth.ErrAlreadyCompleted), "%v", errs[i])
		}
	}
	assert.Equal(t, 1, allowed, "exactly one Finish completes the flow")
}

func TestEngineLockoutSurvivesResend(t *testing.T) {
	e := newEngine(t, map[string]string{"login": "ecp & sms"}, func(c *otp.Config) { c.MaxFailures = 6 })
	f := e.start(t, "login", "")
	e.ecpAs(t, f, "alice")
	_, err := e.step("begin", f, auth.KindSMS, nil)
	require.NoError(t, err)
	code := e.sent.Last().Code()
	for range otp.DefaultMaxAttempts {
		_, err = e.step("finish", f, auth.KindSMS, codeInput(wrongCode(code)))
		require.ErrorIs(t, err, auth.ErrVerification)
	}
	e.clock.Advance(otp.DefaultCooldown)
	_, err = e.step("begin", f, auth.KindSMS, nil) // resend
	require.NoError(t, err)
	code = e.sent.Last().Code()
	_, err = e.step("finish", f, auth.KindSMS, codeInput(wrongCode(code))) // the 6th failure
	require.ErrorIs(t, err, auth.ErrVerification)
	_, err = e.step("finish", f, auth.KindSMS, codeInput(code))
	require.ErrorIs(t, err, auth.ErrLocked, "the right code after the lockout")
	e.clock.Advance(otp.DefaultCooldown)
	n := e.sent.Len()
	_, err = e.step("begin", f, auth.KindSMS, nil)
	require.ErrorIs(t, err, auth.ErrLocked, "and no new code for a locked account")
	assert.Equal(t, n, e.sent.Len())
}

// TestEngineFlowLanguage: the language a page starts the flow in reaches
// the SMS of an account without one, and never replaces an account's own.
func TestEngineFlowLanguage(t *testing.T) {
	e := newEngine(t, map[string]string{"login": "ecp & sms"})
	e.book.bind("carol", "+77781234567")
	for _, c := range []struct{ subject, page, want string }{
		{"carol", "kk", "kk"}, {"carol", "en", "en"}, {"carol", "", "ru"}, {"bob", "kk", "en"},
	} {
		f, err := e.eng.Start(context.Background(), auth.StartRequest{Action: "login", Binding: binding, Lang: c.page})
		require.NoError(t, err)
		e.ecpAs(t, f, c.subject)
		e.clock.Advance(otp.DefaultCooldown) // the phone's cooldown
		_, err = e.step("begin", f, auth.KindSMS, nil)
		require.NoError(t, err)
		assert.Equal(t, c.want, e.sent.Last().Lang, "%s, page %q", c.subject, c.page)
	}
}
