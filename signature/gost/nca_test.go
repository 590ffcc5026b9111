package gost_test

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/internal/cmstest"
	"github.com/strongauth/strongauth/signature/gost/internal/testenv"
)

// Real test material of the Kazakh NCA (see testdata/kz-nca/README.md of the
// shared testdata): the ground truth for byte orders and OIDs.

func der(t testing.TB, rel string) []byte { t.Helper(); return testenv.ReadDER(t, rel) }

func cert(t testing.TB, rel string) *x509.Certificate { t.Helper(); return testenv.Certificate(t, rel) }

const (
	ncaRoot  = "kz-nca/ca/root_test_gost_2022.cer"
	ncaInter = "kz-nca/ca/nca_gost2022_test.cer"
	ncaCRL   = "kz-nca/crl/nca_gost2022_test.crl"
	// GOST 34.310-2004 generation.
	legacyCA      = "kz-nca/legacy/ca/nca_gost_test.crt"
	legacyCEO     = "kz-nca/legacy/certs/ceo_valid_sign_2004_gost.cer"
	legacyCEOKey  = "kz-nca/legacy/keys/key_ceo_sign_revoked_2004.cert.pem"
	legacyGOSTCRL = "kz-nca/legacy/crl/nca_gost_test.crl"
)

var ncaLeaves = []string{
	"kz-nca/keys/individual_valid.cert.pem",
	"kz-nca/keys/individual_revoked.cert.pem",
	"kz-nca/keys/legal_head_valid.cert.pem",
	"kz-nca/keys/legal_head_revoked.cert.pem",
}

func TestNCACertificateChain2015(t *testing.T) {
	root, inter := cert(t, ncaRoot), cert(t, ncaInter)
	assert.Equal(t, x509.UnknownSignatureAlgorithm, root.SignatureAlgorithm, "x509 cannot check GOST itself")

	oid, err := gost.SignatureOID(root.Raw)
	require.NoError(t, err)
	require.True(t, gost.IsGOSTSignatureOID(oid))
	require.Equal(t, gost.OIDKZSignature2015512, oid.String())
	oid, err = gost.SignatureOID(der(t, "kz-nca/legacy/certs/individual_valid_sign_2004_rsa.cer"))
	require.NoError(t, err)
	require.False(t, gost.IsGOSTSignatureOID(oid), "RSA goes elsewhere")
	_, err = gost.SignatureOID([]byte{0x30, 0x00})
	require.ErrorIs(t, err, gost.ErrMalformedSignature)

	require.NoError(t, gost.CheckCertificateSignature(root, root), "root self-signature")
	require.NoError(t, gost.CheckCertificateSignature(inter, root), "intermediate ← root")
	for _, leaf := range ncaLeaves {
		c := cert(t, leaf)
		require.NoError(t, gost.CheckCertificateSignature(c, inter), leaf)
		// Wrong issuer.
		require.ErrorIs(t, gost.CheckCertificateSignature(c, root), gost.ErrVerification, leaf)
	}
	require.ErrorIs(t, gost.CheckCertificateSignature(inter, inter), gost.ErrVerification)

	pub, err := gost.PublicKeyFromCertificate(inter)
	require.NoError(t, err)
	rootKey := mustKey(t, root)
	// The same checks with kept keys: from the second leaf on, the
	// intermediate's cached tables verify.
	for range 2 {
		require.NoError(t, gost.CheckCertificateSignatureWithKey(inter, rootKey))
		for _, leaf := range ncaLeaves {
			c := cert(t, leaf)
			require.NoError(t, gost.CheckCertificateSignatureWithKey(c, pub), leaf)
			require.ErrorIs(t, gost.CheckCertificateSignatureWithKey(c, rootKey), gost.ErrVerification, leaf)
			bad := *c
			bad.Raw = bytes.Clone(c.Raw)
			bad.Raw[len(bad.Raw)-70] ^= 2 // a bit of the signature
			require.ErrorIs(t, gost.CheckCertificateSignatureWithKey(&bad, pub), gost.ErrVerification, leaf)
		}
	}
	require.ErrorIs(t, gost.CheckCertificateSignatureWithKey(nil, pub), gost.ErrMalformedSignature)
	require.ErrorIs(t, gost.CheckCertificateSignatureWithKey(inter, nil), gost.ErrInvalidPublicKey)
	assert.Equal(t, gost.CurveTC26512A(), pub.Curve())
	assert.True(t, gost.IsGOSTPublicKeyOID(gost.OID(gost.OIDKZPublicKey2015512)))
	assert.Len(t, pub.Bytes(), 128)
}

