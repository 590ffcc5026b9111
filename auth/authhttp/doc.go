// Package authhttp is the thin HTTP layer over auth.Engine: JSON endpoints
// for a flow, browser binding by cookie, CSRF and origin checks, size and
// content-type limits, per-IP rate limits, client-safe errors in Kazakh,
// Russian and English, a step-up middleware, metrics hooks and the browser
// client, an ES module embedded in the package.
//
// # Endpoints
//
// Mount the Handler under any prefix with http.StripPrefix:
//
//	mux.Handle("/auth/", http.StripPrefix("/auth", h))
//
//	POST /flows                      {"action": "login", "lang"?}   → 201 flow view with csrf and offer
//	POST /flows/{id}/begin/{kind}    factor input (JSON)            → challenge {kind, data, expires_at}
//	POST /flows/{id}/finish/{kind}   factor input (JSON)            → {allowed, alternatives, offer, subject?, acr?, amr?, next?, next_error?}
//	GET  /flows/{id}/status          Server-Sent Events, or a long poll (?since=VERSION&wait=SECONDS)
//	GET  /flows/{id}/decision        the flow view
//	GET  /client.js                  the browser client (an ES module, embedded)
//	GET  /client.css                 the default UI's stylesheet (embedded)
//
// A finish may name the factor to begin next: POST …/finish/ecp?then=sms.
// When the flow is not allowed yet and needs that factor alone next (it is
// offered and one of the alternatives is just it), the handler begins it
// in the same request — the same per-IP limit and gates as POST …/begin —
// and adds its challenge as "next", or what the begin refused as
// "next_error" {code, message, retry_after?}; the finish stands either
// way. The embedded client asks for sms so: one round trip fewer between
// the strong factor and the code (a tenth of a second on a mobile network).
//
// A flow view is {flow, action, state ("open", "completed", "cancelled",
// "expired"), offer, alternatives, done, subject_known, expires_at,
// version, lang?}; offer lists the factors that may begin now, and never
// lists sms before a strong factor has completed. lang is the page's
// language for the flow ("kk", "ru", "en"; anything else is refused as
// invalid_input), kept as auth.Flow.Lang: factors/sms follows it for an
// account with no language of its own, never over an account's.
//
// # Browser binding and CSRF
//
// POST /flows sets an HttpOnly, SameSite=Strict cookie holding a random
// binding secret (Secure, and named "__Host-strongauth", except on
// localhost); the flow stores only its hash. Every later call must present
// it: another browser cannot continue, watch or redeem the flow. A host
// that already binds its own session supplies the secret with
// Config.Binding instead; Handler.Binding gives it to host endpoints that
// need it (passkey enrolment).
//
// POSTs must come from one of Config.Origins (the Origin header, and
// Sec-Fetch-Site "same-origin" when the browser sends it), carry
// Content-Type application/json and at most Config.MaxBody bytes, and —
// all but the start — the per-flow CSRF token (CSRFToken, returned by the
// start) in the X-StrongAuth-CSRF header.
//
// Starts and begins are rate-limited per client address and minute in the
// Store (IPv6 by /64); a refusal is 429 with Retry-After.
//
// # Results and sessions
//
// When a finish completes the flow, the Handler calls Config.OnResult with
// the engine's Result before answering; the host creates or extends its own
// session there. The library never owns the host's session cookie. For a
// step-up of a user the host knows, Config.Subject names the account, so
// that every factor of the flow must prove it.
//
// Handler.Require(action, results) is middleware for sensitive endpoints:
// it lets a request through when one of the results the host keeps for the
// user satisfies the action's policy now (fresh enough under its MaxAge),
// and otherwise answers 401 {"code": "step_up_required", "action",
// "alternatives"}, so the page can run a flow for that action and retry.
//
// # Errors
//
// Errors are JSON {"code", "message"} with a stable code (auth.Code, plus
// csrf, origin, content_type, too_large, binding_missing, not_found) and a
// message in the language of Accept-Language (kk, ru, en). HTTP statuses:
// 400 invalid input, 401 verification or subject refused, 403 binding,
// CSRF, origin and gates, 404 unknown flow, action, factor or endpoint,
// 409 completed or replayed, 410 expired, 413 too large, 415 content type,
// 429 rate limits and lockouts, 503 unavailable. Operator detail goes to
// Config.Log, never to the client.
//
// # Status
//
// GET /flows/{id}/status streams events "flow" (id: the flow's version,
// data: the view) when the client accepts text/event-stream, until the flow
// is no longer open; the stream ends after Config.StreamMax and EventSource
// resumes from Last-Event-ID. Otherwise it is a long poll that answers when
// the version differs from ?since= or after ?wait= seconds (at most 25). One
// client address holds at most Config.WatchersPerIP of these open at once.
//
// # Metrics
//
// Config.Metrics observes every operation (op, factor, outcome code,
// latency). auth/authprom (Prometheus client_golang) and auth/authotel
// (OpenTelemetry) implement it beside the library-wide metrics they derive
// from audit events; package authmetrics is a dependency-free adapter for
// the HTTP series alone, in the Prometheus text format.
//
// # Browser client
//
// GET /client.js serves a dependency-free ES module (ClientJS): Flow
// (start, begin, finish, watch), NCALayer (the NCA's local signer over a
// WebSocket, kz.gov.pki.knca.basics sign), webauthnGet and webauthnCreate
// with the JSON conversions, passkey autofill, SMS code entry (with a
// resend countdown) and QR display helpers (with "choose another way"),
// and a default UI (mountFlow) for pages that want one: keyboard and
// screen-reader friendly, in Kazakh, Russian or English.
//
// GET /client.css serves its stylesheet (ClientCSS): sa-* classes themed
// by CSS custom properties (--sa-primary, --sa-radius, …), light and dark
// (prefers-color-scheme, or data-theme on an ancestor), usable at 320 px.
// Both files carry a strong ETag and Cache-Control: no-cache, so browsers
// revalidate them (304) and pick up a new release at once. The README's
// "JavaScript API (client.js)" is their reference.
package authhttp
