package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/memory"
)

type harness struct {
	eng      *auth.Engine
	clock    *fakeclock.Clock
	store    *memory.Store
	ecp, sms *authtest.Factor
	passkey  *authtest.Factor
	events   *recorder
}

type recorder struct{ authtest.Recorder }

func (r *recorder) types() []string {
	var ts []string
	for _, e := range r.Events() {
		ts = append(ts, e.Type)
	}
	return ts
}

func newHarness(t *testing.T, policies ...auth.Policy) *harness {
	t.Helper()
	h := &harness{
		clock:   fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)),
		ecp:     authtest.Strong(auth.KindECP),
		sms:     authtest.Weak(auth.KindSMS),
		passkey: authtest.Strong(auth.KindWebAuthn),
		events:  &recorder{},
	}
	h.store = memory.New(memory.Config{Now: h.clock.Now})
	t.Cleanup(func() { h.store.Close() })
	if len(policies) == 0 {
		policies = []auth.Policy{
			{Action: "login", Rule: rule(t, "(ecp & sms) | webauthn")},
			{Action: "sign-document", Rule: rule(t, "strong"), MaxAge: 5 * time.Minute},
		}
	}
	var err error
	h.eng, err = auth.New(auth.Config{
		Store:    h.store,
		Factors:  []auth.Factor{h.ecp, h.sms, h.passkey},
		Policies: policies,
		Now:      h.clock.Now,
		Audit:    h.events,
	})
	require.NoError(t, err)
	return h
}

func rule(t testing.TB, s string) auth.Expr {
	e, err := auth.ParseRule(s)
	require.NoError(t, err)
	return e
}

const binding = "browser-secret-0123456789abcdef"

func (h *harness) start(t *testing.T, action, subject string) *auth.Flow {
	t.Helper()
	f, err := h.eng.Start(context.Background(), auth.StartRequest{Action: action, Subject: subject, Binding: binding})
	require.NoError(t, err)
	return f
}

func (h *harness) step(t *testing.T, f *auth.Flow, k auth.Kind, input json.RawMessage) (*auth.Outcome, error) {
	t.Helper()
	ctx := context.Background()
	if _, err := h.eng.Begin(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: k}); err != nil {
		return nil, err
	}
	return h.eng.Finish(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: k, Input: input})
}

func TestNewRefusesWeakPolicies(t *testing.T) {
	st := memory.New(memory.Config{})
	defer st.Close()
	facs := []auth.Factor{authtest.Strong(auth.KindECP), authtest.Weak(auth.KindSMS), authtest.Weak("email")}
	for _, r := range []string{"sms", "sms | ecp", "sms & sms", "sms & email", "(ecp & sms) | email"} {
		_, err := auth.New(auth.Config{Store: st, Factors: facs, Policies: []auth.Policy{{Action: "login", Rule: rule(t, r)}}})
		assert.ErrorIs(t, err, auth.ErrWeakPolicy, r)
	}
	// A factor of kind sms cannot make itself strong.
	smsClaimsStrong := &authtest.Factor{K: auth.KindSMS, AMR: []string{"hwk", "user"}}
	_, err := auth.New(auth.Config{Store: st, Factors: []auth.Factor{smsClaimsStrong},
		Policies: []auth.Policy{{Action: "login", Rule: rule(t, "sms")}}})
	assert.ErrorIs(t, err, auth.ErrWeakPolicy)

	_, err = auth.New(auth.Config{Store: st, Factors: facs, Policies: []auth.Policy{{Action: "login", Rule: rule(t, "qr")}}})
	assert.ErrorIs(t, err, auth.ErrUnknownFactor, "a rule naming an unconfigured factor")
	_, err = auth.New(auth.Config{Factors: facs, Policies: []auth.Policy{{Action: "login", Rule: rule(t, "ecp")}}})
	assert.ErrorIs(t, err, auth.ErrConfig, "no store")
	_, err = auth.New(auth.Config{Store: st, Factors: append(facs, authtest.Strong(auth.KindECP)), Policies: []auth.Policy{{Action: "login", Rule: rule(t, "ecp")}}})
	assert.ErrorIs(t, err, auth.ErrConfig, "duplicate kind")
	_, err = auth.New(auth.Config{Store: st, Factors: facs, Policies: []auth.Policy{{Action: "login", Rule: rule(t, "ecp & sms")}}})
	assert.NoError(t, err)
}

