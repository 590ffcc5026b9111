package revocation

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OCSP object identifiers (RFC 6960 §4.4).
var (
	oidOCSPBasic          = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidOCSPNonce          = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidOCSPNoCheck        = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	oidOCSPExtendedRevoke = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 9}
)

// OCSP responseStatus values (RFC 6960 §4.2.1).
const (
	OCSPSuccessful       = 0
	OCSPMalformedRequest = 1
	OCSPInternalError    = 2
	OCSPTryLater         = 3
	OCSPSigRequired      = 5
	OCSPUnauthorized     = 6
)

// Parser limits: a response about one certificate has one SingleResponse
// and at most a short chain of certificates.
const (
	maxSingleResponses = 64
	maxOCSPCerts       = 8
)

// OCSPResponse is a parsed OCSP response (RFC 6960 §4.2.1). ParseOCSPResponse
// checks its structure only; nothing in it is trusted until a Checker (or
// CheckSignatureFrom plus the caller's own checks) has verified it.
type OCSPResponse struct {
	// ResponseStatus is the outer status; the fields below are set only
	// when it is OCSPSuccessful.
	ResponseStatus int

	// ResponderName is the DER Name of a by-name ResponderID;
	// ResponderKeyHash the SHA-1 key hash of a by-key one.
	ResponderName    []byte
	ResponderKeyHash []byte
	ProducedAt       time.Time
	Responses        []SingleResponse
	// Nonce is the extnValue of the nonce extension (RFC 8954: the DER of
	// an OCTET STRING holding the nonce), nil when absent.
	Nonce []byte

	// TBSResponseData is the signed part, SignatureAlgorithm and Signature
	// its signature; Certificates the certificates the responder sent.
	TBSResponseData    []byte
	SignatureAlgorithm asn1.ObjectIdentifier
	Signature          []byte
	Certificates       []*x509.Certificate
}

// SingleResponse is one certificate's status in an OCSP response.
type SingleResponse struct {
	// CertID: HashAlgorithm with IssuerNameHash and IssuerKeyHash, and the
	// serial number as DER INTEGER content octets.
	HashAlgorithm  asn1.ObjectIdentifier
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	SerialNumber   []byte
	// Status is StatusGood, StatusRevoked or StatusUnknown.
	Status string
	// RevokedAt and Reason (-1 when absent) of a revoked certificate.
	RevokedAt time.Time
	Reason    int
	// ThisUpdate and NextUpdate (zero when absent) bound the answer.
	ThisUpdate time.Time
	NextUpdate time.Time
}

func ocspMalformed(format string, args ...any) error {
	return fmt.Errorf("%w: OCSP: "+format, append([]any{ErrMalformed}, args...)...)
}

// ParseOCSPResponse parses a DER OCSPResponse. An unsuccessful response
// parses (ResponseStatus tells why); a successful one must carry a
// BasicOCSPResponse. Unknown critical extensions are refused. It returns a
// non-nil response only with a nil error.
func ParseOCSPResponse(der []byte) (*OCSPResponse, error) {
	input := cryptobyte.String(der)
	var resp cryptobyte.String
	var status int
	if !input.ReadASN1(&resp, cbasn1.SEQUENCE) || !input.Empty() || !resp.ReadASN1Enum(&status) {
		return nil, ocspMalformed("not an OCSPResponse")
	}
	r := &OCSPResponse{ResponseStatus: status}
	if status != OCSPSuccessful {
		switch status {
		case OCSPMalformedRequest, OCSPInternalError, OCSPTryLater, OCSPSigRequired, OCSPUnauthorized:
		default:
			return nil, ocspMalformed("invalid responseStatus %d", status)
		}
		// responseBytes must be absent, but some responders add them;
		// they are ignored either way.
		return r, nil
	}
	var rb, rbSeq, basic cryptobyte.String
	var typ asn1.ObjectIdentifier
	if !resp.ReadASN1(&rb, cbasn1.Tag(0).Constructed().ContextSpecific()) || !resp.Empty() ||
		!rb.ReadASN1(&rbSeq, cbasn1.SEQUENCE) || !rb.Empty() ||
		!rbSeq.ReadASN1ObjectIdentifier(&typ) ||
		!rbSeq.ReadASN1(&basic, cbasn1.OCTET_STRING) || !rbSeq.Empty() {
		return nil, ocspMalformed("bad responseBytes")
	}
	if !typ.Equal(oidOCSPBasic) {
		return nil, fmt.Errorf("%w: OCSP response type %v", ErrUnsupportedAlgorithm, typ)
	}
	if err := r.parseBasic(basic); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *OCSPResponse) parseBasic(der []byte) error {
	env, err := parseSignedEnvelope(der, true)
	if err != nil {
		return err
	}
	r.TBSResponseData, r.SignatureAlgorithm, r.Signature = env.tbs, env.sigAlg, env.sig
	if env.certs != nil {
		var seq cryptobyte.String
		if !env.certs.ReadASN1(&seq, cbasn1.SEQUENCE) || !env.certs.Empty() {
			return ocspMalformed("bad certs")
		}
		for !seq.Empty() {
			var certDER cryptobyte.String
			if !seq.ReadASN1Element(&certDER, cbasn1.SEQUENCE) {
				return ocspMalformed("bad certificate")
			}
			if len(r.Certificates) == maxOCSPCerts {
				return ocspMalformed("more than %d certificates", maxOCSPCerts)
			}
			c, err := x509.ParseCertificate(certDER)
			if err != nil {
				return fmt.Errorf("%w: OCSP responder certificate: %w", ErrMalformed, err)
			}
			r.Certificates = append(r.Certificates, c)
		}
	}
	return r.parseTBS(env.tbs)
}

