package signature

import (
	"context"
	"crypto/x509"
	"errors"
	"time"
)

// Revocation errors. A RevocationChecker returns nil only for a certificate
// it positively found good; every other answer denies.
var (
	// ErrRevoked: the certificate is revoked, for any reason (certificateHold
	// included).
	ErrRevoked = errors.New("signature: certificate revoked")
	// ErrRevocationUnknown: the responder answered "unknown".
	ErrRevocationUnknown = errors.New("signature: revocation status unknown")
	// ErrRevocationUnavailable: no usable answer (no responder, timeout,
	// unverifiable or expired answer, or no checker configured when one is
	// required).
	ErrRevocationUnavailable = errors.New("signature: revocation status unavailable")
)

// RevocationChecker checks whether cert, issued by issuer, is revoked. The
// verifier calls it for every certificate of a verified chain except the
// trust anchor. Implementations live in signature/revocation (OCSP and CRL
// with caching); a host may supply its own.
//
// It returns the status it established and nil only when the certificate is
// good. A revoked certificate yields an error wrapping ErrRevoked (with the
// status filled in), "unknown" one wrapping ErrRevocationUnknown, and no
// usable answer one wrapping ErrRevocationUnavailable.
type RevocationChecker interface {
	CheckRevocation(ctx context.Context, cert, issuer *x509.Certificate) (RevocationStatus, error)
}

// RevocationStatus is what a RevocationChecker established.
type RevocationStatus struct {
	// Source is "ocsp" or "crl" (or a host checker's own name).
	Source string `json:"source"`
	// Status is "good", "revoked" or "unknown".
	Status string `json:"status"`
	// Reason is the RFC 5280 CRLReason of a revocation (6 is
	// certificateHold); -1 when none was given.
	Reason    int       `json:"reason"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// ThisUpdate and NextUpdate bound the answer's validity; ProducedAt
	// is the OCSP response's production time.
	ThisUpdate time.Time `json:"this_update,omitzero"`
	NextUpdate time.Time `json:"next_update,omitzero"`
	ProducedAt time.Time `json:"produced_at,omitzero"`
	// Responder names the OCSP responder or CRL issuer.
	Responder string `json:"responder,omitempty"`
	// Cached reports an answer served from the cache.
	Cached bool `json:"cached,omitempty"`
}
