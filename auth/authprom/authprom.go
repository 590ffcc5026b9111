package authprom

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/auth/internal/obs"
)

// Other is the label value of anything outside its closed set: an action
// or factor kind the Config does not name, an error code the library does
// not define (a host mapper's own), an unknown event type.
const Other = obs.Other

// DefaultBuckets are the latency histograms' upper bounds, in seconds.
func DefaultBuckets() []float64 { return obs.DefaultBuckets() }

// Config configures a Collector.
type Config struct {
	// Actions are the flow actions (the engine's policies) that label
	// series; any other action is counted as Other. Nil counts every
	// action as Other.
	Actions []string
	// Kinds are the factor kinds that label series; any other kind is
	// counted as Other. Nil means the four the library ships (ecp,
	// webauthn, qr, sms).
	Kinds []auth.Kind
	// Buckets are the latency histograms' upper bounds in seconds,
	// positive and increasing. Nil means DefaultBuckets.
	Buckets []float64
}

// Collector derives the library's metrics from its audit events and from
// the HTTP layer's observations. It implements prometheus.Collector,
// auth.Auditor and authhttp.Metrics, and is safe for concurrent use.
type Collector struct {
	labels *obs.Labels

	events, started, completed, cancelled          counterVec
	refusals, decisions, factors, smsRefused       counterVec
	revocations, storeErrors, frauds, httpRequests counterVec
	smsSent                                        prometheus.Counter
	factorDuration, httpDuration                   histogramVec
}

// counterVec and histogramVec remember their children per label values,
// skipping client_golang's per-call hashing and validation.
type counterVec struct {
	*prometheus.CounterVec
	children *obs.Memo[prometheus.Counter]
}

func (v counterVec) inc(a, b, c string) { v.children.Get(a, b, c).Inc() }

type histogramVec struct {
	*prometheus.HistogramVec
	children *obs.Memo[prometheus.Observer]
}

func (v histogramVec) observe(sec float64, a, b, c string) { v.children.Get(a, b, c).Observe(sec) }

var (
	_ prometheus.Collector = (*Collector)(nil)
	_ auth.Auditor         = (*Collector)(nil)
	_ authhttp.Metrics     = (*Collector)(nil)
)

// New validates cfg and returns a Collector; register it with a
// prometheus.Registerer.
func New(cfg Config) (*Collector, error) {
	labels, err := obs.NewLabels("authprom", cfg.Actions, cfg.Kinds, cfg.Buckets)
	if err != nil {
		return nil, err
	}
	buckets := labels.Buckets()
	counter := func(name, help string, labels ...string) counterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
		return counterVec{v, obs.NewMemo(func(vals [3]string) prometheus.Counter {
			return v.WithLabelValues(vals[:len(labels)]...)
		})}
	}
	histogram := func(name, help string, labels ...string) histogramVec {
		v := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
		return histogramVec{v, obs.NewMemo(func(vals [3]string) prometheus.Observer {
			return v.WithLabelValues(vals[:len(labels)]...)
		})}
	}
	return &Collector{
		labels:    labels,
		events:    counter("strongauth_events_total", "Audit events, by type.", "type"),
		started:   counter("strongauth_flows_started_total", "Flows started, by action.", "action"),
		completed: counter("strongauth_flows_completed_total", "Flows completed with an allowing decision, by action.", "action"),
		cancelled: counter("strongauth_flows_cancelled_total", "Flows cancelled (by the host or a fraud report), by action.", "action"),
		refusals: counter("strongauth_flow_refusals_total",
			"Factor steps that failed or that a gate refused, by action and error code.", "action", "code"),
		decisions: counter("strongauth_decisions_total", "Policy decisions, by action and result.", "action", "allowed"),
		factors: counter("strongauth_factor_operations_total",
			"Factor begins and finishes, by factor, operation and outcome (ok or the error code).", "factor", "op", "outcome"),
		factorDuration: histogram("strongauth_factor_duration_seconds",
			"How long factor calls took (verification, sending), by factor and operation.", "factor", "op"),
		smsSent: prometheus.NewCounter(prometheus.CounterOpts{Name: "strongauth_sms_sent_total",
			Help: "SMS codes sent (SMS factor begins that succeeded)."}),
		smsRefused: counter("strongauth_sms_refused_total",
			"SMS codes not sent: SMS factor begins refused by a gate or failed, by error code.", "code"),
		revocations: counter("strongauth_revocation_checks_total",
			"Certificate revocation checks, by source (ocsp, crl, none), status and outcome.", "source", "status", "outcome"),
		storeErrors: counter("strongauth_store_errors_total",
			"Steps that failed because a store or a backend was unavailable (code unavailable), by factor and operation.", "factor", "op"),
		frauds: counter("strongauth_fraud_reports_total", "Requests the user reported as fraud, by factor.", "factor"),
		httpRequests: counter("strongauth_http_requests_total",
			"Operations of the strongauth HTTP layer.", "op", "factor", "outcome"),
		httpDuration: histogram("strongauth_http_request_duration_seconds",
			"Latency of the strongauth HTTP layer's operations.", "op", "factor", "outcome"),
	}, nil
}

