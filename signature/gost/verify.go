package gost

import (
	"encoding/asn1"
	"fmt"
)

// VerifyDigest verifies a GOST R 34.10 signature over a digest. It is the one
// place where byte orders are decided:
//
//   - digest: the hash output as produced by New512/New256/New34311 (and by
//     every GOST implementation), read as a little-endian integer α (RFC 7091
//     §5.3 with the hash vector's byte 0 least significant), so e = α mod q.
//     Its length must equal pub.Curve().Size().
//   - sig: 2·Size bytes. LayoutRFC4491: s‖r, each big-endian (RFC 4491 §2.2.2,
//     RFC 9215 §2). LayoutNCA: the byte reversal of that, i.e. r‖s each
//     little-endian — what the Kazakh NCA puts in certificates, CRLs, OCSP
//     responses and CMS.
//
// It returns nil only for a valid signature; otherwise an error wrapping
// ErrVerification, ErrMalformedSignature, ErrInvalidPublicKey or
// ErrUnsupportedAlgorithm.
func VerifyDigest(pub *PublicKey, digest, sig []byte, layout SigLayout) error {
	if pub == nil || pub.curve == nil {
		return fmt.Errorf("%w: nil key", ErrInvalidPublicKey)
	}
	size := pub.curve.Size()
	if len(digest) != size {
		return fmt.Errorf("%w: %d-byte digest for the %d-bit curve %s", ErrUnsupportedAlgorithm,
			len(digest), pub.curve.bitSize, pub.curve.name)
	}
	if len(sig) != 2*size {
		return fmt.Errorf("%w: %d bytes, want %d", ErrMalformedSignature, len(sig), 2*size)
	}
	var r, s [64]byte
	switch layout {
	case LayoutNCA:
		copy(r[:size], sig[:size])
		copy(s[:size], sig[size:])
	case LayoutRFC4491:
		for i := range size {
			s[i] = sig[size-1-i]
			r[i] = sig[2*size-1-i]
		}
	default:
		return fmt.Errorf("%w: %v", ErrUnsupportedAlgorithm, layout)
	}
	switch pub.curve.ops.verify(pub.pt, digest, r, s) {
	case verifyOK:
		return nil
	case verifyOutOfRange:
		return fmt.Errorf("%w: r or s is zero or not below q", ErrMalformedSignature)
	default:
		return ErrVerification
	}
}

// Verify reports whether sig is a valid signature of digest (see
// VerifyDigest for the byte orders).
func Verify(pub *PublicKey, digest, sig []byte, layout SigLayout) bool {
	return VerifyDigest(pub, digest, sig, layout) == nil
}

// CheckSignature hashes signed with the hash of the signature algorithm sigAlg
// (Kazakh or Russian OID), then verifies signature with the algorithm's
// layout. The key's curve must have the algorithm's size. It serves every
// signed structure: certificates (RawTBSCertificate), CRLs (tbsCertList),
// OCSP (tbsResponseData) and CMS (the DER of the signed attributes, tagged
// SET).
func CheckSignature(sigAlg asn1.ObjectIdentifier, pub *PublicKey, signed, signature []byte) error {
	alg, ok := registryOnce().signatures[sigAlg.String()]
	if !ok {
		return &AlgorithmError{Where: "signature algorithm", OID: sigAlg}
	}
	return checkWith(&alg, pub, signed, signature)
}

func checkWith(alg *Algorithm, pub *PublicKey, signed, signature []byte) error {
	if pub == nil || pub.curve == nil {
		return fmt.Errorf("%w: nil key", ErrInvalidPublicKey)
	}
	if pub.curve.bitSize != alg.KeyBitSize {
		return fmt.Errorf("%w: %s needs a %d-bit key, got %s", ErrUnsupportedAlgorithm,
			alg.Name, alg.KeyBitSize, pub.curve.name)
	}
	h := alg.NewHash()
	h.Write(signed)
	return VerifyDigest(pub, h.Sum(nil), signature, alg.Layout)
}
