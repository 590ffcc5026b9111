package revocation

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/signature"
)

// CRL and certificate extension identifiers (RFC 5280).
var (
	oidCRLNumber           = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidReasonCode          = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidHoldInstruction     = asn1.ObjectIdentifier{2, 5, 29, 23}
	oidInvalidityDate      = asn1.ObjectIdentifier{2, 5, 29, 24}
	oidDeltaCRLIndicator   = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidIssuingDistPoint    = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidCertificateIssuer   = asn1.ObjectIdentifier{2, 5, 29, 29}
	oidAuthorityKeyID      = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidFreshestCRL         = asn1.ObjectIdentifier{2, 5, 29, 46}
	oidExpiredCertsOnCRL   = asn1.ObjectIdentifier{2, 5, 29, 60}
	oidAuthorityInfoAccess = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
)

// reasonRemoveFromCRL is the CRLReason of a delta CRL entry that takes a
// certificate off hold.
const reasonRemoveFromCRL = 8

// CRL is a parsed certificate revocation list (RFC 5280 §5), indexed by
// serial number. ParseCRL checks its structure only: CheckSignatureFrom
// verifies it, and a Checker also checks its issuer, validity and scope.
// A CRL is immutable and safe for concurrent use.
type CRL struct {
	// Raw is the whole DER, TBS the signed tbsCertList; both are nil in a
	// CRL a Checker holds after verifying it (to save memory).
	Raw, TBS           []byte
	SignatureAlgorithm asn1.ObjectIdentifier
	Signature          []byte

	// Issuer is the DER Name of the issuer.
	Issuer     []byte
	ThisUpdate time.Time
	// NextUpdate is zero when absent (a Checker refuses such CRLs).
	NextUpdate time.Time
	// Number is the cRLNumber (nil when absent); DeltaBase the
	// BaseCRLNumber of a delta CRL (nil for a full CRL).
	Number    *big.Int
	DeltaBase *big.Int
	// AuthorityKeyID is the keyIdentifier of the authorityKeyIdentifier.
	AuthorityKeyID []byte
	// FreshestCRL lists the http(s) locations of delta CRLs.
	FreshestCRL []string
	// IssuingDistributionPoint is the parsed extension, nil when absent.
	IssuingDistributionPoint *IssuingDistributionPoint

	// Indirect reports entries naming another certificate issuer; this
	// package refuses to use such CRLs.
	Indirect bool

	entries map[string]crlEntry
}

// IssuingDistributionPoint is the scope of a CRL (RFC 5280 §5.2.5).
type IssuingDistributionPoint struct {
	URLs                       []string // http(s) names of the distribution point
	OnlyContainsUserCerts      bool
	OnlyContainsCACerts        bool
	OnlySomeReasons            bool
	IndirectCRL                bool
	OnlyContainsAttributeCerts bool
}

// crlEntry is one revoked certificate: 16 bytes per entry in the index.
type crlEntry struct {
	at     int64 // revocation time, Unix seconds
	reason int8  // CRLReason, -1 when absent
}

// RevokedEntry is a CRL entry.
type RevokedEntry struct {
	RevokedAt time.Time
	Reason    int // CRLReason; -1 when absent
}

// Len returns the number of entries.
func (c *CRL) Len() int { return len(c.entries) }

// Lookup reports whether serial is listed, and its entry.
func (c *CRL) Lookup(serial *big.Int) (RevokedEntry, bool) {
	if serial == nil {
		return RevokedEntry{}, false
	}
	return c.lookup(signature.SerialBytes(serial))
}

// lookup finds a serial given as DER INTEGER content octets. The map
// lookup with a converted key does not allocate.
func (c *CRL) lookup(serial []byte) (RevokedEntry, bool) {
	e, ok := c.entries[string(serial)]
	if !ok {
		return RevokedEntry{}, false
	}
	return RevokedEntry{RevokedAt: time.Unix(e.at, 0).UTC(), Reason: int(e.reason)}, true
}

// IsDelta reports a delta CRL.
func (c *CRL) IsDelta() bool { return c.DeltaBase != nil }