func TestNCACRL2015(t *testing.T) {
	crl := der(t, ncaCRL)
	inter, root := cert(t, ncaInter), cert(t, ncaRoot)
	_, err := x509.ParseRevocationList(crl)
	require.Error(t, err, "the stdlib refuses the NCA CRL shape; we must not rely on it")
	require.NoError(t, gost.CheckCRLSignature(crl, inter))
	require.ErrorIs(t, gost.CheckCRLSignature(crl, root), gost.ErrVerification)
	key := mustKey(t, inter)
	bad := bytes.Clone(crl)
	bad[len(bad)-5] ^= 1 // a bit of the signature
	// Without, building and with the key's cached tables.
	for range 3 {
		require.NoError(t, gost.CheckCRLSignatureWithKey(crl, key))
		require.ErrorIs(t, gost.CheckCRLSignatureWithKey(bad, key), gost.ErrVerification)
		require.ErrorIs(t, gost.CheckCRLSignatureWithKey(crl, mustKey(t, root)), gost.ErrVerification)
	}
}

func TestNCALegacy2004(t *testing.T) {
	ca := testenv.Certificate(t, legacyCA)
	require.Equal(t, gost.CurveCryptoProA(), mustKey(t, ca).Curve())
	require.NoError(t, gost.CheckCertificateSignature(cert(t, legacyCEO), ca), "CEO 2004 certificate")
	require.NoError(t, gost.CheckCertificateSignature(cert(t, legacyCEOKey), ca), "CEO 2004 key certificate")
	require.NoError(t, gost.CheckCRLSignature(der(t, legacyGOSTCRL), ca), "2004 CRL")
	// A 2004 signature under a 2015 key is refused before any arithmetic.
	err := gost.CheckCertificateSignature(cert(t, legacyCEO), cert(t, ncaInter))
	require.ErrorIs(t, err, gost.ErrUnsupportedAlgorithm)
}

func mustKey(t testing.TB, c *x509.Certificate) *gost.PublicKey {
	t.Helper()
	k, err := gost.PublicKeyFromCertificate(c)
	require.NoError(t, err)
	return k
}

// splitCert returns the TBS, the outer algorithm OID and the signature of a
// certificate or CRL.
func splitSigned(t testing.TB, b []byte) (tbs []byte, oid asn1.ObjectIdentifier, sig []byte) {
	t.Helper()
	var s struct {
		TBS    asn1.RawValue
		Alg    asn1.RawValue
		Sig    asn1.BitString
		Certs  asn1.RawValue `asn1:"optional,explicit,tag:0"`
		Unused asn1.RawValue `asn1:"optional"`
	}
	_, err := asn1.Unmarshal(b, &s)
	require.NoError(t, err)
	var alg struct {
		OID  asn1.ObjectIdentifier
		Rest asn1.RawValue `asn1:"optional"`
	}
	_, err = asn1.Unmarshal(s.Alg.FullBytes, &alg)
	require.NoError(t, err)
	return s.TBS.FullBytes, alg.OID, s.Sig.Bytes
}

// requireTamperEvident flips bits of the signed data, of the signature and
// of the key of a valid (sigAlg, pub, signed, sig): every change must be
// rejected.
func requireTamperEvident(t *testing.T, oid asn1.ObjectIdentifier, pub *gost.PublicKey, signed, sig []byte) {
	t.Helper()
	require.NoError(t, gost.CheckSignature(oid, pub, signed, sig))
	flip := func(b []byte, bit int) []byte {
		c := bytes.Clone(b)
		c[bit/8] ^= 1 << (bit % 8)
		return c
	}
	// Every byte of the signature (one bit each, cycling through positions)
	// and a spread of the signed data.
	for i := range len(sig) {
		err := gost.CheckSignature(oid, pub, signed, flip(sig, 8*i+i%8))
		require.Error(t, err, "signature bit %d", 8*i+i%8)
		require.True(t, errors.Is(err, gost.ErrVerification) || errors.Is(err, gost.ErrMalformedSignature), err)
	}
	for i := 0; i < len(signed); i += 13 {
		require.ErrorIs(t, gost.CheckSignature(oid, pub, flip(signed, 8*i+i%8), sig), gost.ErrVerification, "signed bit %d", 8*i)
	}
	require.ErrorIs(t, gost.CheckSignature(oid, pub, append(bytes.Clone(signed), 0), sig), gost.ErrVerification)
	// Key bits: almost always an invalid point; otherwise a different key.
	for i := range len(pub.Bytes()) {
		k, err := gost.NewPublicKey(pub.Curve(), flip(pub.Bytes(), 8*i+3))
		if err != nil {
			require.ErrorIs(t, err, gost.ErrInvalidPublicKey)
			continue
		}
		require.ErrorIs(t, gost.CheckSignature(oid, k, signed, sig), gost.ErrVerification)
	}
}

