package auth

import (
	"context"
	"log/slog"
	"time"
)

// Event types raised by the engine (and by factors, through the same
// Auditor).
const (
	EventFlowStarted    = "flow_started"
	EventFactorBegun    = "factor_begun"
	EventFactorRefused  = "factor_refused" // a gate refused to begin a factor
	EventFactorFinished = "factor_finished"
	EventFactorFailed   = "factor_failed"
	EventDecision       = "decision"
	EventFlowCompleted  = "flow_completed"
	EventFlowCancelled  = "flow_cancelled"
	EventFraudReported  = "fraud_reported"
	// EventStepFailed: a start, begin or finish refused before a factor
	// ran or after it, where no other event says so — the flow could not
	// be started, loaded or updated (a store down: code "unavailable"; an
	// unknown action, an expired or cancelled flow, another browser's
	// binding, too many steps). Op says which step.
	EventStepFailed = "step_failed"
)

// Event is an audit record. Events never carry secrets: no code, key,
// token, challenge, signature or binding; flows appear by Ref, phones
// masked.
type Event struct {
	Type    string
	Time    time.Time
	Flow    string // Flow.Ref(), not the flow ID
	Action  string
	Subject string
	Kind    Kind
	// Op is "begin" or "finish" for factor events.
	Op       string
	Strength Strength
	// Code is the error code (see Code) of a failure or refusal.
	Code string
	// Reasons of a decision.
	Reasons Reason
	Allowed bool
	// Attrs are non-secret details (certificate serial, masked phone…).
	Attrs map[string]string
	// Duration is how long the factor took, for factor_begun,
	// factor_finished and factor_failed events of a factor call (zero
	// when the step failed before reaching the factor): for latency
	// metrics, measured on the monotonic clock.
	Duration time.Duration
}

// Tracer observes engine steps, for tracing (an OpenTelemetry span per
// step: auth/authotel). Step is called when a step begins and returns the
// context the step runs with and a function the engine calls when the step
// ends, with the flow's reference (Flow.Ref, never the flow ID) and the
// step's error. Implementations must be safe for concurrent use and must
// not record secrets: StepInfo holds none.
type Tracer interface {
	Step(ctx context.Context, s StepInfo) (context.Context, func(flowRef string, err error))
}

// StepInfo describes an engine step for a Tracer.
type StepInfo struct {
	// Op is "start", "begin" or "finish".
	Op string
	// Action is the flow's action (for "start"; otherwise empty, as the
	// flow is not loaded yet).
	Action string
	// Kind is the factor of a "begin" or "finish".
	Kind Kind
	// Flow is the flow's reference when known before the step runs.
	Flow string
}

// refOf returns the reference of a flow, or "" for nil.
func refOf(f *Flow) string {
	if f == nil {
		return ""
	}
	return f.Ref()
}

// Auditor receives audit events. Audit must be safe for concurrent use and
// should not block for long: it runs on the request path.
type Auditor interface {
	Audit(ctx context.Context, e Event)
}

// AuditorFunc adapts a function to Auditor.
type AuditorFunc func(ctx context.Context, e Event)

// Audit calls f.
func (f AuditorFunc) Audit(ctx context.Context, e Event) { f(ctx, e) }

