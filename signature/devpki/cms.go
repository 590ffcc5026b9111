package devpki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/signature/gost/gosttest"
)

// Object identifiers of CMS.
const (
	OIDData              = "1.2.840.113549.1.7.1"
	OIDSignedData        = "1.2.840.113549.1.7.2"
	OIDAttrContentType   = "1.2.840.113549.1.9.3"
	OIDAttrMessageDigest = "1.2.840.113549.1.9.4"
	OIDAttrSigningTime   = "1.2.840.113549.1.9.5"
	OIDAttrSigningCertV2 = "1.2.840.113549.1.9.16.2.47"
	// OIDAttrTimeStampToken is the unsigned attribute holding an RFC 3161
	// time-stamp token (id-aa-timeStampToken).
	OIDAttrTimeStampToken = "1.2.840.113549.1.9.16.2.14"
	// OIDTSTInfo is the content type of a time-stamp token's content
	// (id-ct-TSTInfo).
	OIDTSTInfo = "1.2.840.113549.1.9.16.1.4"
)

// Attribute is a CMS attribute: its type and the DER of each value.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte
}

// CMSOptions shape a CMS SignedData.
type CMSOptions struct {
	// Attached puts the content inside the CMS; otherwise it is detached.
	Attached bool
	// SigningTime is the signing-time attribute; zero means the
	// generator's Now.
	SigningTime time.Time
	// NoSigningCertificateV2 omits the ESS signing-certificate-v2
	// attribute (included by default, with the SHA-256 of the signer's
	// certificate and its issuer and serial).
	NoSigningCertificateV2 bool
	// Hash is the digest for RSA and ECDSA signers: SHA-256 (default),
	// SHA-384, SHA-512 — or SHA-1, which verifiers should refuse. GOST
	// signers use the hash of their algorithm (Streebog-512 for GOST-2015
	// 512-bit keys, GOST 34.311-95 for GOST-2004 keys).
	Hash crypto.Hash
	// PSS signs RSA with RSASSA-PSS (salt length = hash length).
	PSS bool
	// SubjectKeyID identifies the signer by subject key identifier
	// (SignerInfo version 3) instead of issuer and serial number.
	SubjectKeyID bool
	// Chain adds the signer's CA certificates (not the root) to the CMS;
	// by default it carries the signer's certificate only, as NCALayer
	// does.
	Chain bool
	// NoSignerCertificate leaves the signer's certificate out of the CMS
	// (as openssl cms -nocerts does).
	NoSignerCertificate bool
	// ExtraCertificates are added to the CMS as they are.
	ExtraCertificates []*x509.Certificate
	// CoSigners sign the same content in further SignerInfos.
	CoSigners []*Leaf
	// NoSignedAttributes signs the content directly, without signed
	// attributes (RFC 5652 allows it; login verifiers refuse it).
	NoSignedAttributes bool
	// EditAttributes, when set, may change the signed attributes before
	// they are signed — for negative tests (drop the message digest, put a
	// wrong one…). The result is DER-sorted and signed as it is.
	EditAttributes func([]Attribute) []Attribute
	// BER encodes the outer structures with indefinite lengths and the
	// attached content as a chunked OCTET STRING, as Java CMS libraries
	// (and NCALayer) do. The signed attributes stay DER.
	BER bool
	// UnsignedAttributes, when set, returns unsigned attributes for a
	// SignerInfo, given its signature value — for example an RFC 3161
	// time-stamp token over it (see Leaf.TimeStampToken and
	// OIDAttrTimeStampToken). It is called for every signer.
	UnsignedAttributes func(signatureValue []byte) ([]Attribute, error)

	// contentType is the encapsulated content type; empty means id-data.
	contentType string
}

// eContentType returns the encapsulated content type.
func (o *CMSOptions) eContentType() string {
	if o.contentType == "" {
		return OIDData
	}
	return o.contentType
}