func crlMalformed(format string, args ...any) error {
	return fmt.Errorf("%w: CRL: "+format, append([]any{ErrMalformed}, args...)...)
}

// maxCRLEntries bounds the index (a 64 MiB CRL holds about 1.5 million
// entries at the minimal entry size).
const maxCRLEntries = 4 << 20

// ParseCRL parses a DER (or PEM "X509 CRL") certificate revocation list.
// It accepts the NCA's encoding, where the outer signature
// AlgorithmIdentifier has NULL parameters and the inner one none, by
// comparing the two OIDs (and refusing any other parameters). Unknown
// critical extensions are refused. It returns a non-nil CRL only with a nil
// error.
func ParseCRL(data []byte) (*CRL, error) {
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("-----BEGIN")) {
		block, _ := pem.Decode(data)
		if block == nil || block.Type != "X509 CRL" {
			return nil, crlMalformed("PEM block is not an X509 CRL")
		}
		data = block.Bytes
	}
	env, err := parseSignedEnvelope(data, false)
	if err != nil {
		return nil, err
	}
	c := &CRL{Raw: data, TBS: env.tbs, SignatureAlgorithm: env.sigAlg, Signature: env.sig}
	if err := c.parseTBS(env.tbs); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *CRL) parseTBS(der []byte) error {
	input := cryptobyte.String(der)
	var tbs cryptobyte.String
	if !input.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return crlMalformed("bad tbsCertList")
	}
	version := int64(0)
	if tbs.PeekASN1Tag(cbasn1.INTEGER) {
		if !tbs.ReadASN1Integer(&version) || version != 1 {
			return crlMalformed("unsupported version")
		}
	}
	inner, err := readAlgorithm(&tbs)
	if err != nil {
		return err
	}
	if !inner.Equal(c.SignatureAlgorithm) {
		return crlMalformed("inner signature algorithm %v differs from outer %v", inner, c.SignatureAlgorithm)
	}
	var issuer cryptobyte.String
	if !tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) {
		return crlMalformed("bad issuer")
	}
	c.Issuer = issuer
	if c.ThisUpdate, err = readTime(&tbs); err != nil {
		return crlMalformed("bad thisUpdate")
	}
	if tbs.PeekASN1Tag(cbasn1.UTCTime) || tbs.PeekASN1Tag(cbasn1.GeneralizedTime) {
		if c.NextUpdate, err = readTime(&tbs); err != nil {
			return crlMalformed("bad nextUpdate")
		}
	}
	if tbs.PeekASN1Tag(cbasn1.SEQUENCE) {
		var revoked cryptobyte.String
		if !tbs.ReadASN1(&revoked, cbasn1.SEQUENCE) {
			return crlMalformed("bad revokedCertificates")
		}
		if err := c.parseEntries(revoked); err != nil {
			return err
		}
	} else {
		c.entries = map[string]crlEntry{}
	}
	var exts cryptobyte.String
	var present bool
	if !tbs.ReadOptionalASN1(&exts, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) || !tbs.Empty() {
		return crlMalformed("trailing data in tbsCertList")
	}
	if present {
		if version != 1 {
			return crlMalformed("extensions in a v1 CRL")
		}
		if err := readExtensions(exts, c.crlExtension); err != nil {
			return err
		}
	}
	return nil
}