// SlogAuditor writes events to a log/slog logger, at Warn for failures,
// refusals, cancellations and fraud reports and at Info otherwise.
func SlogAuditor(l *slog.Logger) Auditor {
	return AuditorFunc(func(ctx context.Context, e Event) {
		level := slog.LevelInfo
		switch e.Type {
		case EventFactorFailed, EventFactorRefused, EventFlowCancelled, EventFraudReported:
			level = slog.LevelWarn
		}
		attrs := make([]slog.Attr, 0, 10+len(e.Attrs))
		attrs = append(attrs, slog.String("event", e.Type), slog.String("flow", e.Flow))
		if e.Action != "" {
			attrs = append(attrs, slog.String("action", e.Action))
		}
		if e.Subject != "" {
			attrs = append(attrs, slog.String("subject", e.Subject))
		}
		if e.Kind != "" {
			attrs = append(attrs, slog.String("factor", string(e.Kind)))
		}
		if e.Strength != None {
			attrs = append(attrs, slog.String("strength", e.Strength.String()))
		}
		if e.Op != "" {
			attrs = append(attrs, slog.String("op", e.Op))
		}
		if e.Code != "" {
			attrs = append(attrs, slog.String("code", e.Code))
		}
		if e.Duration > 0 {
			attrs = append(attrs, slog.Duration("took", e.Duration))
		}
		if e.Type == EventDecision {
			attrs = append(attrs, slog.Bool("allowed", e.Allowed))
			if e.Reasons != 0 {
				attrs = append(attrs, slog.String("reasons", e.Reasons.String()))
			}
		}
		for k, v := range e.Attrs {
			attrs = append(attrs, slog.String(k, v))
		}
		l.LogAttrs(ctx, level, "strongauth", attrs...)
	})
}

// Personal data in audit events. Evidence attributes that describe the
// person behind a key (a national ID number, a company number, names) are
// personal data; logs and SIEMs are seldom the place for them. The engine
// drops them from its events unless Config.AuditPersonalData is set, as
// the revocation checker leaves certificate subjects out unless
// revocation.Config.AuditSubject is set. Event.Subject is the host's own
// account identifier (what its Mapper returned): if that is itself
// personal data (an IIN), map accounts to opaque IDs.
var personalAttrs = map[string]bool{
	"iin": true, "bin": true, "name": true, "common_name": true, "given_name": true, "surname": true,
	"patronymic": true, "organisation": true, "organization": true, "email": true, "subject": true,
}

// IsPersonalAttribute reports whether an evidence or event attribute key
// names personal data that audit events carry only on request (iin, bin,
// names, organisation, email, certificate subject).
func IsPersonalAttribute(key string) bool { return personalAttrs[key] }

// WithoutPersonalData wraps an Auditor so that every event reaches it
// without personal attributes (see IsPersonalAttribute). The engine applies
// it to its own Auditor unless Config.AuditPersonalData is set; wrap the
// Auditor you give other components (factors, the revocation checker) the
// same way.
func WithoutPersonalData(a Auditor) Auditor {
	if a == nil {
		return nil
	}
	if _, ok := a.(redacting); ok {
		return a
	}
	return redacting{a}
}

type redacting struct{ inner Auditor }

func (r redacting) Audit(ctx context.Context, e Event) {
	for k := range e.Attrs {
		if personalAttrs[k] {
			kept := make(map[string]string, len(e.Attrs))
			for k, v := range e.Attrs {
				if !personalAttrs[k] {
					kept[k] = v
				}
			}
			e.Attrs = kept
			break
		}
	}
	r.inner.Audit(ctx, e)
}

type flowRefKey struct{}

// flowRefCtx carries a flow reference: one allocation per factor call
// instead of context.WithValue's two (the value and the boxed string).
// Every other key and Done, Err and Deadline are the parent's.
type flowRefCtx struct {
	context.Context
	ref string
}

func (c *flowRefCtx) Value(key any) any {
	if key == (flowRefKey{}) {
		return c
	}
	return c.Context.Value(key)
}

func (c *flowRefCtx) String() string { return "auth.ContextWithFlowRef" }

// ContextWithFlowRef returns ctx carrying a flow reference (Flow.Ref), so
// that what a factor calls — a revocation checker, a credential store —
// can name the flow in its own audit events. The engine sets it around
// every factor call.
func ContextWithFlowRef(ctx context.Context, ref string) context.Context {
	return &flowRefCtx{Context: ctx, ref: ref}
}

// FlowRefFrom returns the flow reference ctx carries, or "".
func FlowRefFrom(ctx context.Context) string {
	if c, ok := ctx.Value(flowRefKey{}).(*flowRefCtx); ok {
		return c.ref
	}
	return ""
}

type nopAuditor struct{}

func (nopAuditor) Audit(context.Context, Event) {}
