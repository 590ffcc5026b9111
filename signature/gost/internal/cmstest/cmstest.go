// Package cmstest is a minimal reader of CMS SignedData (RFC 5652) with one
// SignerInfo, for the tests of package gost and gosttest only: it extracts
// what a relying party needs to verify a GOST signature, and checks nothing.
package cmstest

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Attribute and content-type OIDs.
const (
	OIDSignedData    = "1.2.840.113549.1.7.2"
	OIDMessageDigest = "1.2.840.113549.1.9.4"
	OIDSigningTime   = "1.2.840.113549.1.9.5"
)

// SignedData holds the parts of a SignedData with exactly one signer.
type SignedData struct {
	Content            []byte // encapsulated content; nil when detached
	Certificates       []*x509.Certificate
	Issuer             []byte   // signer's IssuerAndSerialNumber: issuer Name (DER)
	Serial             *big.Int // and serial number
	DigestAlgorithm    asn1.ObjectIdentifier
	DigestAlgNULL      bool // digestAlgorithm carries NULL parameters
	SignatureAlgorithm asn1.ObjectIdentifier
	SignedAttributes   []byte // DER re-tagged as SET OF (what the signature covers); nil without
	Signature          []byte
	MessageDigest      []byte
	SigningTime        time.Time
}

type algorithmIdentifier struct {
	OID    asn1.ObjectIdentifier
	Params asn1.RawValue `asn1:"optional"`
}

// Parse reads a DER ContentInfo holding a SignedData.
func Parse(der []byte) (*SignedData, error) {
	var ci struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("cmstest: ContentInfo: %v", err)
	}
	if ci.Type.String() != OIDSignedData {
		return nil, fmt.Errorf("cmstest: content type %v is not SignedData", ci.Type)
	}
	var sd struct {
		Version    int
		DigestAlgs []algorithmIdentifier `asn1:"set"`
		Encap      struct {
			Type    asn1.ObjectIdentifier
			Content []byte `asn1:"explicit,optional,tag:0"`
		}
		Certs   []asn1.RawValue `asn1:"optional,tag:0"`
		CRLs    []asn1.RawValue `asn1:"optional,tag:1"`
		Signers []asn1.RawValue `asn1:"set"`
	}
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("cmstest: SignedData: %w", err)
	}
	if len(sd.Signers) != 1 {
		return nil, fmt.Errorf("cmstest: %d signers, want 1", len(sd.Signers))
	}
	var si struct {
		Version int
		SID     struct {
			Issuer asn1.RawValue
			Serial *big.Int
		}
		DigestAlg algorithmIdentifier
		Attrs     asn1.RawValue `asn1:"optional,tag:0"`
		SigAlg    algorithmIdentifier
		Signature []byte
	}
	if _, err := asn1.Unmarshal(sd.Signers[0].FullBytes, &si); err != nil {
		return nil, fmt.Errorf("cmstest: SignerInfo: %w", err)
	}
	p := &SignedData{
		Content: sd.Encap.Content, Issuer: si.SID.Issuer.FullBytes, Serial: si.SID.Serial,
		DigestAlgorithm: si.DigestAlg.OID, DigestAlgNULL: si.DigestAlg.Params.Tag == asn1.TagNull,
		SignatureAlgorithm: si.SigAlg.OID, Signature: si.Signature,
	}
	for _, c := range sd.Certs {
		crt, err := x509.ParseCertificate(c.FullBytes)
		if err != nil {
			return nil, fmt.Errorf("cmstest: certificate: %w", err)
		}
		p.Certificates = append(p.Certificates, crt)
	}
	if len(si.Attrs.FullBytes) == 0 {
		return p, nil
	}
	// RFC 5652 §5.4: the signature covers the attributes tagged SET OF.
	p.SignedAttributes = append([]byte{0x31}, si.Attrs.FullBytes[1:]...)
	var attrs []struct {
		Type   asn1.ObjectIdentifier
		Values []asn1.RawValue `asn1:"set"`
	}
	if _, err := asn1.UnmarshalWithParams(p.SignedAttributes, &attrs, "set"); err != nil {
		return nil, fmt.Errorf("cmstest: signed attributes: %w", err)
	}
	for _, a := range attrs {
		if len(a.Values) != 1 {
			return nil, errors.New("cmstest: attribute without exactly one value")
		}
		switch a.Type.String() {
		case OIDMessageDigest:
			p.MessageDigest = a.Values[0].Bytes
		case OIDSigningTime:
			if _, err := asn1.Unmarshal(a.Values[0].FullBytes, &p.SigningTime); err != nil {
				return nil, fmt.Errorf("cmstest: signingTime: %w", err)
			}
		}
	}
	return p, nil
}

// Signer returns the embedded certificate named by the signer identifier.
func (p *SignedData) Signer() *x509.Certificate {
	for _, c := range p.Certificates {
		if string(c.RawIssuer) == string(p.Issuer) && c.SerialNumber.Cmp(p.Serial) == 0 {
			return c
		}
	}
	return nil
}
