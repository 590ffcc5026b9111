package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/internal/testenv"
	"github.com/strongauth/strongauth/store/memory"
)

// certFactor proves a subject with certificate-like attributes and records
// the flow reference its context carried.
type certFactor struct{ refs []string }

func (f *certFactor) Kind() auth.Kind { return auth.KindECP }
func (f *certFactor) Begin(ctx context.Context, req *auth.BeginRequest) (*auth.Challenge, error) {
	f.refs = append(f.refs, auth.FlowRefFrom(ctx))
	return &auth.Challenge{Kind: auth.KindECP, ExpiresAt: req.Now.Add(time.Minute)}, nil
}
func (f *certFactor) Finish(ctx context.Context, req *auth.FinishRequest) (*auth.Proof, error) {
	f.refs = append(f.refs, auth.FlowRefFrom(ctx))
	return &auth.Proof{Subject: "acct-1", AMR: []string{"sc"}, Attributes: map[string]string{
		"iin": "880101300123", "bin": "050607500041", "serial": "0FF06211DC", "roles": "individual"}}, nil
}

// TestAuditLeavesPersonalDataOut: the IIN and BIN of the signer stay out of
// audit events unless the host opts in; the result still carries them, and
// the factor's context names the flow for the events of what it calls.
func TestAuditLeavesPersonalDataOut(t *testing.T) {
	for _, personal := range []bool{false, true} {
		f := &certFactor{}
		rec := &authtest.Recorder{}
		st := memory.New(memory.Config{})
		t.Cleanup(func() { st.Close() })
		eng, err := auth.New(auth.Config{Store: st, Factors: []auth.Factor{f}, Audit: rec, AuditPersonalData: personal,
			Policies: []auth.Policy{{Action: "login", Rule: auth.AnyStrong()}}})
		require.NoError(t, err)
		ctx := context.Background()
		b, _ := eng.NewBinding()
		fl, err := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: b})
		require.NoError(t, err)
		_, err = eng.Begin(ctx, auth.StepRequest{FlowID: fl.ID, Binding: b, Kind: auth.KindECP})
		require.NoError(t, err)
		out, err := eng.Finish(ctx, auth.StepRequest{FlowID: fl.ID, Binding: b, Kind: auth.KindECP})
		require.NoError(t, err)
		require.NotNil(t, out.Result)
		assert.Equal(t, "880101300123", out.Result.Evidence[0].Attributes["iin"], "the host still gets the IIN")
		assert.Equal(t, []string{fl.Ref(), fl.Ref()}, f.refs)

		finished := rec.Of(auth.EventFactorFinished)
		require.Len(t, finished, 1)
		attrs := finished[0].Attrs
		assert.Equal(t, "0FF06211DC", attrs["serial"])
		if personal {
			assert.Equal(t, "880101300123", attrs["iin"])
			assert.Equal(t, "050607500041", attrs["bin"])
		} else {
			assert.NotContains(t, attrs, "iin")
			assert.NotContains(t, attrs, "bin")
			for _, e := range rec.Events() {
				for k, v := range e.Attrs {
					assert.NotContains(t, v, "880101300123", "%s %s", e.Type, k)
				}
			}
		}
	}
	assert.True(t, auth.IsPersonalAttribute("iin"))
	assert.False(t, auth.IsPersonalAttribute("serial"))
	assert.Nil(t, auth.WithoutPersonalData(nil))
}

type stepRecord struct {
	op, action, kind, flowAtStart, flowAtEnd, code string
}

type recTracer struct{ steps []stepRecord }

func (r *recTracer) Step(ctx context.Context, s auth.StepInfo) (context.Context, func(string, error)) {
	i := len(r.steps)
	r.steps = append(r.steps, stepRecord{op: s.Op, action: s.Action, kind: string(s.Kind), flowAtStart: s.Flow})
	return ctx, func(ref string, err error) {
		r.steps[i].flowAtEnd = ref
		r.steps[i].code = auth.Code(err)
	}
}

type slowFactor struct{ certFactor }

func (f *slowFactor) Finish(ctx context.Context, req *auth.FinishRequest) (*auth.Proof, error) {
	time.Sleep(2 * time.Millisecond)
	return f.certFactor.Finish(ctx, req)
}

// TestTracerAndLatency: a Tracer sees every step with the flow reference
// (never the ID) and its outcome; factor events carry the factor's latency.
func TestTracerAndLatency(t *testing.T) {
	tr := &recTracer{}
	rec := &authtest.Recorder{}
	st := memory.New(memory.Config{})
	t.Cleanup(func() { st.Close() })
	eng, err := auth.New(auth.Config{Store: st, Factors: []auth.Factor{&slowFactor{}}, Audit: rec, Tracer: tr,
		Policies: []auth.Policy{{Action: "login", Rule: auth.AnyStrong()}}})
	require.NoError(t, err)
	ctx := context.Background()
	b, _ := eng.NewBinding()
	fl, err := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: b})
	require.NoError(t, err)
	_, err = eng.Finish(ctx, auth.StepRequest{FlowID: fl.ID, Binding: b, Kind: auth.KindECP})
	require.Error(t, err, "not begun")
	_, err = eng.Begin(ctx, auth.StepRequest{FlowID: fl.ID, Binding: b, Kind: auth.KindECP})
	require.NoError(t, err)
	_, err = eng.Finish(ctx, auth.StepRequest{FlowID: fl.ID, Binding: b, Kind: auth.KindECP})
	require.NoError(t, err)
	ref := fl.Ref()
	assert.Equal(t, []stepRecord{
		{op: "start", action: "login", flowAtEnd: ref},
		{op: "finish", kind: "ecp", flowAtStart: ref, flowAtEnd: ref, code: "factor_not_begun"},
		{op: "begin", kind: "ecp", flowAtStart: ref, flowAtEnd: ref},
		{op: "finish", kind: "ecp", flowAtStart: ref, flowAtEnd: ref},
	}, tr.steps)
	fin := rec.Of(auth.EventFactorFinished)
	require.Len(t, fin, 1)
	assert.Equal(t, "finish", fin[0].Op)
	assert.GreaterOrEqual(t, fin[0].Duration, 2*time.Millisecond)
	failed := rec.Of(auth.EventFactorFailed)
	require.Len(t, failed, 1)
	assert.Equal(t, "finish", failed[0].Op)
	assert.Zero(t, failed[0].Duration, "refused before the factor ran")
}

