package signature

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/strongauth/strongauth/signature/gost"
)

// certEntry is a parsed certificate with what the verifier derives from it
// once. It is immutable after creation and shared between goroutines.
type certEntry struct {
	cert    *x509.Certificate
	hash    [32]byte        // SHA-256 of the DER
	gostKey *gost.PublicKey // the GOST public key, nil for other keys
	ekus    []string        // dotted EKU OIDs, known and unknown
	serial  string          // FormatSerial
	cn      string          // subject common name, for messages
	info    CertificateInfo // for results, rendered once
	id      *Identity       // identity under the verifier's profile
	idErr   error           // why the identity could not be read
	exts    map[string]bool // extension OIDs present
	rsaPrep rsaKey          // an RSA key's prepared modulus, made on first use
}

// newCertEntry parses der. The identity is read with profile.
func newCertEntry(der []byte, hash [32]byte, profile *Profile) (*certEntry, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, malformed("certificate: %v", err)
	}
	return entryFor(cert, hash, profile)
}

func entryFor(cert *x509.Certificate, hash [32]byte, profile *Profile) (*certEntry, error) {
	e := &certEntry{cert: cert, hash: hash, serial: FormatSerial(cert.SerialNumber), cn: cert.Subject.CommonName}
	if cert.PublicKeyAlgorithm == x509.UnknownPublicKeyAlgorithm {
		k, err := gost.PublicKeyFromCertificate(cert)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate public key: %w", ErrUnsupportedAlgorithm, err)
		}
		e.gostKey = k
	}
	for _, u := range cert.ExtKeyUsage {
		if oid, ok := extKeyUsageOID(u); ok {
			e.ekus = append(e.ekus, oid)
		}
	}
	for _, u := range cert.UnknownExtKeyUsage {
		e.ekus = append(e.ekus, u.String())
	}
	e.exts = make(map[string]bool, len(cert.Extensions))
	for _, x := range cert.Extensions {
		e.exts[x.Id.String()] = true
	}
	e.id, e.idErr = profile.identity(cert, e.ekus)
	e.info = certificateInfo(cert, hash)
	return e, nil
}

// CertificateInfoOf describes cert as results do (serial, names,
// validity, fingerprint).
func CertificateInfoOf(cert *x509.Certificate) CertificateInfo {
	return certificateInfo(cert, sha256.Sum256(cert.Raw))
}

func certificateInfo(cert *x509.Certificate, hash [32]byte) CertificateInfo {
	return CertificateInfo{
		Serial:    FormatSerial(cert.SerialNumber),
		Subject:   formatName(cert.Subject),
		Issuer:    formatName(cert.Issuer),
		NotBefore: cert.NotBefore.UTC(),
		NotAfter:  cert.NotAfter.UTC(),
		SHA256:    hex.EncodeToString(hash[:]),
	}
}

func (e *certEntry) hasEKU(oid string) bool {
	for _, u := range e.ekus {
		if u == oid {
			return true
		}
	}
	return false
}

// extKeyUsageOID maps crypto/x509's known extended key usages back to
// their OIDs.
func extKeyUsageOID(u x509.ExtKeyUsage) (string, bool) {
	switch u {
	case x509.ExtKeyUsageAny:
		return "2.5.29.37.0", true
	case x509.ExtKeyUsageServerAuth:
		return OIDServerAuth, true
	case x509.ExtKeyUsageClientAuth:
		return OIDClientAuth, true
	case x509.ExtKeyUsageCodeSigning:
		return "1.3.6.1.5.5.7.3.3", true
	case x509.ExtKeyUsageEmailProtection:
		return OIDEmailProtection, true
	case x509.ExtKeyUsageIPSECEndSystem:
		return "1.3.6.1.5.5.7.3.5", true
	case x509.ExtKeyUsageIPSECTunnel:
		return "1.3.6.1.5.5.7.3.6", true
	case x509.ExtKeyUsageIPSECUser:
		return "1.3.6.1.5.5.7.3.7", true
	case x509.ExtKeyUsageTimeStamping:
		return "1.3.6.1.5.5.7.3.8", true
	case x509.ExtKeyUsageOCSPSigning:
		return "1.3.6.1.5.5.7.3.9", true
	case x509.ExtKeyUsageMicrosoftServerGatedCrypto:
		return "1.3.6.1.4.1.311.10.3.3", true
	case x509.ExtKeyUsageNetscapeServerGatedCrypto:
		return "2.16.840.1.113730.4.1", true
	case x509.ExtKeyUsageMicrosoftCommercialCodeSigning:
		return "1.3.6.1.4.1.311.2.1.22", true
	case x509.ExtKeyUsageMicrosoftKernelCodeSigning:
		return "1.3.6.1.4.1.311.61.1.1", true
	}
	return "", false
}

// boundedCache is a concurrency-safe map with a size bound: when full, it
// drops about half of its entries (the map's iteration order picks them).
// That keeps memory bounded under an attacker who sends many distinct
// certificates, at the cost of some re-verification.
type boundedCache[K comparable, V any] struct {
	mu  sync.RWMutex
	m   map[K]V
	max int
}

func newBoundedCache[K comparable, V any](max int) *boundedCache[K, V] {
	return &boundedCache[K, V]{m: make(map[K]V), max: max}
}

func (c *boundedCache[K, V]) get(k K) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *boundedCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		evictHalf(c.m)
	}
	c.m[k] = v
}

// evictHalf drops about half of m's entries (the map's iteration order
// picks them).
func evictHalf[K comparable, V any](m map[K]V) {
	drop := len(m)/2 + 1
	for k := range m {
		delete(m, k)
		if drop--; drop == 0 {
			return
		}
	}
}

func (c *boundedCache[K, V]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// certCache maps certificate DER to parsed entries. It is keyed by the DER
// itself (a lookup m[string(der)] neither allocates nor hashes with
// SHA-256) and bounded like boundedCache.
type certCache struct {
	mu  sync.RWMutex
	m   map[string]*certEntry
	max int
}

func newCertCache(max int) *certCache { return &certCache{m: make(map[string]*certEntry), max: max} }

// parseCert returns the entry for a DER certificate, from the cache when the
// same bytes were seen before.
func (v *Verifier) parseCert(der []byte) (*certEntry, error) {
	c := v.certs
	c.mu.RLock()
	e, ok := c.m[string(der)]
	c.mu.RUnlock()
	if ok {
		return e, nil
	}
	// Copy the DER: the entry outlives the caller's buffer.
	e, err := newCertEntry(bytes.Clone(der), sha256.Sum256(der), v.profile)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		evictHalf(c.m)
	}
	c.m[string(e.cert.Raw)] = e
	return e, nil
}
