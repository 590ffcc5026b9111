package signature

import (
	"bytes"
	"encoding/asn1"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Bounds on what one CMS may contain.
const (
	maxCertificates = 32
	maxSignerInfos  = 16
	maxAttributes   = 32
)

// Tags of CMS.
const (
	// Tags: [0] IMPLICIT OCTET STRING (subjectKeyIdentifier), [0] and [1]
	// constructed (certificates, eContent, signed attributes; crls,
	// unsigned attributes), and SET OF (the signed attributes re-tagged).
	tagSubjectKeyID        = cbasn1.Tag(0x80)
	tagCertificates        = cbasn1.Tag(0xa0)
	tagCRLs                = cbasn1.Tag(0xa1)
	tagExplicitContent     = cbasn1.Tag(0xa0)
	tagUnsignedAttributes  = cbasn1.Tag(0xa1)
	tagSignedAttributesTag = cbasn1.Tag(0xa0)
	tagSetOf               = 0x31
)

// algorithmIdentifier is an AlgorithmIdentifier: the content octets of its
// OID and its parameters as raw DER (nil when absent).
type algorithmIdentifier struct {
	OID    []byte
	Params []byte
}

// is reports whether the algorithm's OID is der (content octets).
func (a algorithmIdentifier) is(der string) bool { return string(a.OID) == der }

// oid returns the parsed OID (for messages and the GOST package).
func (a algorithmIdentifier) oid() asn1.ObjectIdentifier { return parseOID(a.OID) }

// hasNoParams reports absent or NULL parameters.
func (a algorithmIdentifier) hasNoParams() bool {
	return len(a.Params) == 0 || (len(a.Params) == 2 && a.Params[0] == 0x05 && a.Params[1] == 0)
}

// attribute is one signed attribute: the content octets of its type OID and
// the raw DER of each value.
type attribute struct {
	Type   []byte
	Values [][]byte
}

// signedData is a parsed CMS SignedData. Every byte slice aliases the input.
type signedData struct {
	ContentType []byte // eContentType, OID content octets
	Content     []byte // eContent, nil when detached
	Attached    bool
	Certs       [][]byte // DER of each certificate
	Signers     []signerInfo
}

// signerInfo is a parsed SignerInfo.
type signerInfo struct {
	Version int
	// IssuerRaw and Serial identify the signer by issuerAndSerialNumber;
	// SKI by subjectKeyIdentifier. Exactly one form is set.
	IssuerRaw []byte
	Serial    *big.Int
	SKI       []byte
	DigestAlg algorithmIdentifier
	// SignedAttrs is what was signed: the received DER of the signed
	// attributes with the [0] IMPLICIT tag replaced by SET OF (0x31), as
	// RFC 5652 §5.4 prescribes. It is never re-encoded. Nil when absent.
	SignedAttrs []byte
	Attrs       []attribute
	SigAlg      algorithmIdentifier
	Signature   []byte
	// UnsignedAttrs is the content of the unsigned attributes ([1]
	// IMPLICIT SET OF Attribute), unparsed: they are not signed and never
	// decide validity; time-stamp tokens are read from them. Nil when
	// absent.
	UnsignedAttrs []byte
}

// parseSignedData parses a DER ContentInfo holding a SignedData. It copies
// the signed attributes (to re-tag them); everything else aliases der.
func parseSignedData(der []byte) (*signedData, error) {
	in := cryptobyte.String(der)
	var ci, content, sd cryptobyte.String
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, malformed("not a DER ContentInfo (or trailing data)")
	}
	ctype, ok := readOID(&ci)
	if !ok {
		return nil, malformed("ContentInfo without a content type")
	}
	if string(ctype) != derSignedData {
		return nil, malformed("content type %s is not SignedData", oidString(ctype))
	}
	if !ci.ReadASN1(&content, tagExplicitContent) || !ci.Empty() ||
		!content.ReadASN1(&sd, cbasn1.SEQUENCE) || !content.Empty() {
		return nil, malformed("ContentInfo content is not a SignedData")
	}
	out := &signedData{}
	var version int
	var digestAlgs, eci cryptobyte.String
	if !sd.ReadASN1Integer(&version) || version < 1 || version > 5 {
		return nil, malformed("bad SignedData version")
	}
	if !sd.ReadASN1(&digestAlgs, cbasn1.SET) {
		return nil, malformed("bad digestAlgorithms")
	}
	for !digestAlgs.Empty() {
		if _, err := readAlgorithm(&digestAlgs); err != nil {
			return nil, err
		}
	}
	if !sd.ReadASN1(&eci, cbasn1.SEQUENCE) {
		return nil, malformed("bad encapContentInfo")
	}
	if out.ContentType, ok = readOID(&eci); !ok {
		return nil, malformed("bad encapContentInfo")
	}
	if eci.PeekASN1Tag(tagExplicitContent) {
		var wrapped, octets cryptobyte.String
		if !eci.ReadASN1(&wrapped, tagExplicitContent) || !wrapped.ReadASN1(&octets, cbasn1.OCTET_STRING) || !wrapped.Empty() {
			return nil, malformed("bad eContent")
		}
		out.Content = octets
		out.Attached = true
	}
	if !eci.Empty() {
		return nil, malformed("trailing data in encapContentInfo")
	}
	if sd.PeekASN1Tag(tagCertificates) {
		var certs cryptobyte.String
		if !sd.ReadASN1(&certs, tagCertificates) {
			return nil, malformed("bad certificates")
		}
		for !certs.Empty() {
			var cert cryptobyte.String
			var tag cbasn1.Tag
			if !certs.ReadAnyASN1Element(&cert, &tag) {
				return nil, malformed("bad certificate choice")
			}
			if tag != cbasn1.SEQUENCE {
				continue // attribute certificates and other formats are ignored
			}
			if len(out.Certs) == maxCertificates {
				return nil, malformed("more than %d certificates", maxCertificates)
			}
			out.Certs = append(out.Certs, cert)
		}
	}
	if sd.PeekASN1Tag(tagCRLs) {
		if !sd.SkipASN1(tagCRLs) {
			return nil, malformed("bad crls")
		}
	}
	var infos cryptobyte.String
	if !sd.ReadASN1(&infos, cbasn1.SET) || !sd.Empty() {
		return nil, malformed("bad signerInfos (or trailing data in SignedData)")
	}
	for !infos.Empty() {
		if len(out.Signers) == maxSignerInfos {
			return nil, malformed("more than %d signers", maxSignerInfos)
		}
		si, err := parseSignerInfo(&infos)
		if err != nil {
			return nil, err
		}
		out.Signers = append(out.Signers, *si)
	}
	return out, nil
}