// TestFlowKey checks the flow's store key: the host's prefix, then the flow
// ID as a hash tag; a prefix with a brace, which would move the tag, is
// refused.
func TestFlowKey(t *testing.T) {
	st := memory.New(memory.Config{})
	defer st.Close()
	facs := []auth.Factor{authtest.Strong(auth.KindECP)}
	pol := []auth.Policy{{Action: "login", Rule: rule(t, "ecp")}}
	for _, bad := range []string{"sa:{flow}:", "sa:flow{", "sa}"} {
		_, err := auth.New(auth.Config{Store: st, Factors: facs, Policies: pol, KeyPrefix: bad})
		assert.ErrorIs(t, err, auth.ErrConfig, bad)
	}
	for prefix, want := range map[string]string{"": "sa:flow:", "app:flows:": "app:flows:"} {
		eng, err := auth.New(auth.Config{Store: st, Factors: facs, Policies: pol, KeyPrefix: prefix})
		require.NoError(t, err)
		f, err := eng.Start(context.Background(), auth.StartRequest{Action: "login", Binding: "a-binding-secret-of-16+-bytes"})
		require.NoError(t, err)
		_, _, err = st.Get(context.Background(), want+"{"+f.ID+"}")
		assert.NoError(t, err, "the flow is stored under %s{<id>}", want)
		_, _, err = st.Get(context.Background(), want+f.ID)
		assert.ErrorIs(t, err, store.ErrNotFound, "not under the old key without a tag")
	}
}

func TestLoginWithECPThenSMS(t *testing.T) {
	h := newHarness(t)
	f := h.start(t, "login", "")
	out, err := h.step(t, f, auth.KindECP, authtest.OK("alice"))
	require.NoError(t, err)
	assert.False(t, out.Decision.Allowed)
	assert.Equal(t, [][]string{{"sms"}}, out.Decision.Alternatives()[:1])
	assert.Equal(t, "alice", out.Flow.Subject)

	out, err = h.step(t, f, auth.KindSMS, authtest.OK(""))
	require.NoError(t, err)
	require.True(t, out.Decision.Allowed)
	r := out.Result
	require.NotNil(t, r)
	assert.Equal(t, "alice", r.Subject)
	assert.Equal(t, "login", r.Action)
	assert.Equal(t, "strong-mfa", r.ACR)
	assert.ElementsMatch(t, []string{"hwk", "user", "sms", "otp", "mfa"}, r.AMR)
	assert.Equal(t, h.clock.Now(), r.AuthTime)

	// The flow is redeemed once.
	_, err = h.eng.Decide(context.Background(), f.ID, binding)
	assert.ErrorIs(t, err, auth.ErrFlowCompleted)
	_, err = h.eng.Begin(context.Background(), auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn})
	assert.ErrorIs(t, err, auth.ErrFlowCompleted)

	assert.Subset(t, h.events.types(), []string{auth.EventFlowStarted, auth.EventFactorBegun, auth.EventFactorFinished, auth.EventDecision, auth.EventFlowCompleted})
}

func TestGateRefusalSendsNothing(t *testing.T) {
	h := newHarness(t)
	f := h.start(t, "login", "alice") // even with the subject known
	_, err := h.eng.Begin(context.Background(), auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindSMS})
	require.ErrorIs(t, err, auth.ErrGate)
	var fe *auth.FactorError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, auth.KindSMS, fe.Kind)
	assert.Equal(t, "begin", fe.Op)
	assert.Equal(t, int64(0), h.sms.Begins(), "the SMS factor must not be called")
	assert.Contains(t, h.events.types(), auth.EventFactorRefused)

	// Finish without Begin is refused too, and the factor is not asked.
	_, err = h.eng.Finish(context.Background(), auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindSMS, Input: authtest.OK("alice")})
	require.ErrorIs(t, err, auth.ErrNotBegun)
	assert.Equal(t, int64(0), h.sms.Finishes())

	d, err := h.eng.Decide(context.Background(), f.ID, binding)
	require.NoError(t, err)
	assert.False(t, d.Allowed)
}

