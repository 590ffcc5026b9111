package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/strongauth/strongauth/internal/errcode"
)

// codedError is a sentinel with a stable, client-safe code.
type codedError struct{ code, msg string }

func (e *codedError) Error() string     { return e.msg }
func (e *codedError) ErrorCode() string { return e.code }

func sentinel(code, msg string) error { return &codedError{code: code, msg: msg} }

// Sentinel errors. Match them with errors.Is; each has a stable code that
// Code returns and that a client may see.
var (
	// Flow lifecycle.
	ErrFlowNotFound  = sentinel("flow_not_found", "auth: flow not found")
	ErrFlowExpired   = sentinel("flow_expired", "auth: flow expired")
	ErrFlowCompleted = sentinel("flow_completed", "auth: flow already completed")
	ErrFlowCancelled = sentinel("flow_cancelled", "auth: flow cancelled")
	ErrBinding       = sentinel("binding_mismatch", "auth: flow is bound to another browser")

	// Configuration and requests.
	ErrUnknownAction = sentinel("unknown_action", "auth: unknown action")
	ErrUnknownFactor = sentinel("unknown_factor", "auth: unknown factor")
	ErrWeakPolicy    = sentinel("weak_policy", "auth: policy can be satisfied without a strong factor")
	ErrPolicySyntax  = sentinel("policy_syntax", "auth: policy syntax error")
	ErrConfig        = errcode.Config // every package's configuration errors match it
	ErrInvalidInput  = sentinel("invalid_input", "auth: invalid input")

	// Steps.
	ErrGate             = sentinel("factor_not_allowed", "auth: factor may not begin now")
	ErrNotBegun         = sentinel("factor_not_begun", "auth: factor was not begun in this flow")
	ErrAlreadyCompleted = sentinel("factor_already_completed", "auth: factor already completed in this flow")
	ErrSubjectMismatch  = sentinel("subject_mismatch", "auth: factor proved another subject")
	ErrNoSubject        = sentinel("subject_unknown", "auth: flow has no subject yet")
	ErrNotAllowed       = sentinel("not_allowed", "auth: policy not satisfied")

	// Verification outcomes that factors wrap their own errors in.
	ErrVerification = sentinel("verification_failed", "auth: verification failed")
	ErrExpired      = sentinel("expired", "auth: challenge or code expired")
	ErrReplay       = sentinel("replayed", "auth: challenge or code already used")
	ErrRateLimited  = sentinel("rate_limited", "auth: too many requests")
	ErrLocked       = sentinel("locked", "auth: too many failed attempts")
	ErrRevoked      = sentinel("revoked", "auth: credential revoked")
	ErrFraud        = sentinel("fraud_reported", "auth: the user reported this request as fraud")
	ErrUnavailable  = sentinel("unavailable", "auth: service temporarily unavailable")
)

// FactorError reports a failure of one factor in one operation. It wraps the
// cause, so errors.Is and errors.As see through it. Its message names the
// factor and the operation and the cause's message, which never contains a
// secret.
type FactorError struct {
	Kind Kind   // the factor
	Op   string // "begin" or "finish"
	Err  error  // the cause
}

func (e *FactorError) Error() string {
	return fmt.Sprintf("auth: %s %s: %v", e.Kind, e.Op, e.Err)
}

func (e *FactorError) Unwrap() error { return e.Err }

// RetryAfter is implemented by errors that know when a retry may succeed
// (rate limits, lockouts).
type RetryAfter interface {
	RetryAfter() time.Duration
}

// Code returns the stable, client-safe code of err: the code of the first
// error in its chain that has one (an ErrorCode() string method), or
// "internal" for anything else. It never reveals the operator detail in the
// error's message.
func Code(err error) string {
	if err == nil {
		return ""
	}
	if c, ok := errors.AsType[errorWithCode](err); ok { // errors.As would allocate its target
		return c.ErrorCode()
	}
	return "internal"
}

// errorWithCode is an error that names its stable code.
type errorWithCode interface {
	error
	ErrorCode() string
}

// Classify wraps err so that errors.Is matches sentinel and Code reports the
// sentinel's code; factor adapters use it to classify the errors of their
// domain packages, for example Classify(ErrVerification, err).
func Classify(sentinel, err error) error {
	if err == nil {
		return sentinel
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}