func readAlgorithm(s *cryptobyte.String) (algorithmIdentifier, error) {
	var seq cryptobyte.String
	var a algorithmIdentifier
	var ok bool
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return a, malformed("bad AlgorithmIdentifier")
	}
	if a.OID, ok = readOID(&seq); !ok {
		return a, malformed("bad AlgorithmIdentifier")
	}
	if !seq.Empty() {
		var params cryptobyte.String
		var tag cbasn1.Tag
		if !seq.ReadAnyASN1Element(&params, &tag) || !seq.Empty() {
			return a, malformed("bad AlgorithmIdentifier parameters")
		}
		a.Params = params
	}
	return a, nil
}

func parseSignerInfo(s *cryptobyte.String) (*signerInfo, error) {
	var seq cryptobyte.String
	si := &signerInfo{}
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(&si.Version) {
		return nil, malformed("bad SignerInfo")
	}
	switch {
	case seq.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, issuer cryptobyte.String
		si.Serial = new(big.Int)
		if !seq.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
			!ias.ReadASN1Integer(si.Serial) || !ias.Empty() {
			return nil, malformed("bad issuerAndSerialNumber")
		}
		si.IssuerRaw = issuer
		if si.Version != 1 {
			return nil, malformed("SignerInfo version %d with issuerAndSerialNumber", si.Version)
		}
	case seq.PeekASN1Tag(tagSubjectKeyID):
		var ski cryptobyte.String
		if !seq.ReadASN1(&ski, tagSubjectKeyID) || len(ski) == 0 {
			return nil, malformed("bad subjectKeyIdentifier")
		}
		si.SKI = ski
		if si.Version != 3 {
			return nil, malformed("SignerInfo version %d with subjectKeyIdentifier", si.Version)
		}
	default:
		return nil, malformed("bad signer identifier")
	}
	var err error
	if si.DigestAlg, err = readAlgorithm(&seq); err != nil {
		return nil, err
	}
	if seq.PeekASN1Tag(tagSignedAttributesTag) {
		var elem cryptobyte.String
		if !seq.ReadASN1Element(&elem, tagSignedAttributesTag) {
			return nil, malformed("bad signed attributes")
		}
		// RFC 5652 §5.4: the signature covers the DER of the attributes
		// with an EXPLICIT SET OF tag: the received bytes, re-tagged.
		raw := append([]byte(nil), elem...)
		raw[0] = tagSetOf
		si.SignedAttrs = raw
		if si.Attrs, err = parseAttributes(raw); err != nil {
			return nil, err
		}
	}
	if si.SigAlg, err = readAlgorithm(&seq); err != nil {
		return nil, err
	}
	var sig cryptobyte.String
	if !seq.ReadASN1(&sig, cbasn1.OCTET_STRING) || len(sig) == 0 {
		return nil, malformed("bad signature value")
	}
	si.Signature = sig
	if seq.PeekASN1Tag(tagUnsignedAttributes) {
		var unsigned cryptobyte.String
		if !seq.ReadASN1(&unsigned, tagUnsignedAttributes) {
			return nil, malformed("bad unsigned attributes")
		}
		si.UnsignedAttrs = unsigned
	}
	if !seq.Empty() {
		return nil, malformed("trailing data in SignerInfo")
	}
	return si, nil
}

