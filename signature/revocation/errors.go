package revocation

import (
	"errors"
	"fmt"
	"strings"

	"github.com/strongauth/strongauth/internal/errcode"
	"github.com/strongauth/strongauth/signature"
)

// Sentinel errors. Every error a Checker returns wraps one of the signature
// package's revocation sentinels (signature.ErrRevoked,
// signature.ErrRevocationUnknown, signature.ErrRevocationUnavailable) and,
// for a failed check, one of these, so callers can tell what went wrong with
// errors.Is. No error text contains anything secret: only URLs, serial
// numbers, times and the names of public certificates.
var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errcode.Sentinel("revocation: invalid configuration", errcode.Config)
	// ErrInvalidInput reports a nil or inconsistent certificate or issuer.
	ErrInvalidInput = errors.New("revocation: invalid input")
	// ErrNotIssuedBy reports a certificate that the given issuer did not
	// sign; nothing is fetched for it.
	ErrNotIssuedBy = errors.New("revocation: certificate not issued by the given issuer")
	// ErrNoSource reports that no OCSP responder or CRL location is known
	// for the certificate (none in the certificate, none configured).
	ErrNoSource = errors.New("revocation: no revocation source")
	// ErrFetch reports a transport failure: connection error, timeout,
	// non-200 HTTP status.
	ErrFetch = errors.New("revocation: fetch failed")
	// ErrTooLarge reports a response or CRL larger than the configured
	// limit.
	ErrTooLarge = errors.New("revocation: response too large")
	// ErrMalformed reports a response or CRL that is not well-formed DER of
	// the expected structure.
	ErrMalformed = errors.New("revocation: malformed response")
	// ErrResponderStatus reports an OCSP response whose responseStatus is
	// not "successful" (malformedRequest, internalError, tryLater,
	// sigRequired, unauthorized).
	ErrResponderStatus = errors.New("revocation: OCSP responder refused")
	// ErrCertIDMismatch reports an OCSP response that answers for another
	// certificate.
	ErrCertIDMismatch = errors.New("revocation: OCSP response is for another certificate")
	// ErrNonce reports an OCSP response that does not echo the request's
	// nonce.
	ErrNonce = errors.New("revocation: OCSP nonce missing or different")
	// ErrNotAuthorized reports an answer signed by a key that may not
	// speak for the issuer: neither the issuer nor a valid delegated OCSP
	// responder certificate issued by it, or a CRL issuer that is not the
	// certificate's issuer.
	ErrNotAuthorized = errors.New("revocation: signer not authorised")
	// ErrSignature reports a signature that does not verify.
	ErrSignature = errors.New("revocation: bad signature")
	// ErrUnsupportedAlgorithm reports a signature or hash algorithm this
	// package does not accept (SHA-1 signatures included).
	ErrUnsupportedAlgorithm = errors.New("revocation: unsupported algorithm")
	// ErrStale reports an answer outside its validity: thisUpdate in the
	// future, nextUpdate in the past (with the configured skew), or a CRL
	// without nextUpdate.
	ErrStale = errors.New("revocation: answer expired or not yet valid")
	// ErrScope reports a CRL that does not cover the certificate (an
	// issuing distribution point restricted to other certificates or
	// reasons, an indirect CRL, a delta CRL whose base is newer than the
	// full CRL, or an unknown critical extension).
	ErrScope = errors.New("revocation: CRL does not cover the certificate")
	// ErrClosed reports use of a closed Checker.
	ErrClosed = errors.New("revocation: checker closed")
)

// Sources, as reported in signature.RevocationStatus.Source and audit
// events.
const (
	SourceOCSP = "ocsp"
	SourceCRL  = "crl"
)

// Statuses, as reported in signature.RevocationStatus.Status. StatusUnchecked
// is only ever returned (with a nil error) under Config.InsecureSoftFail.
const (
	StatusGood      = "good"
	StatusRevoked   = "revoked"
	StatusUnknown   = "unknown"
	StatusUnchecked = "unchecked"
)

// CheckError reports one check (OCSP or CRL) that could not be completed.
// It wraps the cause (one of this package's sentinels, possibly with a
// lower-level error) and signature.ErrRevocationUnavailable.
type CheckError struct {
	Source string // SourceOCSP or SourceCRL
	URL    string // the responder or CRL location, when one was involved
	Err    error
}

func (e *CheckError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.URL != "" {
		b.WriteString(" ")
		b.WriteString(e.URL)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the cause and signature.ErrRevocationUnavailable.
func (e *CheckError) Unwrap() []error {
	return []error{e.Err, signature.ErrRevocationUnavailable}
}

// UnavailableError reports that no check could establish the status: it
// lists every attempt, in order. errors.Is(err,
// signature.ErrRevocationUnavailable) holds, and errors.Is sees each
// attempt's cause.
type UnavailableError struct {
	Attempts []*CheckError
}

func (e *UnavailableError) Error() string {
	var b strings.Builder
	b.WriteString("revocation: status unavailable")
	for i, a := range e.Attempts {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(a.Error())
	}
	return b.String()
}

// Unwrap returns the attempts and signature.ErrRevocationUnavailable.
func (e *UnavailableError) Unwrap() []error {
	errs := make([]error, 0, len(e.Attempts)+1)
	for _, a := range e.Attempts {
		errs = append(errs, a)
	}
	return append(errs, signature.ErrRevocationUnavailable)
}

// StatusError reports a definitive answer that denies: revoked (wrapping
// signature.ErrRevoked) or unknown (wrapping
// signature.ErrRevocationUnknown).
type StatusError struct {
	Status signature.RevocationStatus
}

func (e *StatusError) Error() string {
	s := e.Status
	if s.Status == StatusRevoked {
		msg := fmt.Sprintf("revocation: certificate revoked (%s", s.Source)
		if s.Reason >= 0 {
			msg += ", reason " + ReasonString(s.Reason)
		}
		if !s.RevokedAt.IsZero() {
			msg += ", at " + s.RevokedAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		return msg + ")"
	}
	return fmt.Sprintf("revocation: status %s (%s)", s.Status, s.Source)
}

// Unwrap returns signature.ErrRevoked or signature.ErrRevocationUnknown.
func (e *StatusError) Unwrap() error {
	if e.Status.Status == StatusRevoked {
		return signature.ErrRevoked
	}
	return signature.ErrRevocationUnknown
}

// ReasonString names an RFC 5280 CRLReason code ("certificateHold" for 6),
// or returns "none" for -1 and "reason(N)" for an unassigned code.
func ReasonString(reason int) string {
	switch reason {
	case -1:
		return "none"
	case 0:
		return "unspecified"
	case 1:
		return "keyCompromise"
	case 2:
		return "cACompromise"
	case 3:
		return "affiliationChanged"
	case 4:
		return "superseded"
	case 5:
		return "cessationOfOperation"
	case 6:
		return "certificateHold"
	case 8:
		return "removeFromCRL"
	case 9:
		return "privilegeWithdrawn"
	case 10:
		return "aACompromise"
	}
	return fmt.Sprintf("reason(%d)", reason)
}

// checkErr builds a CheckError.
func checkErr(source, url string, sentinel error, format string, args ...any) *CheckError {
	var err error
	if format == "" {
		err = sentinel
	} else {
		err = fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
	}
	return &CheckError{Source: source, URL: url, Err: err}
}