func TestSMSGateNeedsFreshStrongFactor(t *testing.T) {
	h := newHarness(t, auth.Policy{Action: "login", Rule: rule(t, "ecp & sms"), MaxAge: 5 * time.Minute})
	f := h.start(t, "login", "")
	_, err := h.step(t, f, auth.KindECP, authtest.OK("alice"))
	require.NoError(t, err)
	h.clock.Advance(6 * time.Minute)
	_, err = h.eng.Begin(context.Background(), auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindSMS})
	assert.ErrorIs(t, err, auth.ErrGate)
	assert.Equal(t, int64(0), h.sms.Begins())
}

func TestFactorOutsidePolicyCannotBegin(t *testing.T) {
	h := newHarness(t, auth.Policy{Action: "login", Rule: rule(t, "webauthn")})
	f := h.start(t, "login", "")
	_, err := h.eng.Begin(context.Background(), auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindECP})
	assert.ErrorIs(t, err, auth.ErrGate)
	_, err = h.eng.Begin(context.Background(), auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: "nope"})
	assert.ErrorIs(t, err, auth.ErrUnknownFactor)
}

func TestSubjectMismatchRejected(t *testing.T) {
	h := newHarness(t)
	f := h.start(t, "login", "")
	_, err := h.step(t, f, auth.KindECP, authtest.OK("alice"))
	require.NoError(t, err)
	_, err = h.step(t, f, auth.KindSMS, authtest.OK("mallory"))
	require.ErrorIs(t, err, auth.ErrSubjectMismatch)

	// A step-up flow for a known subject refuses another person's proof.
	f = h.start(t, "sign-document", "alice")
	_, err = h.step(t, f, auth.KindWebAuthn, authtest.OK("bob"))
	require.ErrorIs(t, err, auth.ErrSubjectMismatch)
	d, err := h.eng.Decide(context.Background(), f.ID, binding)
	require.NoError(t, err)
	assert.False(t, d.Allowed)
}

func TestExpiredFlowRejected(t *testing.T) {
	h := newHarness(t)
	f := h.start(t, "login", "")
	_, err := h.eng.Begin(context.Background(), auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn})
	require.NoError(t, err)
	h.clock.Advance(auth.DefaultFlowTTL)
	_, err = h.eng.Finish(context.Background(), auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn, Input: authtest.OK("alice")})
	assert.ErrorIs(t, err, auth.ErrFlowExpired)
	assert.Equal(t, int64(0), h.passkey.Finishes())
	h.clock.Advance(time.Hour)
	_, err = h.eng.Decide(context.Background(), f.ID, binding)
	assert.ErrorIs(t, err, auth.ErrFlowNotFound)
}

