package gost

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Helpers for the signed structures of X.509 and CMS. crypto/x509 parses GOST
// certificates but reports their algorithms as Unknown and cannot check them;
// it refuses NCA CRLs outright (their inner signature AlgorithmIdentifier has
// no parameters, the outer one a NULL). These helpers read the OIDs from the
// DER themselves and compare OIDs only, never raw AlgorithmIdentifier bytes.

// signed is the common shape SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }
// of Certificate, CertificateList and BasicOCSPResponse.
type signed struct {
	tbs    []byte // full DER of the signed part, tag and length included
	sigAlg asn1.ObjectIdentifier
	sig    []byte
}

// parseSigned splits a signed structure. withTrailer allows the optional
// [0] certs of a BasicOCSPResponse after the signature.
func parseSigned(der []byte, withTrailer bool) (*signed, error) {
	input := cryptobyte.String(der)
	var outer, tbs cryptobyte.String
	var bits asn1.BitString
	s := &signed{}
	if !input.ReadASN1(&outer, cbasn1.SEQUENCE) || !input.Empty() ||
		!outer.ReadASN1Element(&tbs, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: not a signed DER structure", ErrMalformedSignature)
	}
	oid, err := readAlgorithmOID(&outer)
	if err != nil {
		return nil, err
	}
	if !outer.ReadASN1BitString(&bits) || bits.BitLength%8 != 0 {
		return nil, fmt.Errorf("%w: signature is not a whole-byte BIT STRING", ErrMalformedSignature)
	}
	if !outer.Empty() {
		var certs cryptobyte.String
		if !withTrailer || !outer.ReadASN1(&certs, cbasn1.Tag(0).Constructed().ContextSpecific()) || !outer.Empty() {
			return nil, fmt.Errorf("%w: trailing data after the signature", ErrMalformedSignature)
		}
	}
	s.tbs, s.sigAlg, s.sig = tbs, oid, bits.Bytes
	return s, nil
}

// readAlgorithmOID reads an AlgorithmIdentifier whose parameters are absent
// or NULL (GOST signature algorithms have none) and returns its OID.
func readAlgorithmOID(s *cryptobyte.String) (asn1.ObjectIdentifier, error) {
	var algo cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&algo, cbasn1.SEQUENCE) || !algo.ReadASN1ObjectIdentifier(&oid) {
		return nil, fmt.Errorf("%w: malformed AlgorithmIdentifier", ErrMalformedSignature)
	}
	if !algo.Empty() {
		var null cryptobyte.String
		if !algo.ReadASN1(&null, cbasn1.NULL) || !null.Empty() || !algo.Empty() {
			return nil, fmt.Errorf("%w: unexpected signature algorithm parameters", ErrMalformedSignature)
		}
	}
	return oid, nil
}

// innerAlgorithm returns the OID of the signature field inside a TBSCertificate
// (afterVersionAndSerial) or a TBSCertList.
func innerAlgorithm(tbs []byte, certificate bool) (asn1.ObjectIdentifier, error) {
	input := cryptobyte.String(tbs)
	var body cryptobyte.String
	if !input.ReadASN1(&body, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: malformed TBS", ErrMalformedSignature)
	}
	if certificate {
		// [0] EXPLICIT version OPTIONAL, serialNumber
		if !body.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
			!body.SkipASN1(cbasn1.INTEGER) {
			return nil, fmt.Errorf("%w: malformed TBSCertificate", ErrMalformedSignature)
		}
	} else if !body.SkipOptionalASN1(cbasn1.INTEGER) { // version OPTIONAL
		return nil, fmt.Errorf("%w: malformed TBSCertList", ErrMalformedSignature)
	}
	return readAlgorithmOID(&body)
}