// TestStepFailedEvents: steps refused before any factor ran are audited
// too (a store down at start, an unknown or foreign flow), so that metrics
// see every refusal and store failure.
func TestStepFailedEvents(t *testing.T) {
	rec := &authtest.Recorder{}
	st := memory.New(memory.Config{})
	t.Cleanup(func() { st.Close() })
	eng, err := auth.New(auth.Config{Store: st, Factors: []auth.Factor{&certFactor{}}, Audit: rec,
		Policies: []auth.Policy{{Action: "login", Rule: auth.AnyStrong()}}})
	require.NoError(t, err)
	ctx := context.Background()
	b, _ := eng.NewBinding()
	_, err = eng.Begin(ctx, auth.StepRequest{FlowID: "0123456789abcdef0123456789abcdef", Binding: b, Kind: auth.KindECP})
	require.ErrorIs(t, err, auth.ErrFlowNotFound)
	fl, err := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: b})
	require.NoError(t, err)
	other, _ := eng.NewBinding()
	_, err = eng.Finish(ctx, auth.StepRequest{FlowID: fl.ID, Binding: other, Kind: auth.KindECP})
	require.ErrorIs(t, err, auth.ErrBinding)
	_, err = eng.Start(ctx, auth.StartRequest{Action: "<script>", Binding: b})
	require.ErrorIs(t, err, auth.ErrUnknownAction)

	ev := rec.Of(auth.EventStepFailed)
	require.Len(t, ev, 3)
	assert.Equal(t, []string{"begin", "flow_not_found"}, []string{ev[0].Op, ev[0].Code})
	assert.Equal(t, []string{"finish", "binding_mismatch", fl.Ref()}, []string{ev[1].Op, ev[1].Code, ev[1].Flow})
	assert.Equal(t, []string{"start", "unknown_action", ""}, []string{ev[2].Op, ev[2].Code, ev[2].Action},
		"a client's action name is not logged")
}

// The flow reference rides on a context of its own: the parent's values,
// deadline and cancellation pass through it, contexts derived from it
// still carry the reference, and an inner reference hides an outer one.
func TestContextWithFlowRef(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithTimeout(context.WithValue(context.Background(), key{}, "v"), time.Hour)
	ctx := auth.ContextWithFlowRef(parent, "0123456789abcdef")
	assert.Equal(t, "0123456789abcdef", auth.FlowRefFrom(ctx))
	assert.Equal(t, "v", ctx.Value(key{}))
	dl, ok := ctx.Deadline()
	assert.True(t, ok)
	pdl, _ := parent.Deadline()
	assert.Equal(t, pdl, dl)
	child, cancelChild := context.WithCancel(context.WithValue(ctx, key{}, "w"))
	defer cancelChild()
	assert.Equal(t, "0123456789abcdef", auth.FlowRefFrom(child))
	assert.Equal(t, "w", child.Value(key{}))
	assert.Equal(t, "fedcba9876543210", auth.FlowRefFrom(auth.ContextWithFlowRef(child, "fedcba9876543210")))
	assert.Empty(t, auth.FlowRefFrom(parent))
	cancel()
	<-child.Done()
	assert.ErrorIs(t, child.Err(), context.Canceled)
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
}

// Offer answers yes or no for every factor without formatting the reasons
// of the refused ones: one allocation, its list, whatever it refuses.
func TestOfferAllocatesOnlyItsList(t *testing.T) {
	st := memory.New(memory.Config{})
	t.Cleanup(func() { st.Close() })
	rule, err := auth.ParseRule("(ecp & sms) | webauthn")
	require.NoError(t, err)
	eng, err := auth.New(auth.Config{Store: st, Policies: []auth.Policy{{Action: "login", Rule: rule}},
		Factors: []auth.Factor{authtest.Strong(auth.KindECP), authtest.Weak(auth.KindSMS), authtest.Strong(auth.KindWebAuthn), authtest.Strong(auth.KindQR)}})
	require.NoError(t, err)
	binding, _ := eng.NewBinding()
	f, err := eng.Start(context.Background(), auth.StartRequest{Action: "login", Binding: binding})
	require.NoError(t, err)
	require.Equal(t, []auth.Kind{auth.KindECP, auth.KindWebAuthn}, eng.Offer(context.Background(), f), "sms (too early) and qr (not in the rule) refused, the rest sorted")
	if !testenv.Race {
		assert.LessOrEqual(t, testing.AllocsPerRun(50, func() { _ = eng.Offer(context.Background(), f) }), 1.0)
	}
}
