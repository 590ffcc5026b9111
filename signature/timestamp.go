package signature

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // RFC 3161 imprints are often SHA-1: compared and reported as such, never trusted as a signature digest
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"fmt"
	"hash"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/signature/gost"
)

// Time-stamp bounds and OIDs.
const (
	// maxTimeStamps bounds the time-stamp tokens read from one signer.
	maxTimeStamps = 4

	derTSTInfo        = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x04" // 1.2.840.113549.1.9.16.1.4 id-ct-TSTInfo
	derTimeStampToken = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x0e" // 1.2.840.113549.1.9.16.2.14 id-aa-timeStampToken
	derSHA1           = "\x2b\x0e\x03\x02\x1a"                         // 1.3.14.3.2.26

	// OIDTimeStamping is the extended key usage of a time-stamping
	// authority (id-kp-timeStamping).
	OIDTimeStamping = "1.3.6.1.5.5.7.3.8"
)

// TimeStamp is an RFC 3161 time-stamp token, as found in a signer's
// unsigned attributes (id-aa-timeStampToken) or given to
// CheckTimeStampToken, with the outcome of each check.
//
// A time stamp is reported, never required: it does not change whether a
// signature is valid, and nothing in it is trusted unless its flags say it
// verified. SignatureVerified: the token's SignerInfo (content type
// id-ct-TSTInfo, message digest over the TSTInfo, ESS signing certificate
// when present) verifies with the TSA certificate the token carries.
// ImprintVerified: the message imprint is the hash of the signer's
// signature value. ChainVerified: the TSA certificate has the
// time-stamping EKU and chains to the verifier's roots at GenTime (the
// TSA's own claim; revocation is not checked).
type TimeStamp struct {
	GenTime time.Time `json:"gen_time"`
	// Policy is the TSA policy OID (dotted).
	Policy string `json:"policy"`
	// Serial is the token's serial number as FormatSerial prints it: the
	// content octets of its INTEGER in upper-case hex. RFC 3161 requires
	// it unique, not positive: a negative serial (first octet 0x80 or
	// more, as the NCA's TSA issues) is accepted and printed as is.
	Serial string `json:"serial"`
	// ImprintAlgorithm names the imprint's hash ("SHA1", "SHA256", a GOST
	// digest…, or the dotted OID of an unknown one).
	ImprintAlgorithm string `json:"imprint_algorithm"`
	// Nonce is the request nonce, hex, when present.
	Nonce string `json:"nonce,omitempty"`
	// Algorithm names the token's signature algorithm, when supported.
	Algorithm string `json:"algorithm,omitempty"`
	// TSA is the certificate the token's SignerInfo names, when the token
	// carries it.
	TSA *CertificateInfo `json:"tsa,omitempty"`
	// Chain is the TSA's verified path, when ChainVerified.
	Chain             []CertificateInfo `json:"chain,omitempty"`
	SignatureVerified bool              `json:"signature_verified"`
	ImprintVerified   bool              `json:"imprint_verified"`
	ChainVerified     bool              `json:"chain_verified"`
	// Problems explains each check that did not pass.
	Problems []TimeStampProblem `json:"problems,omitempty"`
}

