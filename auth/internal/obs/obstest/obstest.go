// Package obstest drives a real auth.Engine (with authtest's fake
// factors) and a real revocation checker through a fixed script, for the
// tests of the metrics and tracing adapters: both read back the same
// numbers through their own libraries' test helpers.
package obstest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/revocation"
	"github.com/strongauth/strongauth/signature/sigtest"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/memory"
)

// Actions are the script's actions (the adapters' Config.Actions).
func Actions() []string { return []string{"login"} }

// Result names what the script did, for assertions.
type Result struct {
	// Completed is the reference of the flow that completed (ecp then
	// sms), Refused of the flow whose sms begin a gate refused, whose ecp
	// finish failed verification and which was then cancelled, Broken of
	// the flow whose webauthn finish met an unavailable store.
	Completed, Refused, Broken string
	// Subject is the subject the script's factors proved: it must appear
	// in no metric label and no span attribute. FlowIDs are the flows' IDs:
	// they must appear nowhere either.
	Subject string
	FlowIDs []string
}

// Expected counts of the script, shared by the adapters' tests.
const (
	Started   = 3 // flows of action login
	Completed = 1
	Cancelled = 1
	SMSSent   = 1
)

// failingStore fails CompareAndSwap while fail is set.
type failingStore struct {
	store.Store
	fail atomic.Bool
}

func (s *failingStore) CompareAndSwap(ctx context.Context, key string, old uint64, value []byte, ttl time.Duration) (uint64, error) {
	if s.fail.Load() {
		return 0, store.ErrUnavailable
	}
	return s.Store.CompareAndSwap(ctx, key, old, value, ttl)
}

// Run builds the engine with audit and tracer (either may be nil) and runs
// the script:
//
//   - flow 1 (login): ecp then sms: completed; the sms begin sends a code;
//   - flow 2 (login): sms begin refused by the gate (factor_not_allowed),
//     ecp finish fails (verification_failed), then cancelled;
//   - flow 3 (login): webauthn begun, its finish meets an unavailable store;
//   - a start for an unknown action ("payroll"): refused, no flow
//     (step_failed);
//   - a start of login while the store is down: refused (step_failed,
//     unavailable);
//   - a revocation check of a revoked certificate (CRL): revoked, with
//     flow 1's reference in the context.
func Run(t testing.TB, audit auth.Auditor, tracer auth.Tracer) Result {
	t.Helper()
	ctx := context.Background()
	st := &failingStore{Store: memory.New(memory.Config{SweepInterval: -1})}
	t.Cleanup(func() { st.Store.(*memory.Store).Close() })
	rule, err := auth.ParseRule("(ecp & sms) | webauthn")
	require.NoError(t, err)
	eng, err := auth.New(auth.Config{
		Store:    st,
		Factors:  []auth.Factor{authtest.Strong(auth.KindECP), authtest.Weak(auth.KindSMS), authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "login", Rule: rule}},
		Audit:    audit,
		Tracer:   tracer,
	})
	require.NoError(t, err)
	const binding = "browser-binding-secret-0123456789"
	const subject = "person-870101300123"
	var res Result
	res.Subject = subject
	start := func() *auth.Flow {
		f, err := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding})
		require.NoError(t, err)
		res.FlowIDs = append(res.FlowIDs, f.ID)
		return f
	}
	step := func(f *auth.Flow, k auth.Kind) auth.StepRequest {
		return auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: k}
	}
	finish := func(f *auth.Flow, k auth.Kind, in []byte) (*auth.Outcome, error) {
		req := step(f, k)
		req.Input = in
		return eng.Finish(ctx, req)
	}

	f1 := start()
	res.Completed = f1.Ref()
	_, err = eng.Begin(ctx, step(f1, auth.KindECP))
	require.NoError(t, err)
	_, err = finish(f1, auth.KindECP, authtest.OK(subject))
	require.NoError(t, err)
	_, err = eng.Begin(ctx, step(f1, auth.KindSMS))
	require.NoError(t, err)
	out, err := finish(f1, auth.KindSMS, authtest.OK(subject))
	require.NoError(t, err)
	require.True(t, out.Decision.Allowed)

	f2 := start()
	res.Refused = f2.Ref()
	_, err = eng.Begin(ctx, step(f2, auth.KindSMS))
	require.ErrorIs(t, err, auth.ErrGate)
	_, err = eng.Begin(ctx, step(f2, auth.KindECP))
	require.NoError(t, err)
	_, err = finish(f2, auth.KindECP, authtest.Bad())
	require.ErrorIs(t, err, auth.ErrVerification)
	require.NoError(t, eng.Cancel(ctx, f2.ID, "user_cancelled"))

	f3 := start()
	res.Broken = f3.Ref()
	_, err = eng.Begin(ctx, step(f3, auth.KindWebAuthn))
	require.NoError(t, err)
	st.fail.Store(true)
	_, err = finish(f3, auth.KindWebAuthn, authtest.OK(subject))
	require.ErrorIs(t, err, auth.ErrUnavailable)
	st.fail.Store(false)

	_, err = eng.Start(ctx, auth.StartRequest{Action: "payroll", Binding: binding})
	require.ErrorIs(t, err, auth.ErrUnknownAction)

	st.fail.Store(true)
	_, err = eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding})
	require.ErrorIs(t, err, auth.ErrUnavailable)
	st.fail.Store(false)

	checkRevoked(t, auth.ContextWithFlowRef(ctx, res.Completed), audit)
	return res
}

