package revocation

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"sync"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OIDs of the CertID hash algorithms. SHA-256 is preferred, SHA-1 is the
// fallback for responders that know nothing else (RFC 6960 §4.1.1 and RFC
// 5019 still name SHA-1). A CertID is a name and key fingerprint plus an
// exact serial number, so SHA-1 here is not a signature weakness.
var (
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
)

// issuerInfo caches the fingerprints of one issuer certificate.
type issuerInfo struct {
	nameSHA256, keySHA256 [sha256.Size]byte
	nameSHA1, keySHA1     [sha1.Size]byte
	// id identifies the issuer (name and key) in CRL keys; ocspKey is the
	// issuer part of OCSP cache keys.
	id, ocspKey string
	// name is the issuer's subject, for statuses.
	name string
}

// newIssuerInfo computes the fingerprints: the hashes of the DER subject
// name and of the subjectPublicKey BIT STRING value (RFC 6960 §4.1.1).
func newIssuerInfo(issuer *x509.Certificate) (*issuerInfo, error) {
	key, err := subjectPublicKeyBits(issuer.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, err
	}
	ii := &issuerInfo{
		nameSHA256: sha256.Sum256(issuer.RawSubject),
		keySHA256:  sha256.Sum256(key),
		nameSHA1:   sha1.Sum(issuer.RawSubject),
		keySHA1:    sha1.Sum(key),
	}
	ii.id = hex.EncodeToString(ii.nameSHA256[:8]) + hex.EncodeToString(ii.keySHA256[:16])
	ii.ocspKey = hex.EncodeToString(ii.nameSHA256[:]) + ":" + hex.EncodeToString(ii.keySHA256[:]) + ":"
	ii.name = issuer.Subject.String()
	return ii, nil
}

// hashes returns the name and key hashes for a CertID hash algorithm.
func (ii *issuerInfo) hashes(h crypto.Hash) (name, key []byte) {
	if h == crypto.SHA1 {
		return ii.nameSHA1[:], ii.keySHA1[:]
	}
	return ii.nameSHA256[:], ii.keySHA256[:]
}

// subjectPublicKeyBits returns the subjectPublicKey BIT STRING value of a DER
// SubjectPublicKeyInfo.
func subjectPublicKeyBits(spki []byte) ([]byte, error) {
	input := cryptobyte.String(spki)
	var seq cryptobyte.String
	var bits asn1.BitString
	if !input.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.SkipASN1(cbasn1.SEQUENCE) ||
		!seq.ReadASN1BitString(&bits) || !seq.Empty() || bits.BitLength%8 != 0 {
		return nil, fmt.Errorf("%w: issuer public key", ErrInvalidInput)
	}
	return bits.Bytes, nil
}

// issuerCache memoises issuerInfo per issuer certificate. A verifier checks
// the same few CA certificates over and over; their fingerprints are
// computed once. It is bounded: past maxIssuers entries it starts afresh.
type issuerCache struct {
	mu sync.Mutex
	m  map[string]*issuerInfo // keyed by the issuer's DER
}

const maxIssuers = 1024

func (c *issuerCache) get(issuer *x509.Certificate) (*issuerInfo, error) {
	c.mu.Lock()
	ii, ok := c.m[string(issuer.Raw)]
	c.mu.Unlock()
	if ok {
		return ii, nil
	}
	ii, err := newIssuerInfo(issuer)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxIssuers {
		c.m = make(map[string]*issuerInfo)
	}
	c.m[string(issuer.Raw)] = ii
	c.mu.Unlock()
	return ii, nil
}

// validInteger reports whether b is the content of a minimally encoded DER
// INTEGER.
func validInteger(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if len(b) > 1 && ((b[0] == 0 && b[1]&0x80 == 0) || (b[0] == 0xff && b[1]&0x80 == 0x80)) {
		return false
	}
	return true
}