func TestOtherBrowserRejected(t *testing.T) {
	h := newHarness(t)
	f := h.start(t, "login", "")
	ctx := context.Background()
	for _, b := range []string{"", "another-browser-secret-00000000", binding + "x"} {
		_, err := h.eng.Begin(ctx, auth.StepRequest{FlowID: f.ID, Binding: b, Kind: auth.KindWebAuthn})
		assert.ErrorIs(t, err, auth.ErrBinding)
		_, err = h.eng.Decide(ctx, f.ID, b)
		assert.ErrorIs(t, err, auth.ErrBinding)
	}
	_, err := h.eng.Begin(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn})
	require.NoError(t, err)
	_, err = h.eng.Finish(ctx, auth.StepRequest{FlowID: f.ID, Binding: "another-browser-secret-00000000", Kind: auth.KindWebAuthn, Input: authtest.OK("alice")})
	assert.ErrorIs(t, err, auth.ErrBinding)
	assert.Equal(t, int64(0), h.passkey.Finishes())
	for _, id := range []string{"", "x", f.ID[:31], f.ID + "0", "../../etc/passwd", "ABCDEF0123456789ABCDEF0123456789"} {
		_, err := h.eng.Decide(ctx, id, binding)
		assert.ErrorIs(t, err, auth.ErrFlowNotFound, id)
	}
	_, err = h.eng.Start(ctx, auth.StartRequest{Action: "login", Binding: "short"})
	assert.ErrorIs(t, err, auth.ErrInvalidInput)
	_, err = h.eng.Start(ctx, auth.StartRequest{Action: "transfer", Binding: binding})
	assert.ErrorIs(t, err, auth.ErrUnknownAction)
}

// TestConcurrentFinishesCountedOnce races 100 finishes of one step: the
// evidence is recorded exactly once and the flow completes exactly once.
func TestConcurrentFinishesCountedOnce(t *testing.T) {
	h := newHarness(t)
	f := h.start(t, "login", "")
	ctx := context.Background()
	_, err := h.eng.Begin(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn})
	require.NoError(t, err)
	h.passkey.Gate = make(chan struct{})
	var (
		wg        sync.WaitGroup
		ok, other atomic.Int32
		results   atomic.Int32
	)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := h.eng.Finish(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn, Input: authtest.OK("alice")})
			switch {
			case err == nil:
				ok.Add(1)
				if out.Result != nil {
					results.Add(1)
				}
			case errors.Is(err, auth.ErrAlreadyCompleted), errors.Is(err, auth.ErrFlowCompleted):
				other.Add(1)
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	time.Sleep(10 * time.Millisecond) // let them pile up on the gate
	close(h.passkey.Gate)
	wg.Wait()
	assert.Equal(t, int32(1), ok.Load())
	assert.Equal(t, int32(1), results.Load())
	assert.Equal(t, int32(99), other.Load())
	stored, err := h.eng.Inspect(ctx, f.ID, binding)
	require.NoError(t, err)
	assert.Len(t, stored.Evidence, 1)
	assert.True(t, stored.Completed)
}

func TestFailedFinishAddsNothing(t *testing.T) {
	h := newHarness(t)
	f := h.start(t, "login", "")
	_, err := h.step(t, f, auth.KindWebAuthn, authtest.Bad())
	require.ErrorIs(t, err, auth.ErrVerification)
	assert.Equal(t, "verification_failed", auth.Code(err))
	_, err = h.eng.Finish(context.Background(), auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn, Input: json.RawMessage(`{`)})
	require.ErrorIs(t, err, auth.ErrInvalidInput)
	d, err := h.eng.Decide(context.Background(), f.ID, binding)
	require.NoError(t, err)
	assert.False(t, d.Allowed)
	assert.Contains(t, h.events.types(), auth.EventFactorFailed)
}

func TestFraudReportCancelsFlow(t *testing.T) {
	h := newHarness(t)
	f := h.start(t, "login", "")
	h.passkey.FinishErr = auth.Classify(auth.ErrFraud, errors.New("qr: user denied"))
	_, err := h.step(t, f, auth.KindWebAuthn, authtest.OK("alice"))
	require.ErrorIs(t, err, auth.ErrFraud)
	h.passkey.FinishErr = nil
	_, err = h.step(t, f, auth.KindWebAuthn, authtest.OK("alice"))
	require.ErrorIs(t, err, auth.ErrFlowCancelled, "a cancelled flow stays cancelled")
	assert.Contains(t, h.events.types(), auth.EventFraudReported)
	assert.Contains(t, h.events.types(), auth.EventFlowCancelled)
}

