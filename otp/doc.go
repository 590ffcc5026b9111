// Package otp sends and verifies one-time SMS codes that are safe against the
// fraud they are usually abused for: a scammer types the victim's number into
// a service, the service sends an official-looking code, and the scammer talks
// the code out of the victim. The package knows nothing of package auth; the
// adapter factors/sms plugs it into an auth.Engine as a weak second step.
//
// # Flow
//
// A host (or the SMS factor) parses the phone number bound to the account,
// issues a code for one purpose and one flow, and later verifies what the
// user typed:
//
//	phone, err := svc.Phone(boundNumber) // E.164, mobile, allowed country
//	sent, err := svc.Issue(ctx, otp.Request{Purpose: "login", FlowID: id, Account: subject, Phone: phone, ClientIP: ip, Lang: "kk"})
//	// … the user types the code …
//	err = svc.Verify(ctx, otp.Attempt{Purpose: "login", FlowID: id, Account: subject, Phone: phone, Code: typed})
//
// A code is bound to its purpose, flow, account and phone: it verifies only
// for the same four. Issuing again for the same purpose and flow replaces the
// previous code.
//
// # Codes
//
// Codes have 6 digits by default (6 to 10), drawn uniformly from crypto/rand
// by rejection sampling. The store never holds a code: only
// HMAC-SHA256(key, purpose ‖ flow ‖ account ‖ phone ‖ code), every field
// length-prefixed, beside the fingerprint of the key used, so keys can rotate
// (Config.Keys[0] makes codes, the others still verify). A code is valid for
// Config.TTL, 5 minutes by default and never more than 10 (New refuses more),
// and the record carries its own expiry, so a store that keeps it longer
// does not extend it.
//
// # Verification
//
// Verify succeeds at most once per code: the record moves from "armed" to
// "used" by compare-and-swap, so of any number of concurrent correct
// submissions exactly one wins, and a replay gets ErrUsed. Every well-formed
// submission is counted before anything is compared, against the code
// (Config.MaxAttempts, 5 by default) and against the account's consecutive
// failures (Config.MaxFailures, 100 by default as in NIST SP 800-63B). A
// resend gives a fresh code with fresh attempts but does not reset the
// account's count; when it reaches the limit the account is locked for
// Config.Lockout (ErrLocked, with a retry-after), Issue sends nothing to it,
// and after the lockout every further failure locks it again until a
// success resets the count. The comparison is constant-time. Input that
// cannot be a code (ErrMalformedCode) is refused without being counted.
//
// # Sending
//
// Before anything is sent, Issue checks, in order: the account lockout; the
// cooldown per phone (Config.Cooldown, 60 s by default); and the budgets
// (Config.Budgets) — the global circuit breaker against SMS pumping
// (ErrCircuitOpen), then per phone, per account, per client IP (IPv6 by /64)
// and per number prefix (the number without its last four digits). Budgets
// are fixed windows aligned to the epoch, so a refusal says when it ends; a
// refused request charges nothing.
//
// The code is stored "pending", the SMS is sent, and only then is the code
// "armed": if the Sender fails, the code is deleted and, being pending, could
// never be verified anyway; the per-subject budgets are refunded and the
// cooldown lifted, so the user's retry is charged once. The global breaker
// keeps counting failed sends.
//
// Numbers are parsed with github.com/nyaruka/phonenumbers and normalised to
// E.164 (ParsePhone, Service.Phone); malformed, non-mobile and VoIP numbers
// are refused, and only Config.Countries are allowed (Kazakhstan, +7 7xx, by
// default). A Phone prints itself masked, "+7 7** *** **12".
//
// # Messages
//
// Each SMS says what the code confirms ("Код 123456 для входа на
// example.kz"), that nobody — bank, police, staff — will ever ask for it,
// and what to do if the user did not start this, in Kazakh, Russian or
// English, and ends with the origin-bound line "@example.kz #123456" so that
// phones offer to fill the code only on that site (WebOTP). Hosts add action
// phrases (Config.Actions) and may replace the templates (Config.Templates);
// New renders every combination and refuses any longer than
// Config.MaxSegments SMS segments (Segments: GSM-7 holds 160 characters,
// UCS-2 — needed for Cyrillic — only 70). The default English texts take one
// segment; the Kazakh and Russian ones two.
//
// # Senders
//
// Sender delivers messages. HTTPSender posts JSON to a gateway with a
// timeout, retrying only 5xx answers; DevSender writes to a log/slog logger
// with the code redacted unless InsecureShowCode; otptest.Recorder records
// messages for tests. Message redacts its text in String, GoString and
// LogValue.
//
// # Storage
//
// Everything lives in Config.Store under Config.KeyPrefix ("sa:otp:"). The
// keys name no phone, account or IP in clear, only a hash of it, and carry
// a hash tag (store.HashTag), so that a Redis Cluster keeps together what
// belongs together:
//
//	c:{<flow>}:<purpose>    the code record (per flow)
//	a:{<flow>}:<generation> the attempts at one code (per flow)
//	f:{<account>}           the account's consecutive failures
//	l:{<account>}           the account's lockout
//	b:account:{<account>}:<window>, b:phone:{<phone>}:<window>,
//	b:ip:{<ip>}:<window>, b:prefix:{<prefix>}:<window>, b:global::<window>
//	                        the send budgets
//	d:{<phone>}             the phone's cooldown
//
// A flow's code and attempt counter share the slot of the flow ID, the tag
// the engine's flow record and the other factors' challenges carry too. A
// flow has one subject but a subject has many flows, so the per-account
// keys (failures, lockout, budget) take the account's tag instead and lie
// together in the account's slot, and the per-phone ones (cooldown,
// budget) in the phone's.
//
// # Security model
//
//   - No code is ever stored, logged or put into an error; the Sender's
//     errors are scrubbed of it. Keys redact themselves.
//   - Every error, store failure or expiry denies; nothing fails open.
//   - The phone must be the one bound to the account: the caller's duty
//     (factors/sms takes it only from the host's auth.PhoneBook).
//   - Time comes from Config.Now and randomness from Config.Rand
//     (crypto/rand by default).
//   - Several instances must share one store.Store (store/redis); with
//     store/memory each instance would count and consume on its own.
package otp
