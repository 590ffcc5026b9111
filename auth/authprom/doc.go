// Package authprom exposes the library's metrics to Prometheus through
// client_golang: a Collector that is at once a prometheus.Collector, an
// auth.Auditor (library-wide series derived from the audit events of the
// engine, the factors and the revocation checker) and an authhttp.Metrics
// (the HTTP layer's series).
//
// The package sits outside the core import graph: only a host that imports
// it links client_golang.
//
// # Wiring
//
//	prom, err := authprom.New(authprom.Config{Actions: []string{"login", "sign-document"}})
//	reg := prometheus.NewRegistry() // or prometheus.DefaultRegisterer
//	reg.MustRegister(prom)
//	eng, err := auth.New(auth.Config{…, Audit: prom})          // engine events
//	rev, err := revocation.New(revocation.Config{…, Audit: prom}) // revocation checks
//	h, err := authhttp.New(authhttp.Config{Engine: eng, …, Metrics: prom})
//	mux.Handle("GET /metrics", adminOnly(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
//
// To keep a log of the same events, give the engine an auth.AuditorFunc
// that calls both prom.Audit and an auth.SlogAuditor.
//
// # Series
//
//	strongauth_events_total{type}                                  every audit event
//	strongauth_flows_started_total{action}
//	strongauth_flows_completed_total{action}                       allowed and redeemed
//	strongauth_flows_cancelled_total{action}                       by the host or a fraud report
//	strongauth_flow_refusals_total{action, code}                   factor steps failed or refused by a gate
//	strongauth_decisions_total{action, allowed}
//	strongauth_factor_operations_total{factor, op, outcome}        begin/finish: ok or the code
//	strongauth_factor_duration_seconds{factor, op}                 histogram of the factor calls
//	strongauth_sms_sent_total                                      SMS factor begins that sent a code
//	strongauth_sms_refused_total{code}                             SMS begins refused (gate, cooldown, rate limit…)
//	strongauth_revocation_checks_total{source, status, outcome}    ocsp/crl/none; good/revoked/unknown/unavailable/unchecked
//	strongauth_store_errors_total{factor, op}                      events with code "unavailable"
//	strongauth_fraud_reports_total{factor}
//	strongauth_http_requests_total{op, factor, outcome}            authhttp operations
//	strongauth_http_request_duration_seconds{op, factor, outcome}  histogram
//
// # Bounded labels
//
// Every label value comes from a closed set: action from Config.Actions,
// factor from Config.Kinds, code and outcome from the error codes the
// library defines ("ok" for success), type from the library's event types,
// source and status from the revocation checker's. Anything else — a kind
// in a URL, a host mapper's own error code, a custom event — is counted as
// "other", so no client and no input can grow the number of series.
// Subjects, flow references, addresses and attribute values never become
// labels.
//
// # What the events do not show
//
// store_errors counts the steps whose audit event carries code
// "unavailable": a factor that could not reach its backend, or a finish
// whose flow update failed. A store failure while starting a flow or
// loading one emits no event (the flow is not known); the HTTP series see
// it as outcome "unavailable" of op start, begin or finish.
//
// Package authhttp/authmetrics is the dependency-free alternative for the
// HTTP series only.
package authprom
