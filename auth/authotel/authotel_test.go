package authotel_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authotel"
	"github.com/strongauth/strongauth/auth/internal/obs/obstest"
)

type harness struct {
	o      *authotel.Observer
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
}

func newHarness(t *testing.T, cfg authotel.Config) *harness {
	t.Helper()
	h := &harness{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(h.spans))
	t.Cleanup(func() {
		_ = mp.Shutdown(context.Background())
		_ = tp.Shutdown(context.Background())
	})
	cfg.MeterProvider, cfg.TracerProvider = mp, tp
	var err error
	h.o, err = authotel.New(cfg)
	require.NoError(t, err)
	return h
}

// collect reads the metrics back through the SDK's ManualReader.
func (h *harness) collect(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, h.reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		assert.Equal(t, authotel.ScopeName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// sum builds the expected cumulative counter: label pairs, then the value.
func sum(name, unit, desc string, keys []string, points ...[]any) metricdata.Metrics {
	var dps []metricdata.DataPoint[int64]
	for _, p := range points {
		var kvs []attribute.KeyValue
		for i, k := range keys {
			kvs = append(kvs, attribute.String(k, p[i].(string)))
		}
		dps = append(dps, metricdata.DataPoint[int64]{Attributes: attribute.NewSet(kvs...), Value: int64(p[len(keys)].(int))})
	}
	return metricdata.Metrics{Name: name, Unit: unit, Description: desc, Data: metricdata.Sum[int64]{
		DataPoints: dps, Temporality: metricdata.CumulativeTemporality, IsMonotonic: true}}
}

func p(v ...any) []any { return v }

// TestEngineMetricsAndSpans drives a real engine (and a revocation
// checker) with the Observer as its Auditor and Tracer, and reads the
// measurements back through the SDK's ManualReader and the spans through
// tracetest's SpanRecorder.
func TestEngineMetricsAndSpans(t *testing.T) {
	h := newHarness(t, authotel.Config{Actions: obstest.Actions()})
	res := obstest.Run(t, h.o, h.o)
	got := h.collect(t)

	for _, want := range []metricdata.Metrics{
		sum("strongauth.events", "{event}", "Audit events, by type.", []string{"type"},
			p("flow_started", 3), p("factor_begun", 4), p("factor_finished", 2), p("decision", 2), p("flow_completed", 1),
			p("factor_refused", 1), p("factor_failed", 2), p("flow_cancelled", 1), p("revocation_checked", 1), p("step_failed", 2)),
		sum("strongauth.flows.started", "{flow}", "Flows started, by action.", []string{"action"}, p("login", obstest.Started)),
		sum("strongauth.flows.completed", "{flow}", "Flows completed with an allowing decision, by action.",
			[]string{"action"}, p("login", obstest.Completed)),
		sum("strongauth.flows.cancelled", "{flow}", "Flows cancelled (by the host or a fraud report), by action.",
			[]string{"action"}, p("login", obstest.Cancelled)),
		sum("strongauth.flow.refusals", "{step}", "Factor steps that failed or that a gate refused, by action and error code.",
			[]string{"action", "code"}, p("login", "factor_not_allowed", 1), p("login", "verification_failed", 1), p("login", "unavailable", 2),
			p("other", "unknown_action", 1)),
		sum("strongauth.decisions", "{decision}", "Policy decisions, by action and result.", []string{"action", "allowed"},
			p("login", "false", 1), p("login", "true", 1)),
		sum("strongauth.factor.operations", "{operation}",
			"Factor begins and finishes, by factor, operation and outcome (ok or the error code).", []string{"factor", "op", "outcome"},
			p("ecp", "begin", "ok", 2), p("ecp", "finish", "ok", 1), p("ecp", "finish", "verification_failed", 1),
			p("sms", "begin", "ok", 1), p("sms", "begin", "factor_not_allowed", 1), p("sms", "finish", "ok", 1),
			p("webauthn", "begin", "ok", 1), p("webauthn", "finish", "unavailable", 1)),
		sum("strongauth.sms.sent", "{message}", "SMS codes sent (SMS factor begins that succeeded).", nil, p(obstest.SMSSent)),
		sum("strongauth.sms.refused", "{message}", "SMS codes not sent: SMS factor begins refused by a gate or failed, by error code.",
			[]string{"code"}, p("factor_not_allowed", 1)),
		sum("strongauth.revocation.checks", "{check}", "Certificate revocation checks, by source (ocsp, crl, none), status and outcome.",
			[]string{"source", "status", "outcome"}, p("crl", "revoked", "revoked", 1)),
		sum("strongauth.store.errors", "{error}",
			"Steps that failed because a store or a backend was unavailable (code unavailable), by factor and operation.",
			[]string{"factor", "op"}, p("webauthn", "finish", 1), p("", "start", 1)),
	} {
		m, ok := got[want.Name]
		if assert.True(t, ok, want.Name) {
			metricdatatest.AssertEqual(t, want, m, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
		}
	}
	assert.NotContains(t, got, "strongauth.fraud.reports", "no fraud in the script")

	// The factor latency histogram: one series per factor and operation.
	hist, ok := got["strongauth.factor.duration"].Data.(metricdata.Histogram[float64])
	require.True(t, ok)
	assert.Equal(t, "s", got["strongauth.factor.duration"].Unit)
	counts := map[string]uint64{}
	for _, dp := range hist.DataPoints {
		f, _ := dp.Attributes.Value("factor")
		op, _ := dp.Attributes.Value("op")
		counts[f.AsString()+" "+op.AsString()] = dp.Count
		assert.Equal(t, authotel.DefaultBuckets(), dp.Bounds)
	}
	assert.Equal(t, map[string]uint64{"ecp begin": 2, "ecp finish": 2, "sms begin": 1, "sms finish": 1,
		"webauthn begin": 1, "webauthn finish": 1}, counts)

	// A span per engine step, named by its operation, with the flow's
	// reference and the outcome code.
	refs := map[string]string{res.Completed: "F1", res.Refused: "F2", res.Broken: "F3"}
	var lines []string
	for _, s := range h.spans.Ended() {
		assert.Equal(t, authotel.ScopeName, s.InstrumentationScope().Name)
		var parts []string
		parts = append(parts, s.Name())
		for _, kv := range s.Attributes() {
			v := kv.Value.Emit()
			if kv.Key == "strongauth.flow" {
				v = refs[v]
			}
			parts = append(parts, string(kv.Key)+"="+v)
		}
		if s.Status().Code == codes.Error {
			parts = append(parts, "error:"+s.Status().Description)
		}
		var events []string
		for _, e := range s.Events() {
			events = append(events, e.Name)
		}
		parts = append(parts, "["+strings.Join(events, " ")+"]")
		lines = append(lines, strings.Join(parts, " "))
	}
	assert.Equal(t, []string{
		"strongauth.start strongauth.op=start strongauth.action=login strongauth.flow=F1 strongauth.outcome=ok [flow_started]",
		"strongauth.begin strongauth.op=begin strongauth.factor=ecp strongauth.flow=F1 strongauth.outcome=ok [factor_begun]",
		"strongauth.finish strongauth.op=finish strongauth.factor=ecp strongauth.flow=F1 strongauth.outcome=ok [factor_finished decision]",
		"strongauth.begin strongauth.op=begin strongauth.factor=sms strongauth.flow=F1 strongauth.outcome=ok [factor_begun]",
		"strongauth.finish strongauth.op=finish strongauth.factor=sms strongauth.flow=F1 strongauth.outcome=ok [factor_finished decision flow_completed]",
		"strongauth.start strongauth.op=start strongauth.action=login strongauth.flow=F2 strongauth.outcome=ok [flow_started]",
		"strongauth.begin strongauth.op=begin strongauth.factor=sms strongauth.flow=F2 strongauth.outcome=factor_not_allowed error:factor_not_allowed [factor_refused]",
		"strongauth.begin strongauth.op=begin strongauth.factor=ecp strongauth.flow=F2 strongauth.outcome=ok [factor_begun]",
		"strongauth.finish strongauth.op=finish strongauth.factor=ecp strongauth.flow=F2 strongauth.outcome=verification_failed error:verification_failed [factor_failed]",
		"strongauth.start strongauth.op=start strongauth.action=login strongauth.flow=F3 strongauth.outcome=ok [flow_started]",
		"strongauth.begin strongauth.op=begin strongauth.factor=webauthn strongauth.flow=F3 strongauth.outcome=ok [factor_begun]",
		"strongauth.finish strongauth.op=finish strongauth.factor=webauthn strongauth.flow=F3 strongauth.outcome=unavailable error:unavailable [factor_failed]",
		"strongauth.start strongauth.op=start strongauth.action=other strongauth.outcome=unknown_action error:unknown_action [step_failed]",
		"strongauth.start strongauth.op=start strongauth.action=login strongauth.outcome=unavailable error:unavailable [step_failed]",
	}, lines)

	// Nothing secret or personal in any attribute, event or status.
	var all strings.Builder
	for _, s := range h.spans.Ended() {
		fmt.Fprintln(&all, s.Name(), s.Attributes(), s.Events(), s.Status())
	}
	for _, m := range got {
		fmt.Fprintf(&all, "%+v\n", m)
	}
	for _, secret := range append([]string{res.Subject, "870101300123", "TESTOV", "browser-binding"}, res.FlowIDs...) {
		assert.NotContains(t, all.String(), secret)
	}
}

// TestSpanEventsBounded: events reach the step's span with bounded
// attributes only (an unknown code or kind is "other"; no subject, no
// attribute values).
func TestSpanEventsBounded(t *testing.T) {
	h := newHarness(t, authotel.Config{Actions: []string{"login"}})
	ctx, end := h.o.Step(context.Background(), auth.StepInfo{Op: "finish", Kind: "bank\nid", Flow: "0123456789abcdef"})
	h.o.Audit(ctx, auth.Event{Type: auth.EventFactorFailed, Kind: "bank\nid", Op: "finish", Code: "mapper_secret_reason",
		Subject: "870101300123", Attrs: map[string]string{"phone": "+7 7** *** **12"}})
	end("0123456789abcdef", fmt.Errorf("%w: %w", auth.ErrVerification, fmt.Errorf("signer 870101300123")))
	spans := h.spans.Ended()
	require.Len(t, spans, 1)
	s := spans[0]
	assert.Equal(t, "strongauth.finish", s.Name())
	assert.Equal(t, codes.Error, s.Status().Code)
	assert.Equal(t, "verification_failed", s.Status().Description, "the code, not the message")
	require.Len(t, s.Events(), 1)
	assert.Equal(t, []attribute.KeyValue{attribute.String("strongauth.factor", "other"), attribute.String("strongauth.code", "other")},
		s.Events()[0].Attributes)
	assert.Contains(t, s.Attributes(), attribute.String("strongauth.factor", "other"))
	assert.NotContains(t, fmt.Sprint(s.Attributes(), s.Events()), "870101300123")
}

func TestHTTPMetrics(t *testing.T) {
	h := newHarness(t, authotel.Config{})
	h.o.Observe("finish", auth.KindECP, "ok", 5*time.Millisecond)
	h.o.Observe("finish", auth.KindECP, "ok", 50*time.Millisecond)
	h.o.Observe("begin", auth.KindSMS, "rate_limited", time.Millisecond)
	h.o.Observe("../admin", "bank", "mapper_code", time.Millisecond)
	got := h.collect(t)
	metricdatatest.AssertEqual(t, sum("strongauth.http.requests", "{request}",
		"Operations of the strongauth HTTP layer.", []string{"op", "factor", "outcome"},
		p("finish", "ecp", "ok", 2), p("begin", "sms", "rate_limited", 1), p("other", "other", "other", 1)),
		got["strongauth.http.requests"], metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	hist := got["strongauth.http.request.duration"].Data.(metricdata.Histogram[float64])
	require.Len(t, hist.DataPoints, 3)
	for _, dp := range hist.DataPoints {
		if op, _ := dp.Attributes.Value("op"); op.AsString() == "finish" {
			assert.Equal(t, uint64(2), dp.Count)
			assert.InDelta(t, 0.055, dp.Sum, 1e-9)
		}
	}
}

func TestConfig(t *testing.T) {
	for _, cfg := range []authotel.Config{
		{Actions: []string{""}}, {Kinds: []auth.Kind{"other"}}, {Buckets: []float64{}}, {Buckets: []float64{2, 1}},
	} {
		_, err := authotel.New(cfg)
		assert.ErrorIs(t, err, auth.ErrConfig, "%+v", cfg)
	}
	// Nil providers: the global ones (no-op until set); nothing panics.
	o, err := authotel.New(authotel.Config{})
	require.NoError(t, err)
	ctx, end := o.Step(context.Background(), auth.StepInfo{Op: "start", Action: "login"})
	o.Audit(ctx, auth.Event{Type: auth.EventFlowStarted, Action: "login"})
	end("", nil)
	o.Observe("start", "", "ok", time.Millisecond)
}

// TestConcurrent: parallel measurements share the attribute cache safely
// (run with -race) and lose nothing.
func TestConcurrent(t *testing.T) {
	h := newHarness(t, authotel.Config{Actions: []string{"login", "sign"}})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			action := []string{"login", "sign"}[i%2]
			for range 500 {
				h.o.Audit(context.Background(), auth.Event{Type: auth.EventFlowStarted, Action: action})
			}
		})
	}
	wg.Wait()
	got := h.collect(t)
	metricdatatest.AssertEqual(t, sum("strongauth.flows.started", "{flow}", "Flows started, by action.", []string{"action"},
		p("login", 2000), p("sign", 2000)), got["strongauth.flows.started"], metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}
