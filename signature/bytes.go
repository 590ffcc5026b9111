package signature

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
	"time"

	"github.com/strongauth/strongauth/signature/gost"
)

// VerifyBytes verifies a bare signature over content made with the key of
// the certificate certDER (DER), as eGov Mobile's SIGN_BYTES_ARRAY method
// returns it: the algorithm follows the key — GOST 34.10-2015 (512 or 256)
// and 34.310-2004 with their hashes, in the NCA's byte order; RSA PKCS #1
// v1.5 with SHA-256; ECDSA (ASN.1) with SHA-256 on P-256 and SHA-384 on
// P-384 — and then the same trust path as Verify (chain, purpose, identity,
// revocation). A bare signature has no signing time. On error the result is
// nil.
func (v *Verifier) VerifyBytes(ctx context.Context, content, sig, certDER []byte, opts VerifyOptions) (*Result, error) {
	if err := opts.Purpose.Validate(); err != nil {
		return nil, err
	}
	if len(content) > v.maxInput || len(sig) == 0 || len(sig) > 1024 || len(certDER) == 0 || len(certDER) > 16<<10 {
		return nil, malformed("bare signature, content or certificate size")
	}
	leaf, err := v.parseCert(certDER)
	if err != nil {
		return nil, err
	}
	alg, err := bytesAlgorithm(leaf)
	if err != nil {
		return nil, err
	}
	if err := checkSignerSignature(alg, leaf, content, sig); err != nil {
		return nil, err
	}
	return v.singleSignerResult(ctx, FormatBytes, append([]byte(nil), content...), leaf, alg, opts.Purpose)
}

// bytesAlgorithm is the algorithm a bare signature by leaf's key is made
// with.
func bytesAlgorithm(leaf *certEntry) (*signerAlgorithm, error) {
	if leaf.gostKey != nil {
		oid := gost.OIDKZSignature2015512
		switch leaf.gostKey.Curve().Name() {
		case gost.CurveCryptoProA().Name():
			oid = gost.OIDKZSignature2004
		case gost.CurveTC26256A().Name():
			oid = gost.OIDKZSignature2015256
		}
		a, _ := gost.SignatureAlgorithmByOID(gost.OID(oid))
		return &signerAlgorithm{Name: a.Name, kind: kindGOST, gost: a, gostDig: a.DigestOID, gostSig: a.SignatureOID}, nil
	}
	switch pub := leaf.cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("%w: %d-bit RSA key", ErrUnsupportedAlgorithm, pub.N.BitLen())
		}
		return &signerAlgorithm{Name: "RSA-PKCS1v15-SHA256", kind: kindRSA, hash: crypto.SHA256}, nil
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			return &signerAlgorithm{Name: "ECDSA-P256-SHA256", kind: kindECDSA, hash: crypto.SHA256}, nil
		case elliptic.P384():
			return &signerAlgorithm{Name: "ECDSA-P384-SHA384", kind: kindECDSA, hash: crypto.SHA384}, nil
		}
	}
	return nil, fmt.Errorf("%w: public key algorithm %v", ErrUnsupportedAlgorithm, leaf.cert.PublicKeyAlgorithm)
}

// VerifyChallengeBytes verifies a bare signature over a challenge's text
// form (Marshal): the binding and expiry first (ErrChallengeMismatch,
// ErrExpired), then VerifyBytes.
func (v *Verifier) VerifyChallengeBytes(ctx context.Context, sig, certDER []byte, ch *Challenge, want Binding, now time.Time, purpose Purpose) (*Result, error) {
	if ch == nil {
		return nil, fmt.Errorf("%w: no challenge", ErrChallengeMismatch)
	}
	if err := ch.Check(want, now); err != nil {
		return nil, err
	}
	return v.VerifyBytes(ctx, ch.Marshal(), sig, certDER, VerifyOptions{Purpose: purpose})
}
