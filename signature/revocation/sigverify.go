package revocation

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/signature/gost"
)

// Signature algorithms accepted for OCSP responses, CRLs and delegated
// responder certificates. SHA-1 and MD5 signatures are refused; RSA-PSS is
// not supported (no NCA or common OCSP responder uses it). GOST algorithms
// (Kazakh and Russian OIDs) are verified by package gost.
var (
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519         = asn1.ObjectIdentifier{1, 3, 101, 112}
)

// x509Algorithm maps a non-GOST signature OID to the crypto/x509 algorithm.
func x509Algorithm(oid asn1.ObjectIdentifier) (x509.SignatureAlgorithm, bool) {
	switch {
	case oid.Equal(oidSHA256WithRSA):
		return x509.SHA256WithRSA, true
	case oid.Equal(oidSHA384WithRSA):
		return x509.SHA384WithRSA, true
	case oid.Equal(oidSHA512WithRSA):
		return x509.SHA512WithRSA, true
	case oid.Equal(oidECDSAWithSHA256):
		return x509.ECDSAWithSHA256, true
	case oid.Equal(oidECDSAWithSHA384):
		return x509.ECDSAWithSHA384, true
	case oid.Equal(oidECDSAWithSHA512):
		return x509.ECDSAWithSHA512, true
	case oid.Equal(oidEd25519):
		return x509.PureEd25519, true
	}
	return x509.UnknownSignatureAlgorithm, false
}

// checkSignature verifies sig over signed with signer's public key, under
// the signature algorithm sigAlg (an OID read from the signed structure).
func checkSignature(signer *x509.Certificate, sigAlg asn1.ObjectIdentifier, signed, sig []byte) error {
	if gost.IsGOSTSignatureOID(sigAlg) {
		pub, err := gost.PublicKeyFromCertificate(signer)
		if err != nil {
			return fmt.Errorf("%w: signer key: %w", ErrSignature, err)
		}
		if err := gost.CheckSignature(sigAlg, pub, signed, sig); err != nil {
			return fmt.Errorf("%w: %w", ErrSignature, err)
		}
		return nil
	}
	alg, ok := x509Algorithm(sigAlg)
	if !ok {
		return fmt.Errorf("%w: signature algorithm %v", ErrUnsupportedAlgorithm, sigAlg)
	}
	if err := signer.CheckSignature(alg, signed, sig); err != nil {
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return nil
}

// checkIssuedBy verifies that issuer signed cert: issuer name and signature.
// It does not check validity periods or constraints (chain building does).
func checkIssuedBy(cert, issuer *x509.Certificate) error {
	if !bytes.Equal(cert.RawIssuer, issuer.RawSubject) {
		return fmt.Errorf("%w: issuer name differs", ErrNotIssuedBy)
	}
	s, err := parseSignedEnvelope(cert.Raw, false)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotIssuedBy, err)
	}
	if err := checkSignature(issuer, s.sigAlg, s.tbs, s.sig); err != nil {
		return fmt.Errorf("%w: %w", ErrNotIssuedBy, err)
	}
	return nil
}

// signedEnvelope is SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING } of a
// Certificate, CertificateList or BasicOCSPResponse.
type signedEnvelope struct {
	tbs    []byte // full DER of the signed part
	sigAlg asn1.ObjectIdentifier
	sig    []byte
	certs  cryptobyte.String // the [0] trailer of a BasicOCSPResponse (content)
}

// parseSignedEnvelope splits a signed structure; withCerts allows the
// optional [0] EXPLICIT certificates of a BasicOCSPResponse.
func parseSignedEnvelope(der []byte, withCerts bool) (*signedEnvelope, error) {
	input := cryptobyte.String(der)
	var outer, tbs cryptobyte.String
	if !input.ReadASN1(&outer, cbasn1.SEQUENCE) || !input.Empty() ||
		!outer.ReadASN1Element(&tbs, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: not a signed structure", ErrMalformed)
	}
	oid, err := readAlgorithm(&outer)
	if err != nil {
		return nil, err
	}
	var bits asn1.BitString
	if !outer.ReadASN1BitString(&bits) || bits.BitLength%8 != 0 || len(bits.Bytes) == 0 {
		return nil, fmt.Errorf("%w: signature is not a whole-byte BIT STRING", ErrMalformed)
	}
	s := &signedEnvelope{tbs: tbs, sigAlg: oid, sig: bits.Bytes}
	if !outer.Empty() {
		if !withCerts || !outer.ReadASN1(&s.certs, cbasn1.Tag(0).Constructed().ContextSpecific()) || !outer.Empty() {
			return nil, fmt.Errorf("%w: trailing data after the signature", ErrMalformed)
		}
	}
	return s, nil
}

// readAlgorithm reads an AlgorithmIdentifier whose parameters are absent or
// NULL and returns its OID. Inner and outer identifiers of one structure are
// compared by OID only: the NCA writes NULL in one and nothing in the other.
func readAlgorithm(s *cryptobyte.String) (asn1.ObjectIdentifier, error) {
	var algo cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&algo, cbasn1.SEQUENCE) || !algo.ReadASN1ObjectIdentifier(&oid) {
		return nil, fmt.Errorf("%w: bad AlgorithmIdentifier", ErrMalformed)
	}
	if !algo.Empty() {
		var null cryptobyte.String
		if !algo.ReadASN1(&null, cbasn1.NULL) || !null.Empty() || !algo.Empty() {
			return nil, fmt.Errorf("%w: algorithm %v with parameters", ErrUnsupportedAlgorithm, oid)
		}
	}
	return oid, nil
}