func (c *CRL) crlExtension(oid asn1.ObjectIdentifier, critical bool, value []byte) error {
	v := cryptobyte.String(value)
	switch {
	case oid.Equal(oidCRLNumber):
		c.Number = new(big.Int)
		if !v.ReadASN1Integer(c.Number) || !v.Empty() || c.Number.Sign() < 0 {
			return crlMalformed("bad cRLNumber")
		}
	case oid.Equal(oidDeltaCRLIndicator):
		c.DeltaBase = new(big.Int)
		if !v.ReadASN1Integer(c.DeltaBase) || !v.Empty() || c.DeltaBase.Sign() < 0 {
			return crlMalformed("bad deltaCRLIndicator")
		}
	case oid.Equal(oidAuthorityKeyID):
		var aki, kid cryptobyte.String
		var present bool
		if !v.ReadASN1(&aki, cbasn1.SEQUENCE) || !v.Empty() ||
			!aki.ReadOptionalASN1(&kid, &present, cbasn1.Tag(0).ContextSpecific()) {
			return crlMalformed("bad authorityKeyIdentifier")
		}
		c.AuthorityKeyID = kid
	case oid.Equal(oidFreshestCRL):
		urls, err := distributionPointURLs(value)
		if err != nil {
			return err
		}
		c.FreshestCRL = urls
	case oid.Equal(oidIssuingDistPoint):
		idp, err := parseIDP(value)
		if err != nil {
			return err
		}
		c.IssuingDistributionPoint = idp
	case oid.Equal(oidExpiredCertsOnCRL), oid.Equal(oidAuthorityInfoAccess):
	default:
		if critical {
			return crlMalformed("unknown critical extension %v", oid)
		}
	}
	return nil
}

// Raw content octets of the entry extensions' OIDs, compared without
// decoding them (a million-entry CRL has a million of these).
const (
	rawReasonCode        = "\x55\x1d\x15"
	rawHoldInstruction   = "\x55\x1d\x17"
	rawInvalidityDate    = "\x55\x1d\x18"
	rawCertificateIssuer = "\x55\x1d\x1d"
)

// parseEntries builds the serial index. A first pass counts the entries
// and their serial octets, so that everything is allocated once at its
// final size: the serial keys are substrings of one arena string, and the
// map is made for the final count.
func (c *CRL) parseEntries(list cryptobyte.String) error {
	n, size := 0, 0
	for scan := list; !scan.Empty(); n++ {
		var entry, serial cryptobyte.String
		if n == maxCRLEntries {
			return crlMalformed("more than %d entries", maxCRLEntries)
		}
		if !scan.ReadASN1(&entry, cbasn1.SEQUENCE) || !entry.ReadASN1(&serial, cbasn1.INTEGER) || !validInteger(serial) {
			return crlMalformed("bad entry")
		}
		size += len(serial)
	}
	var arena strings.Builder
	arena.Grow(size)
	entries := make([]crlEntry, 0, n)
	for scan := list; !scan.Empty(); {
		var entry, serial cryptobyte.String
		scan.ReadASN1(&entry, cbasn1.SEQUENCE) // checked by the first pass
		entry.ReadASN1(&serial, cbasn1.INTEGER)
		at, err := readEntryTime(&entry)
		if err != nil {
			return crlMalformed("bad revocationDate")
		}
		e := crlEntry{at: at, reason: -1}
		if !entry.Empty() {
			var exts cryptobyte.String
			if !entry.ReadASN1(&exts, cbasn1.SEQUENCE) || !entry.Empty() {
				return crlMalformed("bad entry extensions")
			}
			if err := c.entryExtensions(exts, &e); err != nil {
				return err
			}
		}
		entries = append(entries, e)
		arena.Write(serial)
	}
	// One map operation per entry; only if the count shows duplicates is
	// the index rebuilt with the rule that a duplicate never turns a
	// revocation into a removal.
	keys := arena.String()
	c.entries = make(map[string]crlEntry, n)
	index := func(insert func(k string, e crlEntry)) {
		off := 0
		for i, scan := 0, list; !scan.Empty(); i++ {
			var entry, serial cryptobyte.String
			scan.ReadASN1(&entry, cbasn1.SEQUENCE)
			entry.ReadASN1(&serial, cbasn1.INTEGER)
			insert(keys[off:off+len(serial)], entries[i])
			off += len(serial)
		}
	}
	index(func(k string, e crlEntry) { c.entries[k] = e })
	if len(c.entries) != n {
		clear(c.entries)
		index(func(k string, e crlEntry) {
			if old, dup := c.entries[k]; !dup || old.reason == reasonRemoveFromCRL {
				c.entries[k] = e
			}
		})
	}
	return nil
}

