// Package sms is the SMS factor: it plugs package otp into an auth.Engine as
// a weak second step (auth.KindSMS). It can complete a policy only beside a
// strong factor — auth.New refuses "sms" alone or "sms | ecp" — and it may
// begin only after one.
//
// # Flow
//
// After a strong factor has proved the flow's subject, the browser begins
// the SMS step with no input; the factor asks the host's auth.PhoneBook for
// the phone bound to the subject, sends a code there (otp.Service.Issue) and
// returns the masked number. The browser finishes with {"code": "123456"};
// the factor asks the phone book again, verifies the code bound to the
// flow, its action, the subject and that phone (otp.Service.Verify), and
// proves the subject with AMR "sms" and "otp" and the masked phone as the
// "phone" attribute. The engine rates that weak (auth.StrengthOf). Beginning
// again resends, within the cooldown and budgets of the otp.Service.
//
// # Gate
//
// The engine already lets a weak factor begin only after a strong one and
// once the subject is known. The factor checks again, in depth, on Begin and
// on Finish: the flow must have a subject and strong evidence for that
// subject from the last Config.StrongWithin (5 minutes by default), or it
// refuses with auth.ErrGate and sends nothing.
//
// The phone comes only from the PhoneBook. Begin refuses any input except
// nothing, null or {}; input that names or holds a phone number fails with
// ErrPhoneInRequest (auth.ErrInvalidInput). Typing a phone number sends
// nothing, ever.
//
// # Language
//
// Messages go out in the account's language, from Config.Languages or from
// the PhoneBook if it implements Languages. When the account has no
// language (Languages answers "" without an error, or there is no
// Languages), the flow's language is used — auth.Flow.Lang, the language
// the page started the flow in (mountFlow's lang) — and when the flow has
// none either, the otp.Service's default. A failing lookup gives the
// default, never the page's choice.
//
// The request can never override an account's language: the person at the
// browser may be the fraudster, who would pick a language the victim
// cannot read the warning in. The flow's language only fills a gap; a
// host that wants no say for the page at all returns a language for every
// account.
//
// # Errors
//
// The otp errors are wrapped with auth.Classify: a wrong code is
// auth.ErrVerification, an expired or missing one auth.ErrExpired, a reused
// one auth.ErrReplay, a lockout or exhausted attempts auth.ErrLocked, a
// cooldown or budget auth.ErrRateLimited, and a gateway, store or circuit
// breaker failure auth.ErrUnavailable. errors.Is still sees the otp
// sentinel, and limits carry a retry-after (auth.RetryAfter).
package sms