// parseAttributes parses a DER SET OF Attribute. An attribute type may
// appear only once.
func parseAttributes(der []byte) ([]attribute, error) {
	in := cryptobyte.String(der)
	var set cryptobyte.String
	if !in.ReadASN1(&set, cbasn1.SET) || !in.Empty() {
		return nil, malformed("bad signed attributes")
	}
	var attrs []attribute
	for !set.Empty() {
		if len(attrs) == maxAttributes {
			return nil, malformed("more than %d signed attributes", maxAttributes)
		}
		var seq, values cryptobyte.String
		var a attribute
		var ok bool
		if !set.ReadASN1(&seq, cbasn1.SEQUENCE) {
			return nil, malformed("bad signed attribute")
		}
		if a.Type, ok = readOID(&seq); !ok || !seq.ReadASN1(&values, cbasn1.SET) || !seq.Empty() {
			return nil, malformed("bad signed attribute")
		}
		for !values.Empty() {
			var v cryptobyte.String
			var tag cbasn1.Tag
			if !values.ReadAnyASN1Element(&v, &tag) {
				return nil, malformed("bad signed attribute value")
			}
			a.Values = append(a.Values, v)
		}
		if len(a.Values) == 0 {
			return nil, malformed("signed attribute %s without a value", oidString(a.Type))
		}
		for _, b := range attrs {
			if bytes.Equal(b.Type, a.Type) {
				return nil, malformed("signed attribute %s appears twice", oidString(a.Type))
			}
		}
		attrs = append(attrs, a)
	}
	if len(attrs) == 0 {
		return nil, malformed("empty signed attributes")
	}
	return attrs, nil
}

// attr returns the single value of the attribute of type der (OID content
// octets). ok is false when it is absent; more than one value is
// malformed.
func (si *signerInfo) attr(der string) (value []byte, ok bool, err error) {
	for _, a := range si.Attrs {
		if string(a.Type) == der {
			if len(a.Values) != 1 {
				return nil, true, malformed("signed attribute %s has %d values", oidString(a.Type), len(a.Values))
			}
			return a.Values[0], true, nil
		}
	}
	return nil, false, nil
}

// parseTime reads a UTCTime or GeneralizedTime element.
func parseTime(der []byte) (time.Time, error) {
	s := cryptobyte.String(der)
	var t time.Time
	switch {
	case s.PeekASN1Tag(cbasn1.UTCTime):
		if !s.ReadASN1UTCTime(&t) {
			return t, malformed("bad UTCTime")
		}
	case s.PeekASN1Tag(cbasn1.GeneralizedTime):
		if !s.ReadASN1GeneralizedTime(&t) {
			return t, malformed("bad GeneralizedTime")
		}
	default:
		return t, malformed("signing time is not a Time")
	}
	if !s.Empty() {
		return t, malformed("trailing data after the signing time")
	}
	return t.UTC(), nil
}
