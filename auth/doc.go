// Package auth is the core of strongauth: factors, evidence, flows, policies
// and the engine that enforces one rule — no access on a weak factor alone.
//
// A one-time SMS code is never enough by itself. Every login and every
// sensitive action needs at least one strong factor: a digital signature with
// a national PKI key (ECP), a WebAuthn authenticator that verified the user,
// or a cross-device QR approval from a trusted app. SMS can only be a second
// step, sent to the phone bound to the account after a strong factor.
//
// # Where to start
//
// An HTTP service does not call the engine by hand: package auth/authhttp
// serves the flow endpoints (start, begin, finish, status, decision) with
// the browser binding cookie, CSRF and origin checks, rate limits and the
// embedded JavaScript client, and its Handler.Require middleware guards a
// sensitive handler with a step-up. This package is what authhttp drives:
// the engine, the rules and the factor contract, for hosts that speak
// another protocol (auth/authoidc bridges OpenID Connect providers) or write
// their own factors.
//
// # Flow
//
// A host starts a Flow for an action ("login", "sign-document"), binding it
// to the browser with a secret it keeps in an HttpOnly cookie
// (Engine.NewBinding). The browser then begins and finishes factors through
// the host's handlers:
//
//	flow, _ := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: secret})
//	ch, _ := eng.Begin(ctx, auth.StepRequest{FlowID: flow.ID, Binding: secret, Kind: auth.KindECP})
//	// … the browser answers the challenge …
//	out, _ := eng.Finish(ctx, auth.StepRequest{FlowID: flow.ID, Binding: secret, Kind: auth.KindECP, Input: answer})
//	if out.Result != nil { /* create the host's own session from out.Result */ }
//
// Each Finish adds Evidence and returns the Decision: allowed (with a Result;
// the flow is then complete and cannot be redeemed again) or not yet, with
// the Alternatives that would complete it, for the UI.
//
// # Strength
//
// Factors report what they verified (a Proof with RFC 8176 AMR values); the
// engine computes strength with StrengthOf. Strong needs proof of possession
// of a key (sc, hwk, swk) with user verification for hwk/swk; sms is weak by
// construction and no setting changes that.
//
// # Policies
//
// A Policy per action holds a Rule in a small language — kinds combined with
// & and |, and "strong" for any strong factor:
//
//	(ecp & sms) | webauthn | qr
//
// auth.New refuses a policy under which some satisfying combination contains
// no strong factor ("sms", "sms | ecp", "sms & sms") and names that
// combination. Decide additionally requires that the evidence used includes
// strong evidence, whatever the rule says. MaxAge sets step-up freshness.
//
// Gates decide which factors may begin. The built-in gate, which no setting
// removes, lets a weak factor (sms) begin only after a strong factor has
// completed in the same flow (within MaxAge) and the subject is known; a
// refusal is ErrGate and the factor is never called, so nothing is sent.
//
// # Storage and concurrency
//
// Flows live in a store.Store under optimistic concurrency, so engines on
// many instances sharing one store act as one. A factor kind completes at
// most once per flow, and a flow is redeemed at most once, even under
// concurrent requests.
//
// # Observability
//
// Every step, factor call, decision and cancellation is an Event given to
// Config.Audit (the revocation checker and the factors report through the
// same Auditor type), and Config.Tracer is called around every Start, Begin
// and Finish. auth/authprom turns the events into Prometheus series and
// auth/authotel into OpenTelemetry measurements and a span per step; both
// keep every label in a closed set.
//
// # Security model
//
//   - Every request must present the browser binding; another browser cannot
//     continue or redeem a flow (ErrBinding).
//   - Every factor must prove the flow's subject (ErrSubjectMismatch).
//   - Every error, expiry or store failure denies; nothing fails open.
//   - Audit events (Auditor, SlogAuditor) never carry secrets: flows appear
//     by Ref, never by ID; codes, keys, challenges and bindings never appear.
//   - Errors are typed: match sentinels with errors.Is, *FactorError with
//     errors.As; Code gives a stable client-safe code and ClientMessage a
//     message in Kazakh, Russian or English.
//   - Time comes from Config.Now and randomness from Config.Rand
//     (crypto/rand by default).
//
// # Stored form
//
// A flow is stored in a compact versioned binary encoding (a version byte,
// then its fields; about a third of its JSON and five times faster to
// write and read). Records of earlier releases, which were JSON, are still
// read; a record that does not decode completely denies (ErrUnavailable).
// During a rolling upgrade, a flow started on an upgraded instance cannot
// be continued on an instance of an earlier release.
package auth