// checkSigned verifies a certificate or CRL: the inner and outer algorithm
// OIDs must agree before the signature is checked.
func checkSigned(der []byte, certificate bool, pub *PublicKey) error {
	s, err := parseSigned(der, false)
	if err != nil {
		return err
	}
	inner, err := innerAlgorithm(s.tbs, certificate)
	if err != nil {
		return err
	}
	if !inner.Equal(s.sigAlg) {
		return fmt.Errorf("%w: inner signature algorithm %v differs from outer %v",
			ErrMalformedSignature, inner, s.sigAlg)
	}
	return CheckSignature(s.sigAlg, pub, s.tbs, s.sig)
}

// SignatureOID returns the outer signature algorithm OID of a DER
// certificate, CRL or BasicOCSPResponse, so that callers can dispatch
// (IsGOSTSignatureOID) on structures crypto/x509 reports as Unknown.
func SignatureOID(signedDER []byte) (asn1.ObjectIdentifier, error) {
	s, err := parseSigned(signedDER, true)
	if err != nil {
		return nil, err
	}
	return s.sigAlg, nil
}

// PublicKeyFromCertificate parses the GOST public key of a certificate.
func PublicKeyFromCertificate(cert *x509.Certificate) (*PublicKey, error) {
	if cert == nil {
		return nil, fmt.Errorf("%w: nil certificate", ErrInvalidPublicKey)
	}
	return ParsePublicKey(cert.RawSubjectPublicKeyInfo)
}

// CheckCertificateSignature verifies that parent's GOST key signed cert. The
// algorithm comes from cert.Raw (x509 reports GOST as Unknown). It checks the
// signature only, not names, validity or key usage: chain building does that.
func CheckCertificateSignature(cert, parent *x509.Certificate) error {
	if cert == nil {
		return fmt.Errorf("%w: nil certificate", ErrMalformedSignature)
	}
	pub, err := PublicKeyFromCertificate(parent)
	if err != nil {
		return err
	}
	return checkSigned(cert.Raw, true, pub)
}

// CheckCertificateSignatureWithKey is CheckCertificateSignature with the
// issuer's parsed key. Keep a CA's *PublicKey between calls: it caches
// precomputed points from its second verification on (see PublicKey), which
// makes checking every further certificate it signed about 2.5× faster.
func CheckCertificateSignatureWithKey(cert *x509.Certificate, issuerKey *PublicKey) error {
	if cert == nil {
		return fmt.Errorf("%w: nil certificate", ErrMalformedSignature)
	}
	return checkSigned(cert.Raw, true, issuerKey)
}

// CheckCRLSignatureWithKey is CheckCRLSignature with the issuer's parsed key
// (see CheckCertificateSignatureWithKey).
func CheckCRLSignatureWithKey(crlDER []byte, issuerKey *PublicKey) error {
	return checkSigned(crlDER, false, issuerKey)
}

// CheckCRLSignature verifies the GOST signature of a DER CertificateList with
// the issuer's key. It accepts the NCA shape (inner AlgorithmIdentifier
// without parameters, outer with NULL) but requires the two OIDs to match.
func CheckCRLSignature(crlDER []byte, issuer *x509.Certificate) error {
	pub, err := PublicKeyFromCertificate(issuer)
	if err != nil {
		return err
	}
	return checkSigned(crlDER, false, pub)
}

// CheckBasicOCSPSignature verifies the GOST signature of a DER
// BasicOCSPResponse (over its tbsResponseData) with the responder's key.
func CheckBasicOCSPSignature(basicDER []byte, responder *x509.Certificate) error {
	pub, err := PublicKeyFromCertificate(responder)
	if err != nil {
		return err
	}
	s, err := parseSigned(basicDER, true)
	if err != nil {
		return err
	}
	return CheckSignature(s.sigAlg, pub, s.tbs, s.sig)
}

// oidOCSPBasic is id-pkix-ocsp-basic.
const oidOCSPBasic = "1.3.6.1.5.5.7.48.1.1"