func TestCancel(t *testing.T) {
	h := newHarness(t)
	f := h.start(t, "login", "")
	require.NoError(t, h.eng.Cancel(context.Background(), f.ID, "user"))
	_, err := h.eng.Decide(context.Background(), f.ID, binding)
	assert.ErrorIs(t, err, auth.ErrFlowCancelled)
	assert.NoError(t, h.eng.Cancel(context.Background(), "00000000000000000000000000000000", "user"))
}

func TestStepUpFreshness(t *testing.T) {
	h := newHarness(t)
	f := h.start(t, "sign-document", "alice")
	out, err := h.step(t, f, auth.KindWebAuthn, authtest.OK("alice"))
	require.NoError(t, err)
	require.True(t, out.Decision.Allowed)
	r := out.Result
	assert.Equal(t, "strong", r.ACR)
	assert.True(t, h.eng.Check(r, "sign-document").Allowed)
	assert.False(t, h.eng.Check(r, "login").Allowed, "a result is for its own action")
	h.clock.Advance(5*time.Minute + time.Second)
	d := h.eng.Check(r, "sign-document")
	assert.False(t, d.Allowed)
	assert.NotZero(t, d.Reasons&auth.ReasonStale)
	assert.Equal(t, [][]string{{"strong"}}, d.Alternatives())
}

// TestStepUpFromALoginResult: with SatisfiedBy, a login result whose
// strong evidence is younger than the step-up policy's MaxAge satisfies it
// (what the portal promises: "a strong factor from the last five
// minutes"); an ECP+SMS login counts through its ECP evidence, an old one
// does not, and without SatisfiedBy nothing carries over.
func TestStepUpFromALoginResult(t *testing.T) {
	h := newHarness(t,
		auth.Policy{Action: "login", Rule: rule(t, "(ecp & sms) | webauthn")},
		auth.Policy{Action: "sign-document", Rule: rule(t, "strong"), MaxAge: 5 * time.Minute, SatisfiedBy: []string{"login"}},
		auth.Policy{Action: "transfer", Rule: rule(t, "webauthn"), MaxAge: 5 * time.Minute, SatisfiedBy: []string{"login"}},
		auth.Policy{Action: "change-phone", Rule: rule(t, "strong"), MaxAge: 5 * time.Minute})
	f := h.start(t, "login", "")
	_, err := h.step(t, f, auth.KindECP, authtest.OK("alice"))
	require.NoError(t, err)
	out, err := h.step(t, f, auth.KindSMS, authtest.OK("alice"))
	require.NoError(t, err)
	r := out.Result
	require.NotNil(t, r)
	assert.True(t, h.eng.Check(r, "sign-document").Allowed, "the login's ECP is strong and fresh")
	assert.False(t, h.eng.Check(r, "transfer").Allowed, "the rule still applies: transfer needs a passkey")
	assert.False(t, h.eng.Check(r, "change-phone").Allowed, "no SatisfiedBy: a login result does not count")
	h.clock.Advance(5*time.Minute + time.Second)
	d := h.eng.Check(r, "sign-document")
	assert.False(t, d.Allowed)
	assert.NotZero(t, d.Reasons&auth.ReasonStale)

	for _, bad := range [][]string{{"nope"}, {"sign-document"}} {
		_, err := auth.New(auth.Config{Store: h.store, Factors: []auth.Factor{h.ecp, h.sms, h.passkey},
			Policies: []auth.Policy{{Action: "login", Rule: rule(t, "webauthn")},
				{Action: "sign-document", Rule: rule(t, "strong"), SatisfiedBy: bad}}})
		assert.ErrorIs(t, err, auth.ErrConfig, bad)
	}
}