// readEntryTime reads a CRL entry's revocationDate as Unix seconds. The DER
// UTCTime "YYMMDDHHMMSSZ" that CAs write is read directly (years 1950–2049,
// RFC 5280 §4.1.2.5.1); any other form goes through readTime.
func readEntryTime(s *cryptobyte.String) (int64, error) {
	b := []byte(*s)
	if len(b) >= 15 && b[0] == byte(cbasn1.UTCTime) && b[1] == 13 && b[14] == 'Z' {
		var d [6]int
		ok := true
		for i := range d {
			hi, lo := b[2+2*i]-'0', b[3+2*i]-'0'
			ok = ok && hi <= 9 && lo <= 9
			d[i] = int(hi)*10 + int(lo)
		}
		year := 1900 + d[0]
		if d[0] < 50 {
			year = 2000 + d[0]
		}
		t := time.Date(year, time.Month(d[1]), d[2], d[3], d[4], d[5], 0, time.UTC)
		if ok && d[1] >= 1 && d[1] <= 12 && t.Day() == d[2] && d[3] < 24 && d[4] < 60 && d[5] < 60 {
			*s = (*s)[15:]
			return t.Unix(), nil
		}
	}
	t, err := readTime(s)
	return t.Unix(), err
}

// entryExtensions reads a CRL entry's extensions into e.
func (c *CRL) entryExtensions(list cryptobyte.String, e *crlEntry) error {
	for !list.Empty() {
		var ext, oid, value cryptobyte.String
		critical := false
		if !list.ReadASN1(&ext, cbasn1.SEQUENCE) {
			return fmt.Errorf("%w: bad extension", ErrMalformed)
		}
		full := ext
		if !ext.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) ||
			(ext.PeekASN1Tag(cbasn1.BOOLEAN) && !ext.ReadASN1Boolean(&critical)) ||
			!ext.ReadASN1(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
			return fmt.Errorf("%w: bad extension", ErrMalformed)
		}
		switch string(oid) {
		case rawReasonCode:
			var r int
			if !value.ReadASN1Enum(&r) || !value.Empty() || r < 0 || r > 10 || r == 7 {
				return crlMalformed("bad reasonCode")
			}
			e.reason = int8(r)
		case rawCertificateIssuer:
			c.Indirect = true
		case rawInvalidityDate, rawHoldInstruction:
		default:
			var id asn1.ObjectIdentifier
			if !full.ReadASN1ObjectIdentifier(&id) {
				return fmt.Errorf("%w: bad extension", ErrMalformed)
			}
			if critical {
				return crlMalformed("unknown critical entry extension %v", id)
			}
		}
	}
	return nil
}

// readTime reads an X.509 Time (UTCTime or GeneralizedTime).
func readTime(s *cryptobyte.String) (time.Time, error) {
	var t time.Time
	switch {
	case s.PeekASN1Tag(cbasn1.UTCTime):
		if s.ReadASN1UTCTime(&t) {
			return t, nil
		}
	case s.PeekASN1Tag(cbasn1.GeneralizedTime):
		if s.ReadASN1GeneralizedTime(&t) {
			return t, nil
		}
	}
	return t, fmt.Errorf("%w: bad time", ErrMalformed)
}

// parseIDP parses an IssuingDistributionPoint extension value.
func parseIDP(value []byte) (*IssuingDistributionPoint, error) {
	v := cryptobyte.String(value)
	var seq cryptobyte.String
	if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !v.Empty() {
		return nil, crlMalformed("bad issuingDistributionPoint")
	}
	idp := &IssuingDistributionPoint{}
	var dp cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&dp, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, crlMalformed("bad issuingDistributionPoint name")
	}
	if present {
		urls, err := distributionPointNameURLs(dp)
		if err != nil {
			return nil, err
		}
		idp.URLs = urls
	}
	flags := []struct {
		tag uint8
		p   *bool
	}{{1, &idp.OnlyContainsUserCerts}, {2, &idp.OnlyContainsCACerts}}
	for _, f := range flags {
		if !readImplicitBool(&seq, f.tag, f.p) {
			return nil, crlMalformed("bad issuingDistributionPoint flag")
		}
	}
	var reasons cryptobyte.String
	if !seq.ReadOptionalASN1(&reasons, &idp.OnlySomeReasons, cbasn1.Tag(3).ContextSpecific()) {
		return nil, crlMalformed("bad onlySomeReasons")
	}
	if !readImplicitBool(&seq, 4, &idp.IndirectCRL) || !readImplicitBool(&seq, 5, &idp.OnlyContainsAttributeCerts) || !seq.Empty() {
		return nil, crlMalformed("bad issuingDistributionPoint")
	}
	return idp, nil
}

