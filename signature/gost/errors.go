package gost

import (
	"encoding/asn1"
	"errors"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, so callers can use errors.Is. No error text ever contains key, digest
// or signature bytes.
var (
	// ErrVerification: the signature is well formed but does not verify.
	ErrVerification = errors.New("gost: verification failed")
	// ErrUnsupportedAlgorithm: an OID, curve, layout or digest size this
	// package does not verify, or a key that does not fit the algorithm.
	ErrUnsupportedAlgorithm = errors.New("gost: unsupported algorithm")
	// ErrInvalidPublicKey: a malformed key encoding or a point that is not a
	// valid public key of its curve.
	ErrInvalidPublicKey = errors.New("gost: invalid public key")
	// ErrMalformedSignature: wrong length, r or s zero or not below q, or a
	// malformed signed structure.
	ErrMalformedSignature = errors.New("gost: malformed signature")
)

// AlgorithmError reports an object identifier that is not supported where it
// was found. It unwraps to ErrUnsupportedAlgorithm.
type AlgorithmError struct {
	Where string                // e.g. "signature algorithm", "public key curve"
	OID   asn1.ObjectIdentifier // the offending identifier (public data)
}

func (e *AlgorithmError) Error() string {
	return "gost: unsupported " + e.Where + " " + e.OID.String()
}

func (e *AlgorithmError) Unwrap() error { return ErrUnsupportedAlgorithm }
