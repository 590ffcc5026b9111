package authotel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/auth/internal/obs"
)

// ScopeName is the instrumentation scope of the meter and the tracer.
const ScopeName = "github.com/strongauth/strongauth/auth/authotel"

// Other is the attribute value of anything outside its closed set (see
// authprom.Other).
const Other = obs.Other

// DefaultBuckets are the latency histograms' bucket boundaries, in
// seconds.
func DefaultBuckets() []float64 { return obs.DefaultBuckets() }

// Config configures an Observer.
type Config struct {
	// MeterProvider creates the meter. Nil means otel.GetMeterProvider(),
	// the global one (a no-op until the host sets one).
	MeterProvider metric.MeterProvider
	// TracerProvider creates the tracer. Nil means
	// otel.GetTracerProvider().
	TracerProvider trace.TracerProvider
	// Actions are the flow actions that label measurements and spans; any
	// other action is Other. Nil makes every action Other.
	Actions []string
	// Kinds are the factor kinds that label measurements and spans; any
	// other kind is Other. Nil means ecp, webauthn, qr and sms.
	Kinds []auth.Kind
	// Buckets are the latency histograms' explicit bucket boundaries in
	// seconds, positive and increasing. Nil means DefaultBuckets.
	Buckets []float64
}

// Observer records the library's metrics with an OpenTelemetry meter and
// traces its engine steps. It implements auth.Auditor, auth.Tracer and
// authhttp.Metrics, and is safe for concurrent use.
type Observer struct {
	labels *obs.Labels
	tracer trace.Tracer

	events, started, completed, cancelled, refusals, decisions, factors counter
	smsSent, smsRefused, revocations, storeErrors, frauds, httpRequests counter
	factorDuration, httpDuration                                        histogram
}

var (
	_ auth.Auditor     = (*Observer)(nil)
	_ auth.Tracer      = (*Observer)(nil)
	_ authhttp.Metrics = (*Observer)(nil)
)

// New validates cfg, creates the instruments and returns an Observer.
func New(cfg Config) (*Observer, error) {
	labels, err := obs.NewLabels("authotel", cfg.Actions, cfg.Kinds, cfg.Buckets)
	if err != nil {
		return nil, err
	}
	buckets := labels.Buckets()
	mp, tp := cfg.MeterProvider, cfg.TracerProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	m := mp.Meter(ScopeName)
	var errs []error
	newCounter := func(name, unit, desc string, keys ...string) counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return counter{c, attrs(keys)}
	}
	newHistogram := func(name, desc string, keys ...string) histogram {
		h, err := m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
			metric.WithExplicitBucketBoundaries(buckets...))
		errs = append(errs, err)
		return histogram{h, attrs(keys)}
	}
	o := &Observer{
		labels:    labels,
		tracer:    tp.Tracer(ScopeName),
		events:    newCounter("strongauth.events", "{event}", "Audit events, by type.", "type"),
		started:   newCounter("strongauth.flows.started", "{flow}", "Flows started, by action.", "action"),
		completed: newCounter("strongauth.flows.completed", "{flow}", "Flows completed with an allowing decision, by action.", "action"),
		cancelled: newCounter("strongauth.flows.cancelled", "{flow}", "Flows cancelled (by the host or a fraud report), by action.", "action"),
		refusals: newCounter("strongauth.flow.refusals", "{step}",
			"Factor steps that failed or that a gate refused, by action and error code.", "action", "code"),
		decisions: newCounter("strongauth.decisions", "{decision}", "Policy decisions, by action and result.", "action", "allowed"),
		factors: newCounter("strongauth.factor.operations", "{operation}",
			"Factor begins and finishes, by factor, operation and outcome (ok or the error code).", "factor", "op", "outcome"),
		factorDuration: newHistogram("strongauth.factor.duration",
			"How long factor calls took (verification, sending), by factor and operation.", "factor", "op"),
		smsSent: newCounter("strongauth.sms.sent", "{message}", "SMS codes sent (SMS factor begins that succeeded)."),
		smsRefused: newCounter("strongauth.sms.refused", "{message}",
			"SMS codes not sent: SMS factor begins refused by a gate or failed, by error code.", "code"),
		revocations: newCounter("strongauth.revocation.checks", "{check}",
			"Certificate revocation checks, by source (ocsp, crl, none), status and outcome.", "source", "status", "outcome"),
		storeErrors: newCounter("strongauth.store.errors", "{error}",
			"Steps that failed because a store or a backend was unavailable (code unavailable), by factor and operation.", "factor", "op"),
		frauds: newCounter("strongauth.fraud.reports", "{report}", "Requests the user reported as fraud, by factor.", "factor"),
		httpRequests: newCounter("strongauth.http.requests", "{request}",
			"Operations of the strongauth HTTP layer.", "op", "factor", "outcome"),
		httpDuration: newHistogram("strongauth.http.request.duration",
			"Latency of the strongauth HTTP layer's operations.", "op", "factor", "outcome"),
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("authotel: instruments: %w", err)
	}
	return o, nil
}

