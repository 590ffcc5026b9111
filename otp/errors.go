package otp

import (
	"errors"
	"fmt"
	"time"

	"github.com/strongauth/strongauth/internal/errcode"
)

// Sentinel errors. Match them with errors.Is; the typed errors below unwrap
// to them. No error message of this package ever contains a code, a key or a
// full phone number.
var (
	// ErrConfig reports an invalid Config (returned by New only).
	ErrConfig = errcode.Sentinel("otp: invalid configuration", errcode.Config)
	// ErrInvalidRequest reports a malformed Issue or Verify request: an
	// invalid purpose, flow ID or account.
	ErrInvalidRequest = errors.New("otp: invalid request")
	// ErrUnknownPurpose reports a purpose with no message text: a code is
	// only ever sent with a message that says what it confirms.
	ErrUnknownPurpose = errors.New("otp: no message for this purpose")

	// ErrPhoneInvalid reports a phone number that is malformed or not a
	// valid number.
	ErrPhoneInvalid = errors.New("otp: invalid phone number")
	// ErrPhoneNotMobile reports a valid number that cannot receive SMS
	// (fixed line, VoIP, premium rate…).
	ErrPhoneNotMobile = errors.New("otp: not a mobile phone number")
	// ErrPhoneNotAllowed reports a number outside the allowed destination
	// countries.
	ErrPhoneNotAllowed = errors.New("otp: destination country not allowed")

	// ErrCooldown reports a send requested before the cooldown since the
	// previous send to the same phone ended. It comes as a *LimitError with
	// a retry-after.
	ErrCooldown = errors.New("otp: resend requested too soon")
	// ErrBudget reports an exhausted send budget (per phone, account,
	// client IP or number prefix). It comes as a *LimitError naming the
	// budget, with a retry-after.
	ErrBudget = errors.New("otp: send budget exhausted")
	// ErrCircuitOpen reports that the global send budget, the circuit
	// breaker against SMS pumping, is exhausted: nothing is sent to anyone
	// until its window ends. It comes as a *LimitError.
	ErrCircuitOpen = errors.New("otp: sending suspended by the circuit breaker")
	// ErrSend reports that the Sender failed. No usable code is left behind
	// and the per-subject budgets are not charged.
	ErrSend = errors.New("otp: send failed")

	// ErrMalformedCode reports a submission that cannot be a code (wrong
	// length, not digits). It is not counted as an attempt: it reveals
	// nothing.
	ErrMalformedCode = errors.New("otp: malformed code")
	// ErrNoCode reports that no code is active for the flow: none was
	// sent, it was replaced by a newer one while being used, or it expired
	// and was removed.
	ErrNoCode = errors.New("otp: no active code")
	// ErrExpired reports a code past its validity.
	ErrExpired = errors.New("otp: code expired")
	// ErrUsed reports a code that was already used (a replay).
	ErrUsed = errors.New("otp: code already used")
	// ErrWrongCode reports a wrong code. It comes as a *WrongCodeError
	// with the attempts left for this code.
	ErrWrongCode = errors.New("otp: wrong code")
	// ErrAttemptsExhausted reports a code whose attempts are used up; only
	// a new code (subject to cooldown and budgets) can help.
	ErrAttemptsExhausted = errors.New("otp: too many attempts for this code")
	// ErrLocked reports an account locked after too many consecutive
	// failures. It comes as a *LimitError with a retry-after. A resend does
	// not unlock it.
	ErrLocked = errors.New("otp: too many failed attempts for this account")
	// ErrStore reports a store failure; the operation was denied.
	ErrStore = errors.New("otp: store unavailable")
)

// LimitError reports a refusal that a later retry may overcome: a cooldown,
// an exhausted budget, the circuit breaker or an account lockout.
type LimitError struct {
	// Err is ErrCooldown, ErrBudget, ErrCircuitOpen or ErrLocked.
	Err error
	// Scope names the limit: "cooldown", "phone", "account", "ip",
	// "prefix", "global" or "account-lockout".
	Scope string
	// After is how long until a retry may succeed.
	After time.Duration
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%v (%s; retry after %v)", e.Err, e.Scope, e.After.Round(time.Second))
}

// Unwrap returns Err.
func (e *LimitError) Unwrap() error { return e.Err }

// RetryAfter returns After; it implements the RetryAfter interface of
// package auth.
func (e *LimitError) RetryAfter() time.Duration { return e.After }

// WrongCodeError reports a wrong code and how many attempts remain for it.
type WrongCodeError struct {
	Remaining int
}

func (e *WrongCodeError) Error() string {
	return fmt.Sprintf("%v (%d attempts left)", ErrWrongCode, e.Remaining)
}

// Unwrap returns ErrWrongCode.
func (e *WrongCodeError) Unwrap() error { return ErrWrongCode }

// SendError reports a Sender failure. Its message is the sender's, with the
// code scrubbed out should a careless sender have put it there.
type SendError struct {
	msg   string
	cause error
}

func (e *SendError) Error() string { return "otp: send failed: " + e.msg }

// Unwrap returns ErrSend and the sender's error.
func (e *SendError) Unwrap() []error { return []error{ErrSend, e.cause} }

func storeErr(err error) error { return fmt.Errorf("%w: %w", ErrStore, err) }