// SignCMS signs content as a CMS SignedData (DER) with the leaf's key.
func (l *Leaf) SignCMS(content []byte, o CMSOptions) ([]byte, error) {
	if o.Hash == 0 {
		o.Hash = crypto.SHA256
	}
	if o.SigningTime.IsZero() {
		o.SigningTime = l.g.now()
	}
	signers := append([]*Leaf{l}, o.CoSigners...)
	var infos [][]byte
	var digestAlgs [][]byte
	certs := []*x509.Certificate{}
	addCert := func(c *x509.Certificate) {
		for _, x := range certs {
			if x.Equal(c) {
				return
			}
		}
		certs = append(certs, c)
	}
	version := 1
	for _, s := range signers {
		si, dalg, err := s.signerInfo(content, o)
		if err != nil {
			return nil, err
		}
		infos = append(infos, si)
		if !slices.ContainsFunc(digestAlgs, func(b []byte) bool { return bytes.Equal(b, dalg) }) {
			digestAlgs = append(digestAlgs, dalg)
		}
		if !o.NoSignerCertificate {
			addCert(s.Cert)
		}
		if o.Chain && len(s.Chain) > 1 {
			for _, c := range s.Chain[:len(s.Chain)-1] {
				addCert(c)
			}
		}
	}
	if o.SubjectKeyID {
		version = 3
	}
	for _, c := range o.ExtraCertificates {
		addCert(c)
	}
	slices.SortFunc(digestAlgs, bytes.Compare)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(mustOID(OIDSignedData))
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(int64(version))
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					for _, d := range digestAlgs {
						b.AddBytes(d)
					}
				})
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(mustOID(o.eContentType()))
					if o.Attached {
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddASN1OctetString(content)
						})
					}
				})
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					for _, c := range certs {
						b.AddBytes(c.Raw)
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					for _, si := range infos {
						b.AddBytes(si)
					}
				})
			})
		})
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	if o.BER {
		return toBER(der)
	}
	return der, nil
}

// algorithms returns the digest and signature AlgorithmIdentifiers (DER)
// and the hash of a signer.
func (l *Leaf) algorithms(o CMSOptions) (digestAlg, sigAlg []byte, err error) {
	// The OIDs are this package's constants: encoding cannot fail.
	algID := func(oid string, null bool, params []byte) []byte {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(mustOID(oid))
			if null {
				b.AddASN1NULL()
			}
			b.AddBytes(params)
		})
		out, _ := b.Bytes()
		return out
	}
	if l.key.gost != nil {
		a := l.key.gostAlgorithm()
		return algID(a.DigestOID.String(), false, nil), algID(a.SignatureOID.String(), false, nil), nil
	}
	var digestOID string
	switch o.Hash {
	case crypto.SHA1:
		digestOID = "1.3.14.3.2.26"
	case crypto.SHA256:
		digestOID = "2.16.840.1.101.3.4.2.1"
	case crypto.SHA384:
		digestOID = "2.16.840.1.101.3.4.2.2"
	case crypto.SHA512:
		digestOID = "2.16.840.1.101.3.4.2.3"
	default:
		return nil, nil, fmt.Errorf("devpki: hash %v", o.Hash)
	}
	digestAlg = algID(digestOID, false, nil)
	switch {
	case l.key.rsa != nil && o.PSS:
		hashAlg := algID(digestOID, false, nil)
		var p cryptobyte.Builder
		p.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(hashAlg) })
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddBytes(algID("1.2.840.113549.1.1.8", false, hashAlg))
			})
			b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1Int64(int64(o.Hash.Size()))
			})
		})
		params, err := p.Bytes()
		if err != nil {
			return nil, nil, err
		}
		sigAlg = algID("1.2.840.113549.1.1.10", false, params)
	case l.key.rsa != nil:
		oid := map[crypto.Hash]string{crypto.SHA1: "1.2.840.113549.1.1.5", crypto.SHA256: "1.2.840.113549.1.1.11",
			crypto.SHA384: "1.2.840.113549.1.1.12", crypto.SHA512: "1.2.840.113549.1.1.13"}[o.Hash]
		sigAlg = algID(oid, true, nil)
	default:
		oid := map[crypto.Hash]string{crypto.SHA1: "1.2.840.10045.4.1", crypto.SHA256: "1.2.840.10045.4.3.2",
			crypto.SHA384: "1.2.840.10045.4.3.3", crypto.SHA512: "1.2.840.10045.4.3.4"}[o.Hash]
		sigAlg = algID(oid, false, nil)
	}
	return digestAlg, sigAlg, nil
}

