// Package authotel reports the library's metrics and traces to
// OpenTelemetry (go.opentelemetry.io/otel): an Observer that is at once an
// auth.Auditor (library-wide measurements derived from the audit events of
// the engine, the factors and the revocation checker), an auth.Tracer (a
// span per engine step) and an authhttp.Metrics (the HTTP layer's
// measurements).
//
// The package sits outside the core import graph: only a host that imports
// it links the OpenTelemetry API. The host brings the SDK and exporters.
//
// # Wiring
//
//	o, err := authotel.New(authotel.Config{
//		MeterProvider: mp, TracerProvider: tp, // nil: the global providers
//		Actions: []string{"login", "sign-document"},
//	})
//	eng, err := auth.New(auth.Config{…, Audit: o, Tracer: o})
//	rev, err := revocation.New(revocation.Config{…, Audit: o})
//	h, err := authhttp.New(authhttp.Config{Engine: eng, …, Metrics: o})
//
// The Auditor and the Tracer are independent: Prometheus metrics with
// OpenTelemetry traces is auth.Config{Audit: prom, Tracer: o}.
//
// # Instruments
//
// The instruments mirror auth/authprom's series (an OpenTelemetry
// Prometheus exporter gives the same names, with _total and _seconds):
//
//	strongauth.events{type}                              counter
//	strongauth.flows.started{action}                     counter
//	strongauth.flows.completed{action}                   counter
//	strongauth.flows.cancelled{action}                   counter
//	strongauth.flow.refusals{action, code}               counter
//	strongauth.decisions{action, allowed}                counter
//	strongauth.factor.operations{factor, op, outcome}    counter
//	strongauth.factor.duration{factor, op}               histogram, s
//	strongauth.sms.sent                                  counter
//	strongauth.sms.refused{code}                         counter
//	strongauth.revocation.checks{source, status, outcome} counter
//	strongauth.store.errors{factor, op}                  counter
//	strongauth.fraud.reports{factor}                     counter
//	strongauth.http.requests{op, factor, outcome}        counter
//	strongauth.http.request.duration{op, factor, outcome} histogram, s
//
// Attribute values come from closed sets exactly as authprom's labels do
// (configured actions and kinds, the library's error codes, "other" for
// anything else); a measurement made inside a sampled step carries the
// step's span as an exemplar.
//
// # Spans
//
// Every Engine.Start, Begin and Finish is a span "strongauth.start",
// "strongauth.begin" or "strongauth.finish" (kind internal) with
//
//	strongauth.op       start, begin or finish
//	strongauth.action   the action (start), bounded like the metrics
//	strongauth.factor   the factor kind (begin, finish), bounded
//	strongauth.flow     the flow's reference (Flow.Ref: a hash, never the flow ID)
//	strongauth.outcome  "ok" or the error code
//
// and status Error, described by the code, when the step fails. The audit
// events raised during the step (factor_begun, factor_failed, decision,
// revocation_checked…) are span events with their factor, code and
// decision only. No error message, subject, input, phone, certificate
// attribute or address is ever recorded: what goes into a span is the
// same closed vocabulary as the metrics, plus the flow reference that
// links the span to the audit log.
package authotel
