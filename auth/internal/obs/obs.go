// Package obs turns the library's audit events into metric observations
// with bounded labels, once, for every metrics adapter (auth/authprom,
// auth/authotel): an adapter implements Sink and calls Dispatch.
//
// Every label value comes from a closed set: the actions and factor kinds
// the host configured, the error codes the library defines (Codes), the
// revocation sources and statuses, the operations of the engine and the
// HTTP layer. Anything else becomes Other, so neither a client nor a
// host-defined error code can grow the number of series. Subjects, flow
// references, addresses and attribute values never become labels.
package obs

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/strongauth/strongauth/auth"
)

// Label values outside the closed sets.
const (
	// Other stands for any value outside its closed set.
	Other = "other"
	// OK is the outcome of a step without error.
	OK = "ok"
)

// Codes returns the closed set of error codes the library's packages give
// (auth.Code of their errors, and the codes of revocation events), sorted.
// TestCodesComplete keeps it in step with the sources.
func Codes() []string {
	return []string{
		"authenticator_not_allowed", "binding_mismatch", "binding_missing", "busy", "config", "conflict",
		"content_type", "credential_not_allowed", "credential_not_found", "csrf", "expired",
		"factor_already_completed", "factor_not_allowed", "factor_not_begun", "flow_cancelled",
		"flow_completed", "flow_expired", "flow_not_found", "flows_ended", "fraud_reported", "internal",
		"invalid_input", "invalid_request", "last_strong_credential", "locked", "login_required",
		"no_phone", "not_allowed", "not_found", "not_supported", "origin", "passkey_backup_changed",
		"passkey_synced", "phone_quarantine", "phone_risk", "policy_syntax", "rate_limited",
		"recovery_required", "replayed", "report_token_invalid", "revocation_unavailable",
		"revocation_unchecked", "revocation_unknown", "revoked", "same_phone", "signer_not_allowed",
		"step_up_required", "subject_mismatch", "subject_unknown", "too_large", "unavailable",
		"unknown_action", "unknown_factor", "unmet_authentication_requirements", "verification_failed",
		"weak_policy",
	}
}

// EventTypes returns the audit event types of the library's packages.
// (The constants live in packages that this one must not import:
// factors/passkey, signature/revocation; the adapters' tests check them.)
func EventTypes() []string {
	return []string{
		auth.EventFlowStarted, auth.EventFactorBegun, auth.EventFactorRefused, auth.EventFactorFinished,
		auth.EventFactorFailed, auth.EventDecision, auth.EventFlowCompleted, auth.EventFlowCancelled,
		auth.EventFraudReported, auth.EventStepFailed, EventRevocation,
		"passkey_backup_changed", "passkey_counter_regression", "passkey_registered", "passkey_registration_refused",
	}
}

// EventRevocation is revocation.EventRevocation.
const EventRevocation = "revocation_checked"

// DefaultBuckets are the latency histograms' upper bounds, in seconds.
func DefaultBuckets() []float64 {
	return []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
}

// CheckBuckets returns the buckets to use (nil means DefaultBuckets) or a
// configuration error naming pkg.
func CheckBuckets(pkg string, b []float64) ([]float64, error) {
	if b == nil {
		return DefaultBuckets(), nil
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: %s: Buckets is empty (nil means the defaults)", auth.ErrConfig, pkg)
	}
	for i := range b {
		if !(b[i] > 0) || (i > 0 && b[i] <= b[i-1]) {
			return nil, fmt.Errorf("%w: %s: buckets must be positive and increasing", auth.ErrConfig, pkg)
		}
	}
	return slices.Clone(b), nil
}

// Labels maps event fields to bounded label values. It is immutable after
// NewLabels and safe for concurrent use.
type Labels struct {
	actions, kinds, codes, types, sources, statuses, httpOps map[string]struct{}
	buckets                                                  []float64
}

func set(vals []string) map[string]struct{} {
	m := make(map[string]struct{}, len(vals))
	for _, v := range vals {
		m[v] = struct{}{}
	}
	return m
}

// NewLabels validates the host's actions, kinds (nil: the four the library
// ships) and histogram buckets (see CheckBuckets) and returns Labels; pkg
// names the adapter in errors.
func NewLabels(pkg string, actions []string, kinds []auth.Kind, buckets []float64) (*Labels, error) {
	buckets, err := CheckBuckets(pkg, buckets)
	if err != nil {
		return nil, err
	}
	if kinds == nil {
		kinds = []auth.Kind{auth.KindECP, auth.KindWebAuthn, auth.KindQR, auth.KindSMS}
	}
	l := &Labels{
		actions: make(map[string]struct{}, len(actions)), kinds: make(map[string]struct{}, len(kinds)),
		codes: set(Codes()), types: set(EventTypes()),
		// revocation.Source* and revocation.Status*
		sources:  set([]string{"ocsp", "crl", "none"}),
		statuses: set([]string{"good", "revoked", "unknown", "unavailable", "unchecked"}),
		// the operations of authhttp.Metrics
		httpOps: set([]string{"start", "begin", "finish", "status", "decision"}),
		buckets: buckets,
	}
	for _, a := range actions {
		if !validLabel(a) {
			return nil, fmt.Errorf("%w: %s: invalid action %q", auth.ErrConfig, pkg, a)
		}
		l.actions[a] = struct{}{}
	}
	for _, k := range kinds {
		if !validLabel(string(k)) {
			return nil, fmt.Errorf("%w: %s: invalid factor kind %q", auth.ErrConfig, pkg, k)
		}
		l.kinds[string(k)] = struct{}{}
	}
	return l, nil
}

