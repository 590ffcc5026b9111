package qr

import (
	"errors"
	"fmt"
	"time"

	"github.com/strongauth/strongauth/internal/errcode"
)

// Sentinel errors. Match them with errors.Is. Their messages never contain a
// token, secret, number, key or signature.
var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errcode.Sentinel("qr: invalid configuration", errcode.Config)
	// ErrMalformed reports a request that does not parse: a document, a
	// frame, an envelope, a key or a signature encoding.
	ErrMalformed = errors.New("qr: malformed request")
	// ErrBadKey reports a public key that is not an ECDSA P-256 key.
	ErrBadKey = errors.New("qr: public key is not ECDSA P-256")
	// ErrSignature reports a device signature that does not verify.
	ErrSignature = errors.New("qr: device signature does not verify")
	// ErrUnknownDevice reports a device ID that is not enrolled (or was
	// removed).
	ErrUnknownDevice = errors.New("qr: unknown device")
	// ErrRequestTime reports a signed request whose time is too far from
	// the server's clock.
	ErrRequestTime = errors.New("qr: request time outside the allowed window")

	// ErrNoSession reports a QR session that does not exist, was replaced
	// by a newer one for the same flow, or was already redeemed.
	ErrNoSession = errors.New("qr: no such QR session")
	// ErrForgedFrame reports scanned content whose HMAC does not verify.
	ErrForgedFrame = errors.New("qr: scanned frame is not authentic")
	// ErrStaleFrame reports scanned content older than MaxFrameAge.
	ErrStaleFrame = errors.New("qr: scanned frame is too old")
	// ErrFutureFrame reports scanned content from a time the session has
	// not reached yet.
	ErrFutureFrame = errors.New("qr: scanned frame is from the future")
	// ErrExpired reports a session past its lifetime.
	ErrExpired = errors.New("qr: session expired")
	// ErrBinding reports a browser request without the flow's binding.
	ErrBinding = errors.New("qr: session is bound to another browser")
	// ErrOtherDevice reports a scan, approval or denial by a device other
	// than the one the session is bound to.
	ErrOtherDevice = errors.New("qr: session is bound to another device")
	// ErrWrongSubject reports a device of another account than the flow's.
	ErrWrongSubject = errors.New("qr: device belongs to another account")
	// ErrNotScanned reports an approval or denial before the scan.
	ErrNotScanned = errors.New("qr: session has not been scanned")
	// ErrWrongNumber reports a wrong number pick; the session fails for
	// good.
	ErrWrongNumber = errors.New("qr: wrong number chosen")
	// ErrDetails reports an approval over details other than those shown;
	// the session fails for good.
	ErrDetails = errors.New("qr: approval is for other details")
	// ErrReplay reports a second approval of a session.
	ErrReplay = errors.New("qr: session already approved")
	// ErrFailed reports a session that failed for good (wrong number,
	// other details).
	ErrFailed = errors.New("qr: session failed")
	// ErrDenied reports a session (or flow) the user reported as not
	// started by them.
	ErrDenied = errors.New("qr: the user reported this request as not theirs")
	// ErrPending reports a redemption before the approval.
	ErrPending = errors.New("qr: session not approved yet")
	// ErrUnconfirmed reports the redemption of a mode B session without
	// the browser's confirmation of the signer (WithConfirmation with the
	// code Status gave beside the signer's name). The session stays
	// approved: the browser may confirm and redeem it again.
	ErrUnconfirmed = errors.New("qr: the browser has not confirmed who signed")
	// ErrModeNotAllowed reports a mode B session begun for an action that
	// MobileSignConfig.Actions does not list.
	ErrModeNotAllowed = errors.New("qr: this QR mode is not allowed for this action")
	// ErrSignMethod reports a mode B answer in another sign method than the
	// one the document asked for (an attached CMS where CMS_SIGN_ONLY was
	// asked counts as another method); the session fails for good.
	ErrSignMethod = errors.New("qr: answer in another sign method than the one asked")
	// ErrRateLimited reports too many sessions from one client IP; the
	// error is a *RateLimitError carrying the retry time.
	ErrRateLimited = errors.New("qr: too many QR sessions")

	// ErrChallenge reports an enrolment challenge that is unknown, used,
	// expired or issued to another subject.
	ErrChallenge = errors.New("qr: unknown or used enrolment challenge")
	// ErrDeviceLimit reports a subject with the maximum number of devices.
	ErrDeviceLimit = errors.New("qr: too many devices for this account")
	// ErrDeviceExists reports a key (or device ID) that is already
	// enrolled.
	ErrDeviceExists = errors.New("qr: device already enrolled")
	// ErrDeviceNotFound is what a DeviceStore returns for a missing device.
	ErrDeviceNotFound = errors.New("qr: device not found")

	// ErrUnavailable reports a store or randomness failure. Deny.
	ErrUnavailable = errors.New("qr: temporarily unavailable")
	// ErrRender reports a failure of the QR encoder.
	ErrRender = errors.New("qr: cannot render QR code")
)

// RateLimitError is returned when a client IP exceeded its session budget.
// It unwraps to ErrRateLimited.
type RateLimitError struct {
	// Retry is when a new session may succeed (an upper bound).
	Retry time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%v (retry in %v)", ErrRateLimited, e.Retry)
}

// Unwrap returns ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// RetryAfter reports when a retry may succeed.
func (e *RateLimitError) RetryAfter() time.Duration { return e.Retry }

// unavailable wraps a store or randomness failure; the cause stays
// inspectable with errors.Is (store.ErrUnavailable, context errors).
func unavailable(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, err)
}

// malformed reports which part of a request did not parse.
func malformed(what string) error {
	return fmt.Errorf("%w: %s", ErrMalformed, what)
}