// BasicOCSPResponse extracts the DER BasicOCSPResponse from a DER
// OCSPResponse (as served over HTTP). It fails for unsuccessful responses and
// other response types.
func BasicOCSPResponse(ocspDER []byte) ([]byte, error) {
	input := cryptobyte.String(ocspDER)
	var resp, rb, rbSeq, basic cryptobyte.String
	var status int
	var typ asn1.ObjectIdentifier
	if !input.ReadASN1(&resp, cbasn1.SEQUENCE) || !input.Empty() ||
		!resp.ReadASN1Enum(&status) {
		return nil, fmt.Errorf("%w: malformed OCSPResponse", ErrMalformedSignature)
	}
	if status != 0 {
		return nil, fmt.Errorf("%w: OCSP response status %d carries no signature", ErrMalformedSignature, status)
	}
	if !resp.ReadASN1(&rb, cbasn1.Tag(0).Constructed().ContextSpecific()) || !resp.Empty() ||
		!rb.ReadASN1(&rbSeq, cbasn1.SEQUENCE) || !rb.Empty() ||
		!rbSeq.ReadASN1ObjectIdentifier(&typ) ||
		!rbSeq.ReadASN1(&basic, cbasn1.OCTET_STRING) || !rbSeq.Empty() {
		return nil, fmt.Errorf("%w: malformed OCSP responseBytes", ErrMalformedSignature)
	}
	if typ.String() != oidOCSPBasic {
		return nil, &AlgorithmError{Where: "OCSP response type", OID: typ}
	}
	return basic, nil
}

// CheckOCSPSignature verifies the GOST signature of a DER OCSPResponse with
// the responder's key (see BasicOCSPResponse, CheckBasicOCSPSignature).
func CheckOCSPSignature(ocspDER []byte, responder *x509.Certificate) error {
	basic, err := BasicOCSPResponse(ocspDER)
	if err != nil {
		return err
	}
	return CheckBasicOCSPSignature(basic, responder)
}

// SignerInfoAlgorithm resolves the algorithm of a CMS SignerInfo from its
// digestAlgorithm and signatureAlgorithm OIDs. GOST producers put either a
// signature OID or the public-key OID in signatureAlgorithm; both are
// accepted. The digest must be the one the algorithm signs (Kazakh and
// Russian OIDs of the same hash are interchangeable).
func SignerInfoAlgorithm(digestAlg, sigAlg asn1.ObjectIdentifier) (*Algorithm, error) {
	reg := registryOnce()
	key := sigAlg.String()
	if alias, ok := reg.cmsAliases[key]; ok {
		key = alias
	}
	alg, ok := reg.signatures[key]
	if !ok {
		return nil, &AlgorithmError{Where: "CMS signature algorithm", OID: sigAlg}
	}
	if !sameDigest(digestAlg.String(), alg.DigestOID.String()) {
		return nil, &AlgorithmError{Where: "CMS digest algorithm for " + alg.Name, OID: digestAlg}
	}
	return copyAlgorithm(alg), nil
}

// sameDigest reports whether two digest OIDs name the same hash function.
func sameDigest(a, b string) bool {
	canon := func(s string) string {
		switch s {
		case OIDRUDigestStreebog256:
			return OIDKZDigestStreebog256
		case OIDRUDigestStreebog512:
			return OIDKZDigestStreebog512
		}
		return s
	}
	return canon(a) == canon(b)
}

// CheckSignerInfoSignature verifies a CMS SignerInfo signature made with a
// GOST key. signed is exactly what was signed: the DER of the signed
// attributes re-tagged as SET OF (0x31, RFC 5652 §5.4), or the content itself
// when there are no signed attributes. The caller still has to compare the
// messageDigest attribute with the content's digest (see DigestByOID).
func CheckSignerInfoSignature(digestAlg, sigAlg asn1.ObjectIdentifier, pub *PublicKey, signed, signature []byte) error {
	alg, err := SignerInfoAlgorithm(digestAlg, sigAlg)
	if err != nil {
		return err
	}
	return checkWith(alg, pub, signed, signature)
}
