package gost

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// PublicKey is a validated GOST R 34.10 public key: a point of a named curve
// that lies on it (and in the subgroup of order q).
//
// A PublicKey caches precomputed multiples of its point, built on its second
// verification (or by Precompute; for TC26-256-A keys already when parsed, by
// the subgroup check) and kept as long as the key: 8 KiB for a 512-bit key,
// 4 KiB for a 256-bit one. From then on verification with it
// takes about 40 % of the time. Keep the *PublicKey of a returning signer or
// of a CA (for example with its parsed certificate) to benefit; a key parsed
// for each verification never builds the cache. A PublicKey is safe for
// concurrent use.
type PublicKey struct {
	curve *Curve
	xy    []byte // X‖Y, each coordinate little-endian
	pt    any    // decoded point for the curve's arithmetic
}

// NewPublicKey validates and returns the public key with coordinates X‖Y,
// each little-endian and c.Size() bytes long (the encoding inside the
// SubjectPublicKeyInfo OCTET STRING, RFC 4491 §2.3.2).
func NewPublicKey(c *Curve, xyLE []byte) (*PublicKey, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil curve", ErrInvalidPublicKey)
	}
	pt, err := c.ops.decodePoint(xyLE)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidPublicKey, c.name, err)
	}
	return &PublicKey{curve: c, xy: bytes.Clone(xyLE), pt: pt}, nil
}

// Precompute builds the key's cache of precomputed multiples now, instead of
// on its second verification: for keys known to verify many signatures (a
// CA's, a returning signer's). It takes about as long as one verification
// and is a no-op when the cache exists or another goroutine is building it.
func (k *PublicKey) Precompute() {
	if k == nil || k.curve == nil {
		return
	}
	k.curve.ops.precompute(k.pt)
}

// Curve returns the key's curve.
func (k *PublicKey) Curve() *Curve { return k.curve }

// Bytes returns X‖Y, each coordinate little-endian (a fresh copy).
func (k *PublicKey) Bytes() []byte { return bytes.Clone(k.xy) }

// Equal reports whether x is a *PublicKey with the same curve and point.
func (k *PublicKey) Equal(x crypto.PublicKey) bool {
	o, ok := x.(*PublicKey)
	return ok && o != nil && k.curve == o.curve && bytes.Equal(k.xy, o.xy)
}

// ParsePublicKey parses a DER SubjectPublicKeyInfo with a GOST key, Kazakh
// (1.2.398.3.10…) or Russian (1.2.643…) OIDs:
//
//	SEQUENCE { SEQUENCE { keyOID, SEQUENCE { curveOID, [digestOID, [cipherOID]] } },
//	           BIT STRING { OCTET STRING { X‖Y little-endian } } }
//
// The curve must be one of the named curves of this package and must fit the
// key OID; the point must be valid. Trailing data is rejected.
func ParsePublicKey(spki []byte) (*PublicKey, error) {
	input := cryptobyte.String(spki)
	var info, algo, params cryptobyte.String
	var keyOID, curveOID asn1.ObjectIdentifier
	var bits asn1.BitString
	if !input.ReadASN1(&info, cbasn1.SEQUENCE) || !input.Empty() ||
		!info.ReadASN1(&algo, cbasn1.SEQUENCE) ||
		!info.ReadASN1BitString(&bits) || !info.Empty() ||
		!algo.ReadASN1ObjectIdentifier(&keyOID) {
		return nil, fmt.Errorf("%w: malformed SubjectPublicKeyInfo", ErrInvalidPublicKey)
	}
	reg := registryOnce()
	ka, ok := reg.publicKeys[keyOID.String()]
	if !ok {
		return nil, &AlgorithmError{Where: "public key algorithm", OID: keyOID}
	}
	if !algo.ReadASN1(&params, cbasn1.SEQUENCE) || !algo.Empty() ||
		!params.ReadASN1ObjectIdentifier(&curveOID) {
		return nil, fmt.Errorf("%w: malformed GOST key parameters", ErrInvalidPublicKey)
	}
	curve, ok := ka.curves[curveOID.String()]
	if !ok {
		return nil, &AlgorithmError{Where: "public key curve", OID: curveOID}
	}
	// Optional digestParamSet and encryptionParamSet (RFC 4491 §2.3.2,
	// RFC 9215 §4.2).
	if !params.Empty() {
		var digestOID asn1.ObjectIdentifier
		if !params.ReadASN1ObjectIdentifier(&digestOID) {
			return nil, fmt.Errorf("%w: malformed GOST key parameters", ErrInvalidPublicKey)
		}
		if !reg.digestParams[digestOID.String()] {
			return nil, &AlgorithmError{Where: "public key digest parameters", OID: digestOID}
		}
		var cipherOID asn1.ObjectIdentifier
		if !params.Empty() && (!params.ReadASN1ObjectIdentifier(&cipherOID) || !params.Empty()) {
			return nil, fmt.Errorf("%w: malformed GOST key parameters", ErrInvalidPublicKey)
		}
	}
	if bits.BitLength%8 != 0 {
		return nil, fmt.Errorf("%w: public key BIT STRING has unused bits", ErrInvalidPublicKey)
	}
	keyDER := cryptobyte.String(bits.Bytes)
	var xy cryptobyte.String
	if !keyDER.ReadASN1(&xy, cbasn1.OCTET_STRING) || !keyDER.Empty() {
		return nil, fmt.Errorf("%w: public key is not a DER OCTET STRING", ErrInvalidPublicKey)
	}
	c := curve()
	if c.bitSize != ka.bitSize {
		return nil, &AlgorithmError{Where: "public key curve", OID: curveOID}
	}
	return NewPublicKey(c, xy)
}
