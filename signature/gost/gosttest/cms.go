package gosttest

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"io"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/signature/gost"
)

// CMS object identifiers (RFC 5652).
const (
	oidData          = "1.2.840.113549.1.7.1"
	oidSignedData    = "1.2.840.113549.1.7.2"
	oidContentType   = "1.2.840.113549.1.9.3"
	oidMessageDigest = "1.2.840.113549.1.9.4"
	oidSigningTime   = "1.2.840.113549.1.9.5"
)

// SignedDataOptions shape a CMS SignedData built by CreateSignedData. The zero
// value gives an attached SignedData with contentType and messageDigest
// signed attributes and the signer's certificate.
type SignedDataOptions struct {
	// Detached leaves the content out of the SignedData (the usual form for
	// a signed login challenge).
	Detached bool
	// SigningTime, when not zero, adds a signingTime attribute. There is no
	// clock here: tests pass the time they want.
	SigningTime time.Time
	// ExtraCertificates are embedded after the signer's certificate (for
	// example its issuing CA).
	ExtraCertificates []*x509.Certificate
	// NoSignedAttributes signs the content itself (RFC 5652 §5.4 without
	// signed attributes).
	NoSignedAttributes bool
}

// CreateSignedData builds a DER CMS ContentInfo with a SignedData of content
// signed by signer, whose certificate is signerCert (IssuerAndSerialNumber
// identifies it). With Kazakh OIDs the result has the shape NCALayer and the
// NCA time-stamp service produce: digest and signature algorithm identifiers
// with NULL parameters, the signature in gost.LayoutNCA; with Russian OIDs
// the shape of RFC 4490/9337 (no parameters, LayoutRFC4491).
func CreateSignedData(rand io.Reader, content []byte, signerCert *x509.Certificate, signer *PrivateKey,
	sigAlg asn1.ObjectIdentifier, opts SignedDataOptions) ([]byte, error) {
	if signerCert == nil || signer == nil {
		return nil, errors.New("gosttest: nil signer certificate or key")
	}
	alg, err := algorithmFor(signer, sigAlg)
	if err != nil {
		return nil, err
	}
	if err := checkIssuerKey(signerCert, signer); err != nil || len(signerCert.RawSubjectPublicKeyInfo) == 0 {
		return nil, errors.New("gosttest: signer does not hold the signer certificate's key")
	}
	h := alg.NewHash()
	h.Write(content)
	digest := h.Sum(nil)

	signed := content
	var attrs []byte
	if !opts.NoSignedAttributes {
		attrs, err = signedAttributes(digest, opts.SigningTime)
		if err != nil {
			return nil, err
		}
		signed = attrs
	}
	sig, err := SignMessage(rand, signer, alg.SignatureOID, signed)
	if err != nil {
		return nil, err
	}

	certs := [][]byte{signerCert.Raw}
	for _, c := range opts.ExtraCertificates {
		certs = append(certs, c.Raw)
	}
	slices.SortFunc(certs, bytes.Compare) // DER SET OF order

	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(gost.OID(oidSignedData))
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					algorithmIdentifier(b, alg.DigestOID, alg.Kazakh)
				})
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // EncapsulatedContentInfo
					b.AddASN1ObjectIdentifier(gost.OID(oidData))
					if !opts.Detached {
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddASN1OctetString(content)
						})
					}
				})
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					for _, c := range certs {
						b.AddBytes(c)
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
						b.AddASN1Int64(1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerAndSerialNumber
							b.AddBytes(signerCert.RawIssuer)
							b.AddASN1BigInt(signerCert.SerialNumber)
						})
						algorithmIdentifier(b, alg.DigestOID, alg.Kazakh)
						if attrs != nil {
							// [0] IMPLICIT: the SET's contents under another tag.
							inner := cryptobyte.String(attrs)
							var body cryptobyte.String
							inner.ReadASN1(&body, cbasn1.SET)
							b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddBytes(body)
							})
						}
						algorithmIdentifier(b, alg.SignatureOID, alg.Kazakh)
						b.AddASN1OctetString(sig)
					})
				})
			})
		})
	})
	return b.Bytes()
}

// signedAttributes returns the DER SET OF the signed attributes (the bytes
// the signature covers, RFC 5652 §5.4), sorted as DER requires.
func signedAttributes(digest []byte, signingTime time.Time) ([]byte, error) {
	attr := func(oid string, value func(b *cryptobyte.Builder)) []byte {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(gost.OID(oid))
			b.AddASN1(cbasn1.SET, value)
		})
		der, _ := b.Bytes() // fixed shapes: cannot fail
		return der
	}
	list := [][]byte{
		attr(oidContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(gost.OID(oidData)) }),
		attr(oidMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) }),
	}
	if !signingTime.IsZero() {
		t := signingTime.UTC()
		list = append(list, attr(oidSigningTime, func(b *cryptobyte.Builder) {
			if t.Year() >= 1950 && t.Year() < 2050 {
				b.AddASN1UTCTime(t)
			} else {
				b.AddASN1GeneralizedTime(t)
			}
		}))
	}
	slices.SortFunc(list, bytes.Compare)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, a := range list {
			b.AddBytes(a)
		}
	})
	return b.Bytes()
}