func (r *OCSPResponse) parseTBS(der []byte) error {
	input := cryptobyte.String(der)
	var tbs cryptobyte.String
	if !input.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return ocspMalformed("bad tbsResponseData")
	}
	var version int64
	var present bool
	var vers cryptobyte.String
	if !tbs.ReadOptionalASN1(&vers, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return ocspMalformed("bad version")
	}
	if present && (!vers.ReadASN1Integer(&version) || !vers.Empty() || version != 0) {
		return ocspMalformed("unsupported version")
	}
	var rid cryptobyte.String
	var ridTag cbasn1.Tag
	if !tbs.ReadAnyASN1(&rid, &ridTag) {
		return ocspMalformed("bad responderID")
	}
	switch ridTag {
	case cbasn1.Tag(1).Constructed().ContextSpecific():
		var name cryptobyte.String
		if !rid.ReadASN1Element(&name, cbasn1.SEQUENCE) || !rid.Empty() {
			return ocspMalformed("bad responderID name")
		}
		r.ResponderName = name
	case cbasn1.Tag(2).Constructed().ContextSpecific():
		var kh cryptobyte.String
		if !rid.ReadASN1(&kh, cbasn1.OCTET_STRING) || !rid.Empty() || len(kh) != 20 {
			return ocspMalformed("bad responderID key hash")
		}
		r.ResponderKeyHash = kh
	default:
		return ocspMalformed("bad responderID choice")
	}
	if !tbs.ReadASN1GeneralizedTime(&r.ProducedAt) {
		return ocspMalformed("bad producedAt")
	}
	var responses cryptobyte.String
	if !tbs.ReadASN1(&responses, cbasn1.SEQUENCE) {
		return ocspMalformed("bad responses")
	}
	for !responses.Empty() {
		if len(r.Responses) == maxSingleResponses {
			return ocspMalformed("more than %d responses", maxSingleResponses)
		}
		sr, err := parseSingleResponse(&responses)
		if err != nil {
			return err
		}
		r.Responses = append(r.Responses, sr)
	}
	if len(r.Responses) == 0 {
		return ocspMalformed("no responses")
	}
	var exts cryptobyte.String
	if !tbs.ReadOptionalASN1(&exts, &present, cbasn1.Tag(1).Constructed().ContextSpecific()) || !tbs.Empty() {
		return ocspMalformed("trailing data in tbsResponseData")
	}
	if present {
		err := readExtensions(exts, func(oid asn1.ObjectIdentifier, critical bool, value []byte) error {
			switch {
			case oid.Equal(oidOCSPNonce):
				if r.Nonce != nil {
					return ocspMalformed("duplicate nonce")
				}
				r.Nonce = bytes.Clone(value)
				if r.Nonce == nil {
					r.Nonce = []byte{}
				}
			case oid.Equal(oidOCSPExtendedRevoke):
			default:
				if critical {
					return fmt.Errorf("%w: OCSP: unknown critical extension %v", ErrMalformed, oid)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func parseSingleResponse(s *cryptobyte.String) (SingleResponse, error) {
	sr := SingleResponse{Reason: -1}
	var seq, certID cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&certID, cbasn1.SEQUENCE) {
		return sr, ocspMalformed("bad SingleResponse")
	}
	oid, err := readAlgorithm(&certID)
	if err != nil {
		return sr, err
	}
	sr.HashAlgorithm = oid
	var nameHash, keyHash, serial cryptobyte.String
	if !certID.ReadASN1(&nameHash, cbasn1.OCTET_STRING) || !certID.ReadASN1(&keyHash, cbasn1.OCTET_STRING) ||
		!certID.ReadASN1(&serial, cbasn1.INTEGER) || !certID.Empty() || !validInteger(serial) {
		return sr, ocspMalformed("bad CertID")
	}
	sr.IssuerNameHash, sr.IssuerKeyHash, sr.SerialNumber = nameHash, keyHash, serial
	var status cryptobyte.String
	var tag cbasn1.Tag
	if !seq.ReadAnyASN1(&status, &tag) {
		return sr, ocspMalformed("bad certStatus")
	}
	switch tag {
	case cbasn1.Tag(0).ContextSpecific():
		if !status.Empty() {
			return sr, ocspMalformed("bad good status")
		}
		sr.Status = StatusGood
	case cbasn1.Tag(1).Constructed().ContextSpecific():
		sr.Status = StatusRevoked
		if !status.ReadASN1GeneralizedTime(&sr.RevokedAt) {
			return sr, ocspMalformed("bad revocationTime")
		}
		var reason cryptobyte.String
		var present bool
		if !status.ReadOptionalASN1(&reason, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) || !status.Empty() {
			return sr, ocspMalformed("bad RevokedInfo")
		}
		if present {
			if !reason.ReadASN1Enum(&sr.Reason) || !reason.Empty() || sr.Reason < 0 || sr.Reason > 10 || sr.Reason == 7 {
				return sr, ocspMalformed("bad revocationReason")
			}
		}
	case cbasn1.Tag(2).ContextSpecific():
		if !status.Empty() {
			return sr, ocspMalformed("bad unknown status")
		}
		sr.Status = StatusUnknown
	default:
		return sr, ocspMalformed("bad certStatus choice")
	}
	if !seq.ReadASN1GeneralizedTime(&sr.ThisUpdate) {
		return sr, ocspMalformed("bad thisUpdate")
	}
	var next, exts cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&next, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return sr, ocspMalformed("bad nextUpdate")
	}
	if present && (!next.ReadASN1GeneralizedTime(&sr.NextUpdate) || !next.Empty()) {
		return sr, ocspMalformed("bad nextUpdate")
	}
	if !seq.ReadOptionalASN1(&exts, &present, cbasn1.Tag(1).Constructed().ContextSpecific()) || !seq.Empty() {
		return sr, ocspMalformed("trailing data in SingleResponse")
	}
	if present {
		err := readExtensions(exts, func(oid asn1.ObjectIdentifier, critical bool, _ []byte) error {
			if critical {
				return fmt.Errorf("%w: OCSP: unknown critical single extension %v", ErrMalformed, oid)
			}
			return nil
		})
		if err != nil {
			return sr, err
		}
	}
	return sr, nil
}

// readExtensions walks the content of [n] EXPLICIT Extensions (a SEQUENCE OF
// Extension) and calls fn for each one.
func readExtensions(explicit cryptobyte.String, fn func(oid asn1.ObjectIdentifier, critical bool, value []byte) error) error {
	var list cryptobyte.String
	if !explicit.ReadASN1(&list, cbasn1.SEQUENCE) || !explicit.Empty() {
		return fmt.Errorf("%w: bad extensions", ErrMalformed)
	}
	return readExtensionList(list, fn)
}

// readExtensionList walks the content of a SEQUENCE OF Extension.
func readExtensionList(list cryptobyte.String, fn func(oid asn1.ObjectIdentifier, critical bool, value []byte) error) error {
	for !list.Empty() {
		var ext, value cryptobyte.String
		var oid asn1.ObjectIdentifier
		critical := false
		if !list.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&oid) ||
			(ext.PeekASN1Tag(cbasn1.BOOLEAN) && !ext.ReadASN1Boolean(&critical)) ||
			!ext.ReadASN1(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
			return fmt.Errorf("%w: bad extension", ErrMalformed)
		}
		if err := fn(oid, critical, value); err != nil {
			return err
		}
	}
	return nil
}