// digest hashes b with the signer's digest.
func (l *Leaf) digest(o CMSOptions, b []byte) []byte {
	if l.key.gost != nil {
		h := l.key.gostAlgorithm().NewHash()
		h.Write(b)
		return h.Sum(nil)
	}
	h := o.Hash.New()
	h.Write(b)
	return h.Sum(nil)
}

// sign signs msg (the DER of the signed attributes, or the content).
func (l *Leaf) sign(o CMSOptions, msg []byte) ([]byte, error) {
	r := l.g.reader()
	switch {
	case l.key.gost != nil:
		return gosttest.SignMessage(r, l.key.gost, l.key.gostAlgorithm().SignatureOID, msg)
	case l.key.rsa != nil && o.PSS:
		return rsa.SignPSS(r, l.key.rsa, o.Hash, l.digest(o, msg), &rsa.PSSOptions{SaltLength: o.Hash.Size(), Hash: o.Hash})
	case l.key.rsa != nil:
		return rsa.SignPKCS1v15(r, l.key.rsa, o.Hash, l.digest(o, msg))
	case l.key.ec != nil:
		return ecdsa.SignASN1(r, l.key.ec, l.digest(o, msg))
	}
	return nil, errors.New("devpki: no key")
}

func (l *Leaf) signerInfo(content []byte, o CMSOptions) (si, digestAlg []byte, err error) {
	digestAlg, sigAlg, err := l.algorithms(o)
	if err != nil {
		return nil, nil, err
	}
	var attrsDER []byte
	signed := content
	if !o.NoSignedAttributes {
		attrs, err := l.signedAttributes(content, o)
		if err != nil {
			return nil, nil, err
		}
		if o.EditAttributes != nil {
			attrs = o.EditAttributes(attrs)
		}
		attrsDER, err = encodeAttributes(attrs)
		if err != nil {
			return nil, nil, err
		}
		signed = attrsDER
	}
	sig, err := l.sign(o, signed)
	if err != nil {
		return nil, nil, err
	}
	var unsigned []byte
	if o.UnsignedAttributes != nil {
		attrs, err := o.UnsignedAttributes(sig)
		if err != nil {
			return nil, nil, err
		}
		if len(attrs) > 0 {
			if unsigned, err = encodeAttributes(attrs); err != nil {
				return nil, nil, err
			}
		}
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if o.SubjectKeyID {
			b.AddASN1Int64(3)
			b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(l.Cert.SubjectKeyId) })
		} else {
			b.AddASN1Int64(1)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddBytes(l.Cert.RawIssuer)
				b.AddASN1BigInt(l.Cert.SerialNumber)
			})
		}
		b.AddBytes(digestAlg)
		if attrsDER != nil {
			// [0] IMPLICIT: the SET OF re-tagged.
			implicit := bytes.Clone(attrsDER)
			implicit[0] = 0xa0
			b.AddBytes(implicit)
		}
		b.AddBytes(sigAlg)
		b.AddASN1OctetString(sig)
		if unsigned != nil {
			implicit := bytes.Clone(unsigned)
			implicit[0] = 0xa1 // [1] IMPLICIT SET OF
			b.AddBytes(implicit)
		}
	})
	si, err = b.Bytes()
	return si, digestAlg, err
}

// signedAttributes returns content type, signing time, message digest and
// (unless disabled) ESS signing-certificate-v2.
func (l *Leaf) signedAttributes(content []byte, o CMSOptions) ([]Attribute, error) {
	var encErr error
	enc := func(f func(b *cryptobyte.Builder)) []byte {
		var b cryptobyte.Builder
		f(&b)
		out, err := b.Bytes()
		if err != nil && encErr == nil {
			encErr = fmt.Errorf("devpki: signed attributes: %w", err)
		}
		return out
	}
	t := o.SigningTime.UTC()
	timeDER := enc(func(b *cryptobyte.Builder) {
		if t.Year() >= 1950 && t.Year() < 2050 {
			b.AddASN1UTCTime(t)
		} else {
			b.AddASN1GeneralizedTime(t)
		}
	})
	attrs := []Attribute{
		{Type: mustOID(OIDAttrContentType), Values: [][]byte{enc(func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(mustOID(o.eContentType())) })}},
		{Type: mustOID(OIDAttrSigningTime), Values: [][]byte{timeDER}},
		{Type: mustOID(OIDAttrMessageDigest), Values: [][]byte{enc(func(b *cryptobyte.Builder) { b.AddASN1OctetString(l.digest(o, content)) })}},
	}
	if !o.NoSigningCertificateV2 {
		h := sha256.Sum256(l.Cert.Raw)
		v := enc(func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2, hash defaults to SHA-256
						b.AddASN1OctetString(h[:])
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
								b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
									b.AddBytes(l.Cert.RawIssuer)
								})
							})
							b.AddASN1BigInt(l.Cert.SerialNumber)
						})
					})
				})
			})
		})
		attrs = append(attrs, Attribute{Type: mustOID(OIDAttrSigningCertV2), Values: [][]byte{v}})
	}
	return attrs, encErr
}

