package gosttest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/signature/gost"
)

// spkiAlgorithm returns the SubjectPublicKeyInfo algorithm OID and its
// parameter OIDs for a curve.
func spkiAlgorithm(c *gost.Curve, kazakh bool) (string, []string, error) {
	switch {
	case c == gost.CurveTC26512A() && kazakh:
		return gost.OIDKZPublicKey2015512, []string{gost.OIDKZCurve2015512, gost.OIDKZDigestStreebog512}, nil
	case c == gost.CurveTC26512A():
		// RFC 9215 §4.2: the digest parameters SHOULD be omitted for 512-bit keys.
		return gost.OIDRUPublicKey2012512, []string{gost.OIDRUCurveTC26512A}, nil
	case c == gost.CurveCryptoProA() && kazakh:
		return gost.OIDKZPublicKey2004, []string{gost.OIDKZCurve2004, gost.OIDKZDigest34311Params}, nil
	case c == gost.CurveCryptoProA():
		return gost.OIDRUPublicKey2001, []string{gost.OIDRUCurveCryptoProA, gost.OIDRUDigest341194Params}, nil
	case c == gost.CurveTC26256A() && kazakh:
		// No Kazakh OID for this curve is known: the Russian one is used.
		return gost.OIDKZPublicKey2015256, []string{gost.OIDRUCurveTC26256A, gost.OIDKZDigestStreebog256}, nil
	case c == gost.CurveTC26256A():
		return gost.OIDRUPublicKey2012256, []string{gost.OIDRUCurveTC26256A}, nil
	}
	return "", nil, errors.New("gosttest: public key of an unnamed curve")
}

// MarshalPublicKey encodes a DER SubjectPublicKeyInfo with Kazakh
// (1.2.398.3.10…) or Russian (1.2.643…) OIDs, the shape gost.ParsePublicKey
// reads: BIT STRING { OCTET STRING { X‖Y little-endian } }.
func MarshalPublicKey(pub *gost.PublicKey, kazakhOIDs bool) ([]byte, error) {
	if pub == nil {
		return nil, errors.New("gosttest: nil public key")
	}
	keyOID, params, err := spkiAlgorithm(pub.Curve(), kazakhOIDs)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(gost.OID(keyOID))
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, p := range params {
					b.AddASN1ObjectIdentifier(gost.OID(p))
				}
			})
		})
		b.AddASN1BitString(octetString(pub.Bytes()))
	})
	return b.Bytes()
}

func octetString(v []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1OctetString(v)
	der, _ := b.Bytes() // an OCTET STRING cannot fail to encode
	return der
}

// algorithmIdentifier encodes SEQUENCE { oid [, NULL] }.
func algorithmIdentifier(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, withNULL bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if withNULL {
			b.AddASN1NULL()
		}
	})
}

// throwawaySigner lets crypto/x509 lay out the TBS structure; its key and
// signature are discarded.
func throwawaySigner() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// CreateCertificate builds a GOST-signed X.509 certificate from an
// x509.Certificate template: subject and issuer names, serial, validity and
// every extension crypto/x509 encodes (key usage, extended key usage with
// UnknownExtKeyUsage OIDs, basic constraints, SKI/AKI, policies, CRL
// distribution points, AIA OCSP, ExtraExtensions…). pub is the subject's
// key, signer the issuer's, sigAlg the signature OID (Kazakh OIDs give the NCA
// shape: Kazakh key OIDs, AlgorithmIdentifier with NULL, signature in
// gost.LayoutNCA; Russian OIDs give RFC 9215: no parameters, LayoutRFC4491).
//
// For a self-signed certificate pass the template as parent. When template
// is a CA and has no SubjectKeyId, one is derived from the GOST key (RFC 7093
// method 1, as crypto/x509 does). The result is checked with
// gost.CheckSignature before it is returned.
func CreateCertificate(rand io.Reader, template, parent *x509.Certificate, pub *gost.PublicKey, signer *PrivateKey, sigAlg asn1.ObjectIdentifier) ([]byte, error) {
	if template == nil || parent == nil || pub == nil || signer == nil {
		return nil, errors.New("gosttest: nil template, parent, key or signer")
	}
	alg, err := algorithmFor(signer, sigAlg)
	if err != nil {
		return nil, err
	}
	if err := checkIssuerKey(parent, signer); err != nil {
		return nil, err
	}
	spki, err := MarshalPublicKey(pub, alg.Kazakh)
	if err != nil {
		return nil, err
	}
	tmpl := *template
	if len(tmpl.SubjectKeyId) == 0 && tmpl.IsCA {
		h := sha256.Sum256(octetString(pub.Bytes()))
		tmpl.SubjectKeyId = h[:20]
	}
	par := *parent
	if parent == template {
		par = tmpl
	}
	par.PublicKey = nil // crypto/x509 would compare it with the throwaway key
	tmpKey, err := throwawaySigner()
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(orDefault(rand), &tmpl, &par, &tmpKey.PublicKey, tmpKey)
	if err != nil {
		return nil, fmt.Errorf("gosttest: laying out the certificate: %w", err)
	}
	tbs, err := rewriteTBSCertificate(der, alg, spki)
	if err != nil {
		return nil, err
	}
	return signAndWrap(rand, signer, alg, tbs)
}