// validLabel: a non-empty, printable, short identifier that is not Other.
func validLabel(s string) bool {
	if s == "" || s == Other || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func pick(m map[string]struct{}, v string) string {
	if _, ok := m[v]; ok {
		return v
	}
	return Other
}

// Buckets returns the latency histograms' upper bounds, in seconds.
func (l *Labels) Buckets() []float64 { return slices.Clone(l.buckets) }

// Action returns a's label: a itself if configured, else Other.
func (l *Labels) Action(a string) string { return pick(l.actions, a) }

// Kind returns k's label: "" for none, k if configured, else Other.
func (l *Labels) Kind(k auth.Kind) string {
	if k == "" {
		return ""
	}
	return pick(l.kinds, string(k))
}

// Outcome returns OK for "" and the code if it is in Codes, else Other.
func (l *Labels) Outcome(code string) string {
	if code == "" || code == OK {
		return OK
	}
	return pick(l.codes, code)
}

// Op returns an engine step's operation: begin, finish or start, else
// Other ("" stays "").
func (l *Labels) Op(op string) string {
	switch op {
	case "", "start", "begin", "finish":
		return op
	}
	return Other
}

// HTTPOp returns an authhttp operation's label.
func (l *Labels) HTTPOp(op string) string { return pick(l.httpOps, op) }

// EventType returns an event type's label.
func (l *Labels) EventType(t string) string { return pick(l.types, t) }

// Sink receives the observations Dispatch derives from an event, with
// label values already bounded. Implementations must be safe for
// concurrent use.
type Sink interface {
	// Event counts every event by type.
	Event(ctx context.Context, typ string)
	FlowStarted(ctx context.Context, action string)
	FlowCompleted(ctx context.Context, action string)
	FlowCancelled(ctx context.Context, action string)
	// Refusal counts a factor step that failed or that a gate refused.
	Refusal(ctx context.Context, action, code string)
	Decision(ctx context.Context, action string, allowed bool)
	// Factor counts a factor step by outcome (OK or the code).
	Factor(ctx context.Context, kind, op, outcome string)
	// FactorDuration records how long a factor call took.
	FactorDuration(ctx context.Context, kind, op string, seconds float64)
	SMSSent(ctx context.Context)
	SMSRefused(ctx context.Context, code string)
	Revocation(ctx context.Context, source, status, outcome string)
	// StoreError counts an event with code unavailable.
	StoreError(ctx context.Context, kind, op string)
	Fraud(ctx context.Context, kind string)
}

// Dispatch derives the observations of e and hands them to s.
func (l *Labels) Dispatch(ctx context.Context, e *auth.Event, s Sink) {
	s.Event(ctx, l.EventType(e.Type))
	switch e.Type {
	case auth.EventFlowStarted:
		s.FlowStarted(ctx, l.Action(e.Action))
	case auth.EventFlowCompleted:
		s.FlowCompleted(ctx, l.Action(e.Action))
	case auth.EventFlowCancelled:
		s.FlowCancelled(ctx, l.Action(e.Action))
	case auth.EventDecision:
		s.Decision(ctx, l.Action(e.Action), e.Allowed)
	case auth.EventFactorBegun, auth.EventFactorFinished:
		kind, op := l.Kind(e.Kind), l.Op(e.Op)
		s.Factor(ctx, kind, op, OK)
		// the factor ran: its latency counts even if the clock saw none
		s.FactorDuration(ctx, kind, op, e.Duration.Seconds())
		if e.Type == auth.EventFactorBegun && e.Kind == auth.KindSMS {
			s.SMSSent(ctx)
		}
	case auth.EventFactorFailed, auth.EventFactorRefused:
		kind, op, code := l.Kind(e.Kind), l.Op(e.Op), l.Outcome(e.Code)
		s.Factor(ctx, kind, op, code)
		s.Refusal(ctx, l.Action(e.Action), code)
		if e.Duration > 0 {
			s.FactorDuration(ctx, kind, op, e.Duration.Seconds())
		}
		if e.Kind == auth.KindSMS && e.Op == "begin" {
			s.SMSRefused(ctx, code)
		}
	case auth.EventStepFailed:
		s.Refusal(ctx, l.Action(e.Action), l.Outcome(e.Code))
	case auth.EventFraudReported:
		s.Fraud(ctx, l.Kind(e.Kind))
	case EventRevocation:
		s.Revocation(ctx, pick(l.sources, e.Attrs["source"]), pick(l.statuses, e.Attrs["status"]), l.Outcome(e.Code))
	}
	if e.Code == "unavailable" {
		s.StoreError(ctx, l.Kind(e.Kind), l.Op(e.Op))
	}
}

// HTTP returns the bounded labels of an authhttp.Metrics observation.
func (l *Labels) HTTP(op string, kind auth.Kind, outcome string) (string, string, string) {
	return l.HTTPOp(op), l.Kind(kind), l.Outcome(outcome)
}

// Memo keeps one value per label combination (up to three values), made
// once: an adapter's child series or attribute set, so that a measurement
// costs a map lookup and no allocation. The combinations are bounded (see
// Labels), so the memo is too. It is safe for concurrent use.
type Memo[V any] struct {
	mu   sync.RWMutex
	m    map[[3]string]V
	newV func(vals [3]string) V
}

// NewMemo returns a Memo that makes missing values with newV.
func NewMemo[V any](newV func(vals [3]string) V) *Memo[V] {
	return &Memo[V]{m: make(map[[3]string]V), newV: newV}
}

// Get returns the value for the label values a, b, c (unused ones "").
func (c *Memo[V]) Get(a, b, cc string) V {
	k := [3]string{a, b, cc}
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[k]; ok {
		return v
	}
	v = c.newV(k)
	c.m[k] = v
	return v
}