// checkRevoked checks a revoked development certificate against a static
// CRL, with the checker reporting to audit.
func checkRevoked(t testing.TB, ctx context.Context, audit auth.Auditor) {
	t.Helper()
	g := devpki.New(devpki.Config{})
	ca, err := g.Root(devpki.CAOptions{CommonName: "obstest CA", Algorithm: devpki.ECDSAP256})
	require.NoError(t, err)
	leaf, err := ca.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "TESTOV", Name: "TEST",
		IIN: "870101300123"})
	require.NoError(t, err)
	crl, err := ca.CRL(devpki.CRLOptions{Revoked: []devpki.Revoked{{Serial: leaf.Cert.SerialNumber, At: time.Now().Add(-time.Minute)}}})
	require.NoError(t, err)
	if audit != nil {
		audit = auth.WithoutPersonalData(audit)
	}
	c, err := revocation.New(revocation.Config{Mode: revocation.CRLOnly, Audit: audit,
		CRLs: []revocation.StaticCRL{{CRL: crl, Issuer: ca.Cert}}})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.CheckRevocation(ctx, leaf.Cert, ca.Cert)
	require.ErrorIs(t, err, signature.ErrRevoked)
}

// Events returns the events of one login flow (ecp, then sms) and of one
// revocation check, for per-event benchmarks.
func Events() []auth.Event {
	ev := func(typ string, k auth.Kind, op, code string) auth.Event {
		return auth.Event{Type: typ, Flow: "0123456789abcdef", Action: "login", Subject: "person-1", Kind: k, Op: op,
			Code: code, Duration: 3 * time.Millisecond}
	}
	return []auth.Event{
		ev(auth.EventFlowStarted, "", "", ""),
		ev(auth.EventFactorBegun, auth.KindECP, "begin", ""),
		ev(auth.EventFactorFinished, auth.KindECP, "finish", ""),
		{Type: revocation.EventRevocation, Flow: "0123456789abcdef", Attrs: map[string]string{"source": "ocsp", "status": "good", "serial": "0A"}},
		ev(auth.EventDecision, "", "", ""),
		ev(auth.EventFactorRefused, auth.KindSMS, "begin", "rate_limited"),
		ev(auth.EventFactorBegun, auth.KindSMS, "begin", ""),
		ev(auth.EventFactorFailed, auth.KindSMS, "finish", "verification_failed"),
		ev(auth.EventFactorFinished, auth.KindSMS, "finish", ""),
		ev(auth.EventDecision, "", "", ""),
		ev(auth.EventFlowCompleted, "", "", ""),
	}
}

// FlowRunner returns a function that runs one whole login flow (start,
// begin and finish of a fake webauthn factor) on an engine with a memory
// store, audit and tracer, for the adapters' overhead benchmarks.
func FlowRunner(b testing.TB, audit auth.Auditor, tracer auth.Tracer) func() {
	st := memory.New(memory.Config{SweepInterval: -1})
	b.Cleanup(func() { st.Close() })
	eng, err := auth.New(auth.Config{
		Store: st, Factors: []auth.Factor{authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "login", Rule: auth.KindWebAuthn}},
		Audit:    audit, Tracer: tracer,
	})
	require.NoError(b, err)
	ctx := context.Background()
	const binding = "browser-binding-secret-0123456789"
	ok := authtest.OK("person-1")
	return func() {
		f, err := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding})
		if err != nil {
			b.Fatal(err)
		}
		req := auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn}
		if _, err := eng.Begin(ctx, req); err != nil {
			b.Fatal(err)
		}
		req.Input = ok
		if out, err := eng.Finish(ctx, req); err != nil || !out.Decision.Allowed {
			b.Fatal(err)
		}
	}
}

// Nop is an auditor that does nothing: the baseline of the benchmarks.
func Nop() auth.Auditor { return auth.AuditorFunc(func(context.Context, auth.Event) {}) }

// BenchAudit measures a's cost per audit event (the mix of Events) in the
// sub-benchmarks "nop" and name, and as the interleaved ratio of a batch
// of Events to the same batch given to a no-op auditor
// ("ratio-NAME-to-nop").
func BenchAudit(b *testing.B, name string, a auth.Auditor) {
	events := Events()
	ctx := context.Background()
	each := func(a auth.Auditor) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				a.Audit(ctx, events[i%len(events)])
			}
		}
	}
	batch := func(a auth.Auditor) func(*testing.B) {
		return func(*testing.B) {
			for i := range events {
				a.Audit(ctx, events[i])
			}
		}
	}
	nop := Nop()
	b.Run("nop", each(nop))
	b.Run(name, each(a))
	b.Run("ratio-"+name+"-to-nop", func(b *testing.B) { sigtest.Ratio(b, batch(nop), batch(a)) })
}

// Wiring is an auditor and a tracer for BenchFlow.
type Wiring struct {
	Name   string
	Audit  auth.Auditor
	Tracer auth.Tracer
}

// BenchFlow measures a whole login flow (FlowRunner) with a no-op auditor
// ("nop") and with each wiring, and the interleaved ratio of each to
// "nop".
func BenchFlow(b *testing.B, ws ...Wiring) {
	nop := FlowRunner(b, Nop(), nil)
	loop := func(run func()) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				run()
			}
		}
	}
	b.Run("nop", loop(nop))
	for _, w := range ws {
		run := FlowRunner(b, w.Audit, w.Tracer)
		b.Run(w.Name, loop(run))
		b.Run("ratio-"+w.Name+"-to-nop", func(b *testing.B) {
			sigtest.Ratio(b, func(*testing.B) { nop() }, func(*testing.B) { run() })
		})
	}
}