// checkIssuerKey fails when issuer is a parsed certificate whose key is not
// the signer's (as crypto/x509 does); a bare template passes.
func checkIssuerKey(issuer *x509.Certificate, signer *PrivateKey) error {
	if len(issuer.RawSubjectPublicKeyInfo) == 0 {
		return nil
	}
	if pk, err := gost.ParsePublicKey(issuer.RawSubjectPublicKeyInfo); err != nil || !pk.Equal(signer.Public()) {
		return errors.New("gosttest: signer does not hold the issuer certificate's key")
	}
	return nil
}

// algorithmFor checks that signer fits sigAlg.
func algorithmFor(signer *PrivateKey, sigAlg asn1.ObjectIdentifier) (*gost.Algorithm, error) {
	alg, ok := gost.SignatureAlgorithmByOID(sigAlg)
	if !ok {
		return nil, fmt.Errorf("gosttest: unsupported signature algorithm %v", sigAlg)
	}
	if signer.Curve().BitSize() != alg.KeyBitSize {
		return nil, fmt.Errorf("gosttest: %s needs a %d-bit signer", alg.Name, alg.KeyBitSize)
	}
	return alg, nil
}

// rewriteTBSCertificate takes the TBSCertificate crypto/x509 produced and
// replaces its signature AlgorithmIdentifier and SubjectPublicKeyInfo.
func rewriteTBSCertificate(certDER []byte, alg *gost.Algorithm, spki []byte) ([]byte, error) {
	in := cryptobyte.String(certDER)
	var cert, tbs, version, serial, oldAlg, issuer, validity, subject, oldSPKI cryptobyte.String
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.ReadASN1(&tbs, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&version, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!tbs.ReadASN1Element(&serial, cbasn1.INTEGER) ||
		!tbs.ReadASN1Element(&oldAlg, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&validity, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&oldSPKI, cbasn1.SEQUENCE) {
		return nil, errors.New("gosttest: unexpected TBSCertificate layout")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(version)
		b.AddBytes(serial)
		algorithmIdentifier(b, alg.SignatureOID, alg.Kazakh)
		b.AddBytes(issuer)
		b.AddBytes(validity)
		b.AddBytes(subject)
		b.AddBytes(spki)
		b.AddBytes(tbs) // unique IDs and extensions, unchanged
	})
	return b.Bytes()
}

// signAndWrap signs a TBS and returns SEQUENCE { tbs, algorithm, BIT STRING }
// after checking the signature with the verifier of package gost.
func signAndWrap(rand io.Reader, signer *PrivateKey, alg *gost.Algorithm, tbs []byte) ([]byte, error) {
	sig, err := SignMessage(rand, signer, alg.SignatureOID, tbs)
	if err != nil {
		return nil, err
	}
	if err := gost.CheckSignature(alg.SignatureOID, signer.Public(), tbs, sig); err != nil {
		return nil, fmt.Errorf("gosttest: self-check of the new signature: %w", err)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbs)
		algorithmIdentifier(b, alg.SignatureOID, alg.Kazakh)
		b.AddASN1BitString(sig)
	})
	return b.Bytes()
}

// CreateRevocationList builds a GOST-signed CRL from an x509.RevocationList
// template (entries with reason codes, CRL number, extensions). issuer must
// carry the CRLSign key usage and a SubjectKeyId (for the AKI), as crypto/x509
// requires. With Kazakh OIDs the result has the NCA shape: the outer
// AlgorithmIdentifier has NULL parameters, the inner tbsCertList.signature
// none (which crypto/x509.ParseRevocationList refuses; gost.CheckCRLSignature
// accepts it). With Russian OIDs neither has parameters (RFC 9215).
func CreateRevocationList(rand io.Reader, template *x509.RevocationList, issuer *x509.Certificate, signer *PrivateKey, sigAlg asn1.ObjectIdentifier) ([]byte, error) {
	if template == nil || issuer == nil || signer == nil {
		return nil, errors.New("gosttest: nil template, issuer or signer")
	}
	alg, err := algorithmFor(signer, sigAlg)
	if err != nil {
		return nil, err
	}
	if err := checkIssuerKey(issuer, signer); err != nil {
		return nil, err
	}
	tmpKey, err := throwawaySigner()
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateRevocationList(orDefault(rand), template, issuer, tmpKey)
	if err != nil {
		return nil, fmt.Errorf("gosttest: laying out the CRL: %w", err)
	}
	in := cryptobyte.String(der)
	var crl, tbs, version, oldAlg cryptobyte.String
	if !in.ReadASN1(&crl, cbasn1.SEQUENCE) || !crl.ReadASN1(&tbs, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&version, cbasn1.INTEGER) ||
		!tbs.ReadASN1Element(&oldAlg, cbasn1.SEQUENCE) {
		return nil, errors.New("gosttest: unexpected TBSCertList layout")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(version)
		algorithmIdentifier(b, alg.SignatureOID, false)
		b.AddBytes(tbs) // issuer, dates, entries, extensions, unchanged
	})
	newTBS, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	return signAndWrap(rand, signer, alg, newTBS)
}