// TestNCATampering: the 2015 certificate signature and the 2004 CMS
// signature of the NCA material are tamper-evident, and the layouts and
// sizes are enforced.
func TestNCATampering(t *testing.T) {
	tok := parseTimeStampToken(t, der(t, "kz-nca/tsp/tsp_token.bin"))
	requireTamperEvident(t, tok.SignatureAlgorithm, mustKey(t, tok.Signer()), tok.SignedAttributes, tok.Signature)

	inter := cert(t, ncaInter)
	leaf := cert(t, ncaLeaves[0])
	pub := mustKey(t, inter)
	tbs, oid, sig := splitSigned(t, leaf.Raw)
	requireTamperEvident(t, oid, pub, tbs, sig)

	// The NCA layout is not the RFC one: the reversed bytes do not verify
	// under the Kazakh OID...
	alg, ok := gost.SignatureAlgorithmByOID(oid)
	require.True(t, ok)
	require.Equal(t, gost.LayoutNCA, alg.Layout)
	h := alg.NewHash()
	h.Write(tbs)
	digest := h.Sum(nil)
	require.NoError(t, gost.VerifyDigest(pub, digest, sig, gost.LayoutNCA))
	require.Error(t, gost.VerifyDigest(pub, digest, sig, gost.LayoutRFC4491))
	// ...but they do under the RFC 4491 layout once reversed.
	require.NoError(t, gost.VerifyDigest(pub, digest, reversed(sig), gost.LayoutRFC4491))
	require.ErrorIs(t, gost.VerifyDigest(pub, digest, sig, 0), gost.ErrUnsupportedAlgorithm)
	require.ErrorIs(t, gost.VerifyDigest(pub, digest[:32], sig, gost.LayoutNCA), gost.ErrUnsupportedAlgorithm)
	require.ErrorIs(t, gost.VerifyDigest(pub, digest, sig[1:], gost.LayoutNCA), gost.ErrMalformedSignature)
	require.ErrorIs(t, gost.VerifyDigest(nil, digest, sig, gost.LayoutNCA), gost.ErrInvalidPublicKey)
}

func reversed(b []byte) []byte {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return r
}

// TestNCACRLInnerOuterMismatch: an inner algorithm that differs from the
// outer one is refused even if the signature would verify.
func TestNCACRLInnerOuterMismatch(t *testing.T) {
	crl := der(t, ncaCRL)
	inter := cert(t, ncaInter)
	// The inner AlgorithmIdentifier is the first OID in the CRL.
	kz512 := []byte{0x06, 0x0a, 0x2a, 0x83, 0x0e, 0x03, 0x0a, 0x01, 0x01, 0x02, 0x03, 0x02}
	i := bytes.Index(crl, kz512)
	require.Positive(t, i)
	bad := bytes.Clone(crl)
	bad[i+len(kz512)-1] = 0x01 // …2.3.1: the 256-bit OID
	require.ErrorIs(t, gost.CheckCRLSignature(bad, inter), gost.ErrMalformedSignature)
}

// ocspParts returns the BasicOCSPResponse and the embedded responder
// certificate of a DER OCSPResponse.
func ocspParts(t testing.TB, resp []byte) ([]byte, *x509.Certificate) {
	t.Helper()
	basic, err := gost.BasicOCSPResponse(resp)
	require.NoError(t, err)
	var b struct {
		TBS   asn1.RawValue
		Alg   asn1.RawValue
		Sig   asn1.BitString
		Certs []asn1.RawValue `asn1:"explicit,tag:0"`
	}
	_, err = asn1.Unmarshal(basic, &b)
	require.NoError(t, err)
	require.Len(t, b.Certs, 1)
	c, err := x509.ParseCertificate(b.Certs[0].FullBytes)
	require.NoError(t, err)
	return basic, c
}

