// Package qr (import path factors/qr) adapts the domain package qr to
// strongauth's engine: the factor of kind "qr" — cross-device approval from
// an enrolled device (mode A), or a signature with the user's ECP key in
// eGov Mobile (mode B) — and the HTTP handlers for the phone, eGov Mobile,
// the waiting browser and device enrolment. Its name matches its path, as
// Go's convention asks; a file that imports both it and the domain package
// names one of them, as the examples here do:
//
//	import (
//		"github.com/strongauth/strongauth/qr"
//		qrfactor "github.com/strongauth/strongauth/factors/qr"
//	)
//
// # Wiring
//
//	svc, _ := qr.New(qr.Config{Store: st, Devices: devices, Service: "eGov.kz"})
//	f, _ := qrfactor.New(qrfactor.Config{Service: svc, Audit: auditor})
//	eng, _ := auth.New(auth.Config{Store: st, Factors: []auth.Factor{f, …},
//	        Policies: []auth.Policy{{Action: "login", Rule: rule("qr | webauthn | ecp")}}, Audit: auditor})
//	phoneH, _ := f.PhoneHandler(qrfactor.PhoneConfig{Flows: eng})
//	browserH, _ := f.BrowserHandler(qrfactor.BrowserConfig{Origins: []string{"https://example.kz"}})
//	enrolH, _ := f.EnrolHandler(qrfactor.EnrolConfig{Evidence: fromHostSession})
//	mux.Handle("/qr/phone/", http.StripPrefix("/qr/phone", phoneH))
//	mux.Handle("/qr/browser/", http.StripPrefix("/qr/browser", browserH))
//	mux.Handle("/qr/enrol/", http.StripPrefix("/qr/enrol", enrolH))
//
// The phone handler needs the engine (any FlowCanceller) to cancel a flow
// the user denies, so it is built after the engine.
//
// # Login
//
//  1. The browser begins kind qr through the host (auth.Engine.Begin); the
//     challenge's data (Begun) holds the first frame.
//  2. It shows the current frame every second (BrowserHandler: /{flow}/frame,
//     /{flow}/frame.png, /{flow}/frame.svg) and waits on /{flow}/status
//     (Server-Sent Events or a long poll). All of these need the flow's
//     binding — the cookie auth/authhttp sets, or BrowserConfig.Binding.
//  3. The phone scans (PhoneHandler /scan), shows the details and the three
//     numbers; the browser's status now carries the number to show; the user
//     picks it and the phone approves (/approve).
//  4. The browser sees "approved" and finishes kind qr through the host
//     (auth.Engine.Finish): the factor redeems the approval once and proves
//     the device's subject with AMR mca, hwk and user — strong evidence.
//
// At any point before that the user may "choose another way": the browser
// posts /{flow}/cancel and the session is abandoned (qr.Service.Abandon) —
// the code no longer scans, a phone's answer comes too late, nothing is
// redeemed — while the flow stays open for another factor (client.js's
// mountFlow does this behind its "Choose another way" button).
//
// # Mode B: eGov Mobile
//
// With qr.Config.MobileSign set (a signature.Verifier, the public BaseURL
// of MobileSignHandler, the organisation's names, the actions that allow
// mode B) and Config.Mapper (the ECP factor's ecp.Mapper), the browser may
// begin kind qr with the input {"mode": "mobile-sign"} for those actions
// (another action is refused: auth.ErrGate, reason "mode_not_allowed"):
// the QR code is then "mobileSign:<API 1 URL>", which eGov Mobile reads.
// The app fetches API 1 and the document (a signature.Challenge bound to
// the origin, the flow and the action, with the requesting browser, IP,
// place and time as meta lines, in the sign method the action asks for:
// CMS_SIGN_ONLY by default, CMS_WITH_DATA, XML or SIGN_BYTES_ARRAY — see
// package qr), signs it with the user's ECP key and PUTs the answer back;
// MobileSignHandler verifies it (chain, purpose — no information-system
// key for a person's login —, revocation, binding; an answer in another
// method is refused with reason "sign_method") and answers 200 or 403
// with a reason. The identity comes only from the certificate; the Mapper
// names the account. Every URL is single-use and lives
// qr.MobileSignConfig.TTL (180 s).
//
// Mode B has no number matching (the code is static): whoever sees it can
// answer with their own key. So the waiting browser's status names the
// signer once signed ("signer": {"name", "confirm"}), and the browser
// finishes kind qr with the input {"confirm": "<code>"} only after the
// user answered "Signed in as <name> — continue?"; Finish without it fails
// (auth.ErrInvalidInput, qr.ErrUnconfirmed, reason "unconfirmed") and the
// session stays approved for the confirmation. The proof has AMR mca and
// sc (and hwk or swk by the key's storage) and the certificate's facts
// (iin, bin, serial, issuer, algorithm, sign_method) as attributes.
//
//	mobileH, _ := f.MobileSignHandler()
//	mux.Handle("/qr/egov/", http.StripPrefix("/qr/egov", mobileH)) // BaseURL "https://portal.kz/qr/egov"
//
// # Enrolment
//
// A device is enrolled like a passkey: only within EnrolMaxAge (5 minutes)
// of a strong factor for the same account. The host passes the evidence of
// the flow it just completed (auth.Result.Evidence) — to BeginEnrol and
// FinishEnrol, or through EnrolConfig.Evidence for the EnrolHandler — and
// the app proves possession of its P-256 key by signing the challenge.
// Strength is recomputed from each evidence's AMR; a host cannot promote an
// SMS.
//
// # Denial
//
// "I did not start this" on the phone (/deny) denies the session for good,
// raises an auth.EventFraudReported audit event at once and cancels the
// flow through PhoneConfig.Flows. Should the cancellation fail, the phone
// gets 503 to retry, and the browser's Finish fails with an error wrapping
// auth.ErrFraud, on which the engine cancels the flow itself.
//
// # Errors
//
// Factor errors wrap qr sentinels in auth sentinels (Classify), so
// auth.Code gives the client code and errors.Is still finds the qr cause.
// Handlers answer ErrorBody {"code", "reason", "message"}: reason is a
// finer, non-secret qr reason for the app (Reason); message follows
// Accept-Language (kk, ru, en). Operator detail goes to Config.Log, with
// sessions by reference only: no token, MAC, number, binding or signature
// is ever logged.
package qr
