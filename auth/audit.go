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
)

// Event is an audit record. Events never carry secrets: no code, key,
// token, challenge, signature or binding; flows appear by Ref, phones
// masked.
type Event struct {
	Type     string
	Time     time.Time
	Flow     string // Flow.Ref(), not the flow ID
	Action   string
	Subject  string
	Kind     Kind
	Strength Strength
	// Code is the error code (see Code) of a failure or refusal.
	Code string
	// Reasons of a decision.
	Reasons Reason
	Allowed bool
	// Attrs are non-secret details (certificate serial, masked phone…).
	Attrs map[string]string
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
		if e.Code != "" {
			attrs = append(attrs, slog.String("code", e.Code))
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

type nopAuditor struct{}

func (nopAuditor) Audit(context.Context, Event) {}