func (c *Collector) all() []prometheus.Collector {
	return []prometheus.Collector{c.events, c.started, c.completed, c.cancelled, c.refusals, c.decisions,
		c.factors, c.factorDuration, c.smsSent, c.smsRefused, c.revocations, c.storeErrors, c.frauds,
		c.httpRequests, c.httpDuration}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.all() {
		m.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c.all() {
		m.Collect(ch)
	}
}

// Audit implements auth.Auditor: give the Collector as auth.Config.Audit
// (and to the factors and the revocation checker), alone or beside a log
// auditor.
func (c *Collector) Audit(ctx context.Context, e auth.Event) {
	c.labels.Dispatch(ctx, &e, sink{c})
}

// Observe implements authhttp.Metrics.
func (c *Collector) Observe(op string, kind auth.Kind, outcome string, d time.Duration) {
	o, k, out := c.labels.HTTP(op, kind, outcome)
	c.httpRequests.inc(o, k, out)
	c.httpDuration.observe(d.Seconds(), o, k, out)
}

// sink applies the observations of an event to the series.
type sink struct{ c *Collector }

func (s sink) Event(_ context.Context, typ string)     { s.c.events.inc(typ, "", "") }
func (s sink) FlowStarted(_ context.Context, a string) { s.c.started.inc(a, "", "") }
func (s sink) FlowCompleted(_ context.Context, a string) {
	s.c.completed.inc(a, "", "")
}
func (s sink) FlowCancelled(_ context.Context, a string) {
	s.c.cancelled.inc(a, "", "")
}
func (s sink) Refusal(_ context.Context, a, code string) {
	s.c.refusals.inc(a, code, "")
}
func (s sink) Decision(_ context.Context, a string, allowed bool) {
	s.c.decisions.inc(a, strconv.FormatBool(allowed), "")
}
func (s sink) Factor(_ context.Context, kind, op, outcome string) {
	s.c.factors.inc(kind, op, outcome)
}
func (s sink) FactorDuration(_ context.Context, kind, op string, sec float64) {
	s.c.factorDuration.observe(sec, kind, op, "")
}
func (s sink) SMSSent(context.Context) { s.c.smsSent.Inc() }
func (s sink) SMSRefused(_ context.Context, code string) {
	s.c.smsRefused.inc(code, "", "")
}
func (s sink) Revocation(_ context.Context, source, status, outcome string) {
	s.c.revocations.inc(source, status, outcome)
}
func (s sink) StoreError(_ context.Context, kind, op string) {
	s.c.storeErrors.inc(kind, op, "")
}
func (s sink) Fraud(_ context.Context, kind string) { s.c.frauds.inc(kind, "", "") }