// encodeAttributes encodes a DER SET OF Attribute (sorted, as DER
// requires).
func encodeAttributes(attrs []Attribute) ([]byte, error) {
	var encoded [][]byte
	for _, a := range attrs {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(a.Type)
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				for _, v := range a.Values {
					b.AddBytes(v)
				}
			})
		})
		der, err := b.Bytes()
		if err != nil {
			return nil, err
		}
		encoded = append(encoded, der)
	}
	slices.SortFunc(encoded, bytes.Compare)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, e := range encoded {
			b.AddBytes(e)
		}
	})
	return b.Bytes()
}

// toBER re-encodes a DER ContentInfo the way streaming Java producers do:
// ContentInfo, its [0], the SignedData, the encapContentInfo and its [0]
// with indefinite lengths, the content as a two-chunk constructed OCTET
// STRING. Everything else (certificates, SignerInfos with their DER signed
// attributes) is copied unchanged.
func toBER(der []byte) ([]byte, error) {
	in := cryptobyte.String(der)
	var ci, wrapped, sd cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&oid) ||
		!ci.ReadASN1(&wrapped, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!wrapped.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return nil, errors.New("devpki: not a ContentInfo")
	}
	var version, digestAlgs, eci cryptobyte.String
	if !sd.ReadASN1Element(&version, cbasn1.INTEGER) || !sd.ReadASN1Element(&digestAlgs, cbasn1.SET) ||
		!sd.ReadASN1(&eci, cbasn1.SEQUENCE) {
		return nil, errors.New("devpki: not a SignedData")
	}
	var eoid cryptobyte.String
	if !eci.ReadASN1Element(&eoid, cbasn1.OBJECT_IDENTIFIER) {
		return nil, errors.New("devpki: bad encapContentInfo")
	}
	var out bytes.Buffer
	indef := func(tag byte) { out.Write([]byte{tag, 0x80}) }
	eoc := func() { out.Write([]byte{0, 0}) }
	indef(0x30)
	oidDER, _ := asn1.Marshal(oid)
	out.Write(oidDER)
	indef(0xa0)
	indef(0x30)
	out.Write(version)
	out.Write(digestAlgs)
	indef(0x30)
	out.Write(eoid)
	if !eci.Empty() {
		var ec, octets cryptobyte.String
		if !eci.ReadASN1(&ec, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ec.ReadASN1(&octets, cbasn1.OCTET_STRING) {
			return nil, errors.New("devpki: bad eContent")
		}
		indef(0xa0)
		indef(0x24)
		half := len(octets) / 2
		for _, chunk := range [][]byte{octets[:half], octets[half:]} {
			writeOctets(&out, chunk)
		}
		eoc()
		eoc()
	}
	eoc()
	out.Write(sd) // certificates, crls, signerInfos: unchanged
	eoc()
	eoc()
	eoc()
	return out.Bytes(), nil
}

// PEM encodes a CMS as NCALayer's sign returns it ("-----BEGIN CMS-----").
func PEM(cmsDER []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: cmsDER})
}

// writeOctets writes a DER OCTET STRING.
func writeOctets(out *bytes.Buffer, b []byte) {
	var bb cryptobyte.Builder
	bb.AddASN1OctetString(b)
	der, _ := bb.Bytes() // an OCTET STRING always encodes
	out.Write(der)
}