// TimeStampProblem is one check of a time stamp that did not pass.
type TimeStampProblem struct {
	// Check is "signature", "imprint" or "chain".
	Check string `json:"check"`
	// Code is the stable code of the refusal (see Code).
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (ts *TimeStamp) problem(check string, err error) {
	ts.Problems = append(ts.Problems, TimeStampProblem{Check: check, Code: Code(err), Message: err.Error()})
}

// tstInfo is a parsed TSTInfo (RFC 3161 §2.4.2).
type tstInfo struct {
	Policy     []byte // OID content octets
	ImprintAlg algorithmIdentifier
	Imprint    []byte
	Serial     []byte // content octets of the INTEGER, any sign
	GenTime    time.Time
	Nonce      *big.Int
}

// parseTSTInfo parses a DER TSTInfo. Accuracy, ordering, the TSA name and
// extensions are read past, not reported.
func parseTSTInfo(der []byte) (*tstInfo, error) {
	in := cryptobyte.String(der)
	var seq, mi, imprint, gt cryptobyte.String
	var version int
	info := &tstInfo{}
	var ok bool
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() || !seq.ReadASN1Integer(&version) || version != 1 {
		return nil, malformed("bad TSTInfo")
	}
	if info.Policy, ok = readOID(&seq); !ok {
		return nil, malformed("bad TSTInfo policy")
	}
	if !seq.ReadASN1(&mi, cbasn1.SEQUENCE) {
		return nil, malformed("bad TSTInfo message imprint")
	}
	alg, err := readAlgorithm(&mi)
	if err != nil {
		return nil, err
	}
	if !mi.ReadASN1(&imprint, cbasn1.OCTET_STRING) || !mi.Empty() || len(imprint) == 0 {
		return nil, malformed("bad TSTInfo message imprint")
	}
	info.ImprintAlg, info.Imprint = alg, imprint
	// RFC 3161 §2.4.2: the serial number is unique, not positive; the
	// NCA's TSA issues negative ones. Any minimally encoded INTEGER is
	// kept as its content octets (which a minimal encoding, checked by
	// ReadASN1Integer, makes those SerialBytes gives back).
	serial := new(big.Int)
	if !seq.ReadASN1Integer(serial) {
		return nil, malformed("bad TSTInfo serial number")
	}
	info.Serial = SerialBytes(serial)
	if !seq.ReadASN1(&gt, cbasn1.GeneralizedTime) {
		return nil, malformed("bad TSTInfo genTime")
	}
	if info.GenTime, err = parseGeneralizedTime(gt); err != nil {
		return nil, err
	}
	if seq.PeekASN1Tag(cbasn1.SEQUENCE) && !seq.SkipASN1(cbasn1.SEQUENCE) { // accuracy
		return nil, malformed("bad TSTInfo accuracy")
	}
	if seq.PeekASN1Tag(cbasn1.BOOLEAN) && !seq.SkipASN1(cbasn1.BOOLEAN) { // ordering
		return nil, malformed("bad TSTInfo ordering")
	}
	if seq.PeekASN1Tag(cbasn1.INTEGER) {
		info.Nonce = new(big.Int)
		if !seq.ReadASN1Integer(info.Nonce) {
			return nil, malformed("bad TSTInfo nonce")
		}
	}
	for _, tag := range []cbasn1.Tag{cbasn1.Tag(0).Constructed().ContextSpecific(), cbasn1.Tag(1).Constructed().ContextSpecific()} {
		if seq.PeekASN1Tag(tag) && !seq.SkipASN1(tag) { // tsa, extensions
			return nil, malformed("bad TSTInfo")
		}
	}
	if !seq.Empty() {
		return nil, malformed("trailing data in TSTInfo")
	}
	return info, nil
}

// parseGeneralizedTime reads the content of a GeneralizedTime as RFC 3161
// writes it: YYYYMMDDhhmmss, an optional fraction of one to nine digits,
// and Z.
func parseGeneralizedTime(b []byte) (time.Time, error) {
	s := string(b)
	bad := malformed("bad GeneralizedTime")
	if len(s) < 15 || s[len(s)-1] != 'Z' {
		return time.Time{}, bad
	}
	body := s[:len(s)-1]
	whole, frac, hasFrac := strings.Cut(body, ".")
	if len(whole) != 14 || !allDigits(whole) || (hasFrac && (len(frac) == 0 || len(frac) > 9 || !allDigits(frac))) {
		return time.Time{}, bad
	}
	t, err := time.Parse("20060102150405Z0700", s)
	if err != nil {
		return time.Time{}, bad
	}
	return t.UTC(), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// imprintHash returns the hash an imprint names and its name; nil for an
// unknown one.
func imprintHash(a algorithmIdentifier) (func() hash.Hash, string) {
	if f, ok := gost.DigestByOID(a.oid()); ok {
		return f, gostDigestName(a.oid().String())
	}
	if !a.hasNoParams() {
		return nil, oidString(a.OID)
	}
	switch {
	case a.is(derSHA1):
		return sha1.New, "SHA1"
	case a.is(derSHA256):
		return sha256.New, "SHA256"
	case a.is(derSHA384):
		return sha512.New384, "SHA384"
	case a.is(derSHA512):
		return sha512.New, "SHA512"
	}
	return nil, oidString(a.OID)
}

func gostDigestName(oid string) string {
	switch oid {
	case gost.OIDKZDigest34311:
		return "GOST-34.311-95"
	case gost.OIDRUDigest341194:
		return "GOST-R-34.11-94"
	case gost.OIDKZDigestStreebog256, gost.OIDRUDigestStreebog256:
		return "STREEBOG-256"
	case gost.OIDKZDigestStreebog512, gost.OIDRUDigestStreebog512:
		return "STREEBOG-512"
	}
	return oid
}

// CheckTimeStampToken reads an RFC 3161 time-stamp token (a CMS
// SignedData with id-ct-TSTInfo content, DER or BER) and checks it as far
// as it can: its signature with the TSA certificate it carries, its
// message imprint against signed — the signature value it time-stamps;
// nil skips that check —, and the TSA's chain to the verifier's roots at
// the token's genTime. The outcome of each check is in the TimeStamp (see
// its documentation); the error is for a token whose TSTInfo cannot be
// read at all (ErrMalformed), and then the TimeStamp is nil.
//
// A time stamp proves nothing to a caller who does not look at its flags;
// Verify never requires one.
func (v *Verifier) CheckTimeStampToken(token, signed []byte) (*TimeStamp, error) {
	if len(token) > v.maxInput {
		return nil, malformed("time-stamp token of %d bytes exceeds the limit of %d", len(token), v.maxInput)
	}
	sd, err := parseCMS(token)
	if err != nil {
		return nil, err
	}
	if string(sd.ContentType) != derTSTInfo || !sd.Attached {
		return nil, malformed("not a time-stamp token (content type %s)", oidString(sd.ContentType))
	}
	info, err := parseTSTInfo(sd.Content)
	if err != nil {
		return nil, err
	}
	ts := &TimeStamp{
		GenTime: info.GenTime,
		Policy:  oidString(info.Policy),
		Serial:  SerialHex(info.Serial),
	}
	if info.Nonce != nil {
		ts.Nonce = info.Nonce.Text(16)
	}
	newHash, name := imprintHash(info.ImprintAlg)
	ts.ImprintAlgorithm = name
	switch {
	case newHash == nil:
		ts.problem("imprint", fmt.Errorf("%w: imprint hash %s", ErrUnsupportedAlgorithm, name))
	case signed == nil:
		ts.problem("imprint", fmt.Errorf("%w: no signature value to compare the imprint with", ErrContentMismatch))
	default:
		h := newHash()
		h.Write(signed)
		if subtle.ConstantTimeCompare(h.Sum(nil), info.Imprint) == 1 {
			ts.ImprintVerified = true
		} else {
			ts.problem("imprint", fmt.Errorf("%w: the imprint is not the %s of the signature value", ErrDigestMismatch, name))
		}
	}
	leaf, pool, err := v.checkTokenSignature(ts, sd)
	if err != nil {
		ts.problem("signature", err)
		if leaf == nil {
			ts.problem("chain", fmt.Errorf("%w: no TSA certificate", ErrSignerNotFound))
			return ts, nil
		}
	} else {
		ts.SignatureVerified = true
	}
	if err := v.checkTokenChain(ts, leaf, pool); err != nil {
		ts.problem("chain", err)
	}
	return ts, nil
}

// checkTokenSignature verifies the token's single SignerInfo. It returns
// the TSA certificate when the token carries it (even when the signature
// fails) and the token's certificates.
func (v *Verifier) checkTokenSignature(ts *TimeStamp, sd *signedData) (*certEntry, []*certEntry, error) {
	pool := make([]*certEntry, 0, len(sd.Certs))
	for _, der := range sd.Certs {
		e, err := v.parseCert(der)
		if err != nil {
			return nil, nil, err
		}
		pool = append(pool, e)
	}
	if len(sd.Signers) != 1 {
		return nil, pool, malformed("a time-stamp token has %d signers, not one", len(sd.Signers))
	}
	si := &sd.Signers[0]
	leaf, err := v.findSigner(si, pool)
	if err != nil {
		return nil, pool, err
	}
	info := leaf.info
	ts.TSA = &info
	alg, err := resolveAlgorithm(si.DigestAlg, si.SigAlg, leaf)
	if err != nil {
		return leaf, pool, err
	}
	ts.Algorithm = alg.Name
	if si.SignedAttrs == nil {
		return leaf, pool, fmt.Errorf("%w: no signed attributes", ErrMissingAttribute)
	}
	if _, _, err := checkSignedAttributes(si, alg, sd.Content, leaf, derTSTInfo, false); err != nil {
		return leaf, pool, err
	}
	return leaf, pool, checkSignerSignature(alg, leaf, si.SignedAttrs, si.Signature)
}

// checkTokenChain checks the TSA certificate's EKU and its chain at the
// token's genTime.
func (v *Verifier) checkTokenChain(ts *TimeStamp, leaf *certEntry, pool []*certEntry) error {
	if !leaf.hasEKU(OIDTimeStamping) {
		return &CertificateError{Index: 0, Serial: leaf.serial, Subject: leaf.cn,
			Err: fmt.Errorf("%w: the TSA certificate lacks the time-stamping EKU", ErrKeyUsage)}
	}
	chain, err := v.buildChain(leaf, pool, ts.GenTime)
	if err != nil {
		return err
	}
	ts.ChainVerified = true
	ts.Chain = make([]CertificateInfo, len(chain))
	for i, e := range chain {
		ts.Chain[i] = e.info
	}
	return nil
}

// timeStamps reads and checks the time-stamp tokens among a signer's
// unsigned attributes (at most maxTimeStamps). Unsigned attributes are
// not signed: nothing here affects validity, and unreadable ones are
// reported as a time stamp with a problem only when they name a token.
func (v *Verifier) timeStamps(si *signerInfo) []TimeStamp {
	if si.UnsignedAttrs == nil {
		return nil
	}
	var out []TimeStamp
	in := cryptobyte.String(si.UnsignedAttrs)
	for !in.Empty() && len(out) < maxTimeStamps {
		var seq, values cryptobyte.String
		oid, ok := []byte(nil), false
		if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
			return out
		}
		if oid, ok = readOID(&seq); !ok || !bytes.Equal(oid, []byte(derTimeStampToken)) {
			continue
		}
		if !seq.ReadASN1(&values, cbasn1.SET) || !seq.Empty() {
			out = append(out, badToken(malformed("bad time-stamp token attribute")))
			continue
		}
		for !values.Empty() && len(out) < maxTimeStamps {
			var token cryptobyte.String
			var tag cbasn1.Tag
			if !values.ReadAnyASN1Element(&token, &tag) {
				out = append(out, badToken(malformed("bad time-stamp token attribute")))
				break
			}
			ts, err := v.CheckTimeStampToken(token, si.Signature)
			if err != nil {
				out = append(out, badToken(err))
				continue
			}
			out = append(out, *ts)
		}
	}
	return out
}

// badToken is the report of a token that cannot be read.
func badToken(err error) TimeStamp {
	ts := TimeStamp{}
	ts.problem("signature", err)
	return ts
}