func TestStoreFailureDenies(t *testing.T) {
	h := newHarness(t)
	f := h.start(t, "login", "")
	h.store.Close()
	_, err := h.eng.Begin(context.Background(), auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn})
	assert.ErrorIs(t, err, auth.ErrUnavailable)
	assert.ErrorIs(t, err, store.ErrClosed)
	_, err = h.eng.Decide(context.Background(), f.ID, binding)
	assert.ErrorIs(t, err, auth.ErrUnavailable)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestRandomnessFailureDenies(t *testing.T) {
	st := memory.New(memory.Config{})
	defer st.Close()
	e, err := auth.New(auth.Config{Store: st, Factors: []auth.Factor{authtest.Strong(auth.KindECP)},
		Policies: []auth.Policy{{Action: "login", Rule: auth.KindECP}}, Rand: failingReader{}})
	require.NoError(t, err)
	_, err = e.Start(context.Background(), auth.StartRequest{Action: "login", Binding: binding})
	assert.ErrorIs(t, err, auth.ErrUnavailable)
	_, err = e.NewBinding()
	assert.ErrorIs(t, err, auth.ErrUnavailable)
}

// TestEventsCarryNoSecrets runs a whole flow and checks that neither the
// binding secret nor the flow ID appears in any audit event.
func TestEventsCarryNoSecrets(t *testing.T) {
	h := newHarness(t)
	f := h.start(t, "login", "")
	_, err := h.step(t, f, auth.KindECP, authtest.OK("alice"))
	require.NoError(t, err)
	_, err = h.step(t, f, auth.KindSMS, authtest.Bad())
	require.Error(t, err)
	out, err := h.step(t, f, auth.KindSMS, authtest.OK("alice"))
	require.NoError(t, err)
	require.True(t, out.Decision.Allowed)
	g := h.start(t, "login", "")
	require.NoError(t, h.eng.Cancel(context.Background(), g.ID, "test"))
	require.NotEmpty(t, h.events.Events())
	for _, e := range h.events.Events() {
		dump := fmt.Sprintf("%+v %#v", e, e)
		j, _ := json.Marshal(e)
		for _, secret := range []string{binding, f.ID, g.ID} {
			assert.NotContains(t, dump, secret, e.Type)
			assert.False(t, bytes.Contains(j, []byte(secret)), e.Type)
		}
		assert.Contains(t, []string{f.Ref(), g.Ref()}, e.Flow)
	}
}

func TestFlowIsCopied(t *testing.T) {
	h := newHarness(t)
	f := h.start(t, "login", "")
	f.Subject = "mallory"
	f.Evidence = append(f.Evidence, auth.Evidence{Kind: auth.KindWebAuthn, Strength: auth.Strong, Subject: "mallory"})
	got, err := h.eng.Flow(context.Background(), f.ID, binding)
	require.NoError(t, err)
	assert.Empty(t, got.Subject)
	assert.Empty(t, got.Evidence)
}

func ExampleEngine() {
	st := memory.New(memory.Config{})
	defer st.Close()
	rule, _ := auth.ParseRule("(ecp & sms) | webauthn")
	eng, err := auth.New(auth.Config{
		Store:    st,
		Factors:  []auth.Factor{authtest.Strong(auth.KindECP), authtest.Weak(auth.KindSMS), authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "login", Rule: rule}},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	secret, _ := eng.NewBinding() // the host keeps it in an HttpOnly cookie
	flow, _ := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: secret})

	// SMS first is refused, and nothing is sent.
	_, err = eng.Begin(ctx, auth.StepRequest{FlowID: flow.ID, Binding: secret, Kind: auth.KindSMS})
	fmt.Println(auth.Code(err))

	// ECP, then SMS.
	for _, k := range []auth.Kind{auth.KindECP, auth.KindSMS} {
		eng.Begin(ctx, auth.StepRequest{FlowID: flow.ID, Binding: secret, Kind: k})
		out, err := eng.Finish(ctx, auth.StepRequest{FlowID: flow.ID, Binding: secret, Kind: k, Input: authtest.OK("alice")})
		if err != nil {
			panic(err)
		}
		fmt.Println(k, out.Decision.Allowed, out.Decision.Alternatives())
		if out.Result != nil {
			fmt.Println(out.Result.Subject, out.Result.ACR, out.Result.AMR)
		}
	}
	// Output:
	// factor_not_allowed
	// ecp false [[sms] [webauthn]]
	// sms true []
	// alice strong-mfa [hwk user sms otp mfa]
}