// Audit implements auth.Auditor: it records the event's measurements and,
// when ctx carries a recording span (the engine step's), adds the event to
// it with its bounded attributes only.
func (o *Observer) Audit(ctx context.Context, e auth.Event) {
	o.labels.Dispatch(ctx, &e, sink{o})
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		attrs := make([]attribute.KeyValue, 0, 3)
		if e.Kind != "" {
			attrs = append(attrs, attribute.String("strongauth.factor", o.labels.Kind(e.Kind)))
		}
		if e.Code != "" {
			attrs = append(attrs, attribute.String("strongauth.code", o.labels.Outcome(e.Code)))
		}
		if e.Type == auth.EventDecision {
			attrs = append(attrs, attribute.Bool("strongauth.allowed", e.Allowed))
		}
		span.AddEvent(o.labels.EventType(e.Type), trace.WithAttributes(attrs...))
	}
}

// Step implements auth.Tracer: a span named "strongauth.start",
// "strongauth.begin" or "strongauth.finish" with the attributes
// strongauth.op, strongauth.action (start), strongauth.factor (begin,
// finish), strongauth.flow (the flow's reference, Flow.Ref) and
// strongauth.outcome ("ok" or the error code); a failed step has status
// Error with the code as its description. No error message, subject or
// input is recorded.
func (o *Observer) Step(ctx context.Context, s auth.StepInfo) (context.Context, func(string, error)) {
	op := o.labels.Op(s.Op)
	attrs := make([]attribute.KeyValue, 0, 5)
	attrs = append(attrs, attribute.String("strongauth.op", op))
	if s.Action != "" {
		attrs = append(attrs, attribute.String("strongauth.action", o.labels.Action(s.Action)))
	}
	if s.Kind != "" {
		attrs = append(attrs, attribute.String("strongauth.factor", o.labels.Kind(s.Kind)))
	}
	if s.Flow != "" {
		attrs = append(attrs, attribute.String("strongauth.flow", s.Flow))
	}
	ctx, span := o.tracer.Start(ctx, "strongauth."+op, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attrs...))
	return ctx, func(ref string, err error) {
		if ref != "" && ref != s.Flow {
			span.SetAttributes(attribute.String("strongauth.flow", ref))
		}
		outcome := obs.OK
		if err != nil {
			outcome = o.labels.Outcome(auth.Code(err))
			span.SetStatus(codes.Error, outcome)
		}
		span.SetAttributes(attribute.String("strongauth.outcome", outcome))
		span.End()
	}
}

// Observe implements authhttp.Metrics.
func (o *Observer) Observe(op string, kind auth.Kind, outcome string, d time.Duration) {
	ctx := context.Background()
	a, b, c := o.labels.HTTP(op, kind, outcome)
	o.httpRequests.add(ctx, a, b, c)
	o.httpDuration.record(ctx, d.Seconds(), a, b, c)
}

// attrs returns a memo of the attribute sets of keys' label values.
func attrs(keys []string) *obs.Memo[metric.MeasurementOption] {
	return obs.NewMemo(func(vals [3]string) metric.MeasurementOption {
		kvs := make([]attribute.KeyValue, len(keys))
		for i, k := range keys {
			kvs[i] = attribute.String(k, vals[i])
		}
		return metric.WithAttributeSet(attribute.NewSet(kvs...))
	})
}

type counter struct {
	c     metric.Int64Counter
	attrs *obs.Memo[metric.MeasurementOption]
}

func (c counter) add(ctx context.Context, a, b, cc string) { c.c.Add(ctx, 1, c.attrs.Get(a, b, cc)) }

type histogram struct {
	h     metric.Float64Histogram
	attrs *obs.Memo[metric.MeasurementOption]
}

func (h histogram) record(ctx context.Context, v float64, a, b, c string) {
	h.h.Record(ctx, v, h.attrs.Get(a, b, c))
}

// sink records the observations of an event.
type sink struct{ o *Observer }

func (s sink) Event(ctx context.Context, typ string)     { s.o.events.add(ctx, typ, "", "") }
func (s sink) FlowStarted(ctx context.Context, a string) { s.o.started.add(ctx, a, "", "") }
func (s sink) FlowCompleted(ctx context.Context, a string) {
	s.o.completed.add(ctx, a, "", "")
}
func (s sink) FlowCancelled(ctx context.Context, a string) {
	s.o.cancelled.add(ctx, a, "", "")
}
func (s sink) Refusal(ctx context.Context, a, code string) { s.o.refusals.add(ctx, a, code, "") }
func (s sink) Decision(ctx context.Context, a string, allowed bool) {
	v := "false"
	if allowed {
		v = "true"
	}
	s.o.decisions.add(ctx, a, v, "")
}
func (s sink) Factor(ctx context.Context, kind, op, outcome string) {
	s.o.factors.add(ctx, kind, op, outcome)
}
func (s sink) FactorDuration(ctx context.Context, kind, op string, sec float64) {
	s.o.factorDuration.record(ctx, sec, kind, op, "")
}
func (s sink) SMSSent(ctx context.Context)                 { s.o.smsSent.add(ctx, "", "", "") }
func (s sink) SMSRefused(ctx context.Context, code string) { s.o.smsRefused.add(ctx, code, "", "") }
func (s sink) Revocation(ctx context.Context, source, status, outcome string) {
	s.o.revocations.add(ctx, source, status, outcome)
}
func (s sink) StoreError(ctx context.Context, kind, op string) {
	s.o.storeErrors.add(ctx, kind, op, "")
}
func (s sink) Fraud(ctx context.Context, kind string) { s.o.frauds.add(ctx, kind, "", "") }