func TestNCAOCSP(t *testing.T) {
	inter := cert(t, ncaInter)
	for _, name := range []string{"ocsp_response_individual_2015.bin", "ocsp_response_ceo_2015_revoked.bin"} {
		resp := der(t, "kz-nca/ocsp/"+name)
		basic, responder := ocspParts(t, resp)
		require.NoError(t, gost.CheckOCSPSignature(resp, responder), name)
		require.NoError(t, gost.CheckBasicOCSPSignature(basic, responder), name)
		require.NoError(t, gost.CheckCertificateSignature(responder, inter), name+" responder ← CA")
		require.ErrorIs(t, gost.CheckOCSPSignature(resp, inter), gost.ErrVerification, name+" wrong key")
	}
	// GOST 34.310-2004 response.
	resp := der(t, "kz-nca/ocsp/ocsp_response_ceo_sign_2004_revoked.bin")
	_, responder := ocspParts(t, resp)
	require.NoError(t, gost.CheckOCSPSignature(resp, responder))
	require.Equal(t, gost.CurveCryptoProA(), mustKey(t, responder).Curve())
	// The RSA response is not ours to verify.
	resp = der(t, "kz-nca/ocsp/ocsp_response_individual_sign_2004.bin")
	_, responder = ocspParts(t, resp)
	require.ErrorIs(t, gost.CheckOCSPSignature(resp, responder), gost.ErrUnsupportedAlgorithm)
}

func TestNCAOCSPLegacyResponderChain(t *testing.T) {
	ca := testenv.Certificate(t, legacyCA)
	_, responder := ocspParts(t, der(t, "kz-nca/ocsp/ocsp_response_ceo_sign_2004_revoked.bin"))
	require.NoError(t, gost.CheckCertificateSignature(responder, ca))
}

// TestNCATimeStampToken verifies the CMS SignerInfo of the NCA TSP token
// (GOST 34.311-95 digest, GOST 34.310-2004 signature): the messageDigest
// attribute and the signature over the signed attributes.
func TestNCATimeStampToken(t *testing.T) {
	tok := parseTimeStampToken(t, der(t, "kz-nca/tsp/tsp_token.bin"))
	newHash, ok := gost.DigestByOID(tok.DigestAlgorithm)
	require.True(t, ok)
	h := newHash()
	h.Write(tok.Content)
	require.Equal(t, tok.MessageDigest, h.Sum(nil), "messageDigest is the raw hash output")

	pub := mustKey(t, tok.Signer())
	require.NoError(t, gost.CheckSignerInfoSignature(tok.DigestAlgorithm, tok.SignatureAlgorithm, pub, tok.SignedAttributes, tok.Signature))
	// The public-key OID in signatureAlgorithm (a common CMS habit) works too.
	require.NoError(t, gost.CheckSignerInfoSignature(tok.DigestAlgorithm, gost.OID(gost.OIDKZPublicKey2004), pub, tok.SignedAttributes, tok.Signature))
	// A digest that does not belong to the algorithm is refused.
	err := gost.CheckSignerInfoSignature(gost.OID(gost.OIDRUDigest341194), tok.SignatureAlgorithm, pub, tok.SignedAttributes, tok.Signature)
	require.ErrorIs(t, err, gost.ErrUnsupportedAlgorithm)
	// Tampered attributes.
	bad := bytes.Clone(tok.SignedAttributes)
	bad[len(bad)-1] ^= 1
	require.ErrorIs(t, gost.CheckSignerInfoSignature(tok.DigestAlgorithm, tok.SignatureAlgorithm, pub, bad, tok.Signature), gost.ErrVerification)
}

func TestNCATimeStampTokenChain(t *testing.T) {
	tok := parseTimeStampToken(t, der(t, "kz-nca/tsp/tsp_token.bin"))
	require.NoError(t, gost.CheckCertificateSignature(tok.Signer(), testenv.Certificate(t, legacyCA)))
}

func parseTimeStampToken(t testing.TB, b []byte) *cmstest.SignedData {
	t.Helper()
	tok, err := cmstest.Parse(b)
	require.NoError(t, err)
	require.NotNil(t, tok.MessageDigest)
	require.Len(t, tok.Certificates, 1)
	require.NotNil(t, tok.Signer())
	return tok
}