// readImplicitBool reads an optional [tag] IMPLICIT BOOLEAN DEFAULT FALSE.
func readImplicitBool(s *cryptobyte.String, tag uint8, out *bool) bool {
	var v cryptobyte.String
	var present bool
	if !s.ReadOptionalASN1(&v, &present, cbasn1.Tag(tag).ContextSpecific()) {
		return false
	}
	if !present {
		return true
	}
	if len(v) != 1 || (v[0] != 0 && v[0] != 0xff) {
		return false
	}
	*out = v[0] == 0xff
	return true
}

// distributionPointURLs returns the http(s) URIs of the fullNames of a
// CRLDistributionPoints / FreshestCRL extension value.
func distributionPointURLs(value []byte) ([]string, error) {
	v := cryptobyte.String(value)
	var seq cryptobyte.String
	if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !v.Empty() {
		return nil, crlMalformed("bad distribution points")
	}
	var out []string
	for !seq.Empty() {
		var dp, name cryptobyte.String
		var present bool
		if !seq.ReadASN1(&dp, cbasn1.SEQUENCE) ||
			!dp.ReadOptionalASN1(&name, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
			return nil, crlMalformed("bad distribution point")
		}
		// reasons [1] and cRLIssuer [2] are not interpreted.
		if present {
			urls, err := distributionPointNameURLs(name)
			if err != nil {
				return nil, err
			}
			out = append(out, urls...)
		}
	}
	return out, nil
}

// distributionPointNameURLs reads the content of a DistributionPointName
// and returns the http(s) URIs of its fullName (a nameRelativeToCRLIssuer
// yields none).
func distributionPointNameURLs(dpn cryptobyte.String) ([]string, error) {
	var names cryptobyte.String
	var tag cbasn1.Tag
	if !dpn.ReadAnyASN1(&names, &tag) || !dpn.Empty() {
		return nil, crlMalformed("bad distribution point name")
	}
	if tag != cbasn1.Tag(0).Constructed().ContextSpecific() {
		return nil, nil
	}
	var out []string
	for !names.Empty() {
		var gn cryptobyte.String
		var gtag cbasn1.Tag
		if !names.ReadAnyASN1(&gn, &gtag) {
			return nil, crlMalformed("bad GeneralName")
		}
		if gtag == cbasn1.Tag(6).ContextSpecific() && httpURL(string(gn)) {
			out = append(out, string(gn))
		}
	}
	return out, nil
}

// freshestCRLURLs returns the delta CRL locations of a certificate.
func freshestCRLURLs(cert *x509.Certificate) []string {
	for _, e := range cert.Extensions {
		if e.Id.Equal(oidFreshestCRL) {
			urls, err := distributionPointURLs(e.Value)
			if err != nil {
				return nil
			}
			return urls
		}
	}
	return nil
}

// CheckSignatureFrom verifies that issuer signed the CRL: issuer name,
// keyUsage cRLSign when the issuer has a keyUsage, and the signature (RSA,
// ECDSA, Ed25519 or GOST).
func (c *CRL) CheckSignatureFrom(issuer *x509.Certificate) error {
	if issuer == nil {
		return fmt.Errorf("%w: nil issuer", ErrInvalidInput)
	}
	if !bytes.Equal(c.Issuer, issuer.RawSubject) {
		return fmt.Errorf("%w: CRL issuer name differs from the certificate's issuer", ErrNotAuthorized)
	}
	if issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return fmt.Errorf("%w: issuer lacks keyUsage cRLSign", ErrNotAuthorized)
	}
	if c.TBS == nil {
		return fmt.Errorf("%w: CRL no longer holds its signed bytes", ErrInvalidInput)
	}
	return checkSignature(issuer, c.SignatureAlgorithm, c.TBS, c.Signature)
}
