package gost

import (
	"encoding/asn1"
	"hash"
	"strconv"
	"strings"
	"sync"
)

// Object identifiers, as dotted strings (constants cannot be slices). Use
// OID to turn one into an asn1.ObjectIdentifier. The table in doc.go lists
// which algorithm each one names.
const (
	// Kazakhstan, arc 1.2.398.3.10 (NCA).
	OIDKZPublicKey2004      = "1.2.398.3.10.1.1.1.1"   // GOST 34.310-2004 key
	OIDKZCurve2004          = "1.2.398.3.10.1.1.1.1.1" // its curve (= CryptoPro-A)
	OIDKZSignature2004      = "1.2.398.3.10.1.1.1.2"   // GOST 34.311-95 + GOST 34.310-2004
	OIDKZPublicKey2015256   = "1.2.398.3.10.1.1.2.1"   // GOST 34.10-2015 256-bit key
	OIDKZPublicKey2015512   = "1.2.398.3.10.1.1.2.2"   // GOST 34.10-2015 512-bit key
	OIDKZCurve2015512       = "1.2.398.3.10.1.1.2.2.1" // its curve (= TC26 512 paramSetA)
	OIDKZSignature2015256   = "1.2.398.3.10.1.1.2.3.1" // Streebog-256 + GOST 34.10-2015 256
	OIDKZSignature2015512   = "1.2.398.3.10.1.1.2.3.2" // Streebog-512 + GOST 34.10-2015 512
	OIDKZDigest34311        = "1.2.398.3.10.1.3.1"     // GOST 34.311-95
	OIDKZDigest34311Params  = "1.2.398.3.10.1.3.1.1.0" // its parameter set (test S-boxes)
	OIDKZDigestStreebog256  = "1.2.398.3.10.1.3.2"     // GOST 34.11-2015 256
	OIDKZDigestStreebog512  = "1.2.398.3.10.1.3.3"     // GOST 34.11-2015 512
	OIDRUPublicKey2001      = "1.2.643.2.2.19"         // id-GostR3410-2001
	OIDRUSignature2001      = "1.2.643.2.2.3"          // id-GostR3411-94-with-GostR3410-2001
	OIDRUDigest341194       = "1.2.643.2.2.9"          // id-GostR3411-94
	OIDRUDigest341194Params = "1.2.643.2.2.30.1"       // id-GostR3411-94-CryptoProParamSet
	OIDRUCurveCryptoProA    = "1.2.643.2.2.35.1"       // id-GostR3410-2001-CryptoPro-A-ParamSet
	OIDRUCurveCryptoProXchA = "1.2.643.2.2.36.0"       // id-GostR3410-2001-CryptoPro-XchA-ParamSet (= A)
	OIDRUPublicKey2012256   = "1.2.643.7.1.1.1.1"      // id-tc26-gost3410-12-256
	OIDRUPublicKey2012512   = "1.2.643.7.1.1.1.2"      // id-tc26-gost3410-12-512
	OIDRUDigestStreebog256  = "1.2.643.7.1.1.2.2"      // id-tc26-gost3411-12-256
	OIDRUDigestStreebog512  = "1.2.643.7.1.1.2.3"      // id-tc26-gost3411-12-512
	OIDRUSignature2012256   = "1.2.643.7.1.1.3.2"      // id-tc26-signwithdigest-gost3410-12-256
	OIDRUSignature2012512   = "1.2.643.7.1.1.3.3"      // id-tc26-signwithdigest-gost3410-12-512
	OIDRUCurveTC26256A      = "1.2.643.7.1.2.1.1.1"    // id-tc26-gost-3410-2012-256-paramSetA
	OIDRUCurveTC26512A      = "1.2.643.7.1.2.1.2.1"    // id-tc26-gost-3410-12-512-paramSetA
)

// OID parses a dotted object identifier such as OIDKZSignature2015512. It
// returns nil for anything that is not a well-formed OID (which every
// function of this package then rejects as unsupported).
func OID(dotted string) asn1.ObjectIdentifier {
	parts := strings.Split(dotted, ".")
	if len(parts) < 2 {
		return nil
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		if p == "" || len(p) > 9 || (len(p) > 1 && p[0] == '0') {
			return nil
		}
		v := 0
		for _, ch := range []byte(p) {
			if ch < '0' || ch > '9' {
				return nil
			}
			v = 10*v + int(ch-'0')
		}
		oid[i] = v
	}
	return oid
}

// SigLayout says how r and s are laid out in a signature value. There is no
// default: the zero value is invalid and every verification with it fails.
type SigLayout int

const (
	// LayoutNCA is the layout of the Kazakh NCA (certificates, CRLs, OCSP,
	// CMS, TSP): the byte reversal of the RFC 4491 layout, i.e. r then s,
	// each little-endian.
	LayoutNCA SigLayout = 1
	// LayoutRFC4491 is the layout of RFC 4491 and RFC 9215: s then r, each
	// big-endian.
	LayoutRFC4491 SigLayout = 2
)

func (l SigLayout) String() string {
	switch l {
	case LayoutNCA:
		return "NCA (r‖s little-endian)"
	case LayoutRFC4491:
		return "RFC 4491 (s‖r big-endian)"
	}
	return "invalid layout " + strconv.Itoa(int(l))
}

// Algorithm describes one GOST signature algorithm: the hash, the key size
// and the byte layout that go with a signature OID.
type Algorithm struct {
	Name         string
	SignatureOID asn1.ObjectIdentifier // signature algorithm (signatureAlgorithm of X.509, CRL, OCSP)
	DigestOID    asn1.ObjectIdentifier // the digest it signs
	PublicKeyOID asn1.ObjectIdentifier // the SubjectPublicKeyInfo algorithm of its keys
	NewHash      func() hash.Hash
	Layout       SigLayout
	KeyBitSize   int  // 256 or 512: curve size of the key
	Kazakh       bool // an OID of the Kazakh arc 1.2.398
}

// publicKeyAlg describes which curves a SubjectPublicKeyInfo algorithm OID
// admits.
type publicKeyAlg struct {
	bitSize int
	curves  map[string]func() *Curve // curve parameter OID → curve
}

// registry is built once from the constants above.
type registry struct {
	signatures map[string]Algorithm // by signature OID
	digests    map[string]func() hash.Hash
	// cmsAliases maps a public-key OID used as a CMS signatureAlgorithm
	// (common in CMS produced by GOST tools) to the signature OID.
	cmsAliases   map[string]string
	publicKeys   map[string]publicKeyAlg
	digestParams map[string]bool // digest parameter OIDs tolerated in key parameters
}

var registryOnce = sync.OnceValue(func() *registry {
	r := &registry{
		signatures: map[string]Algorithm{},
		digests: map[string]func() hash.Hash{
			OIDKZDigest34311:       New34311,
			OIDKZDigestStreebog256: New256,
			OIDKZDigestStreebog512: New512,
			OIDRUDigest341194:      New341194CryptoPro,
			OIDRUDigestStreebog256: New256,
			OIDRUDigestStreebog512: New512,
		},
		cmsAliases: map[string]string{
			OIDKZPublicKey2004:    OIDKZSignature2004,
			OIDKZPublicKey2015256: OIDKZSignature2015256,
			OIDKZPublicKey2015512: OIDKZSignature2015512,
			OIDRUPublicKey2001:    OIDRUSignature2001,
			OIDRUPublicKey2012256: OIDRUSignature2012256,
			OIDRUPublicKey2012512: OIDRUSignature2012512,
		},
		digestParams: map[string]bool{
			OIDKZDigest34311: true, OIDKZDigest34311Params: true,
			OIDKZDigestStreebog256: true, OIDKZDigestStreebog512: true,
			OIDRUDigest341194Params: true, OIDRUDigestStreebog256: true, OIDRUDigestStreebog512: true,
		},
	}
	curves256 := map[string]func() *Curve{
		OIDKZCurve2004:          CurveCryptoProA,
		OIDRUCurveCryptoProA:    CurveCryptoProA,
		OIDRUCurveCryptoProXchA: CurveCryptoProA,
		OIDRUCurveTC26256A:      CurveTC26256A,
	}
	curves2001 := map[string]func() *Curve{
		OIDKZCurve2004:          CurveCryptoProA,
		OIDRUCurveCryptoProA:    CurveCryptoProA,
		OIDRUCurveCryptoProXchA: CurveCryptoProA,
	}
	curves512 := map[string]func() *Curve{
		OIDKZCurve2015512:  CurveTC26512A,
		OIDRUCurveTC26512A: CurveTC26512A,
	}
	r.publicKeys = map[string]publicKeyAlg{
		OIDKZPublicKey2004:    {256, curves2001},
		OIDKZPublicKey2015256: {256, curves256},
		OIDKZPublicKey2015512: {512, curves512},
		OIDRUPublicKey2001:    {256, curves2001},
		OIDRUPublicKey2012256: {256, curves256},
		OIDRUPublicKey2012512: {512, curves512},
	}
	for _, a := range []struct {
		name             string
		sig, digest, key string
		newHash          func() hash.Hash
		layout           SigLayout
		bits             int
		kazakh           bool
	}{
		{"GOST 34.310-2004 (KZ)", OIDKZSignature2004, OIDKZDigest34311, OIDKZPublicKey2004, New34311, LayoutNCA, 256, true},
		{"GOST 34.10-2015 256 (KZ)", OIDKZSignature2015256, OIDKZDigestStreebog256, OIDKZPublicKey2015256, New256, LayoutNCA, 256, true},
		{"GOST 34.10-2015 512 (KZ)", OIDKZSignature2015512, OIDKZDigestStreebog512, OIDKZPublicKey2015512, New512, LayoutNCA, 512, true},
		{"GOST R 34.10-2001", OIDRUSignature2001, OIDRUDigest341194, OIDRUPublicKey2001, New341194CryptoPro, LayoutRFC4491, 256, false},
		{"GOST R 34.10-2012 256", OIDRUSignature2012256, OIDRUDigestStreebog256, OIDRUPublicKey2012256, New256, LayoutRFC4491, 256, false},
		{"GOST R 34.10-2012 512", OIDRUSignature2012512, OIDRUDigestStreebog512, OIDRUPublicKey2012512, New512, LayoutRFC4491, 512, false},
	} {
		r.signatures[a.sig] = Algorithm{
			Name: a.name, SignatureOID: OID(a.sig), DigestOID: OID(a.digest), PublicKeyOID: OID(a.key),
			NewHash: a.newHash, Layout: a.layout, KeyBitSize: a.bits, Kazakh: a.kazakh,
		}
	}
	return r
})

// copyAlgorithm returns a copy the caller may modify.
func copyAlgorithm(a Algorithm) *Algorithm {
	c := a
	c.SignatureOID = append(asn1.ObjectIdentifier(nil), a.SignatureOID...)
	c.DigestOID = append(asn1.ObjectIdentifier(nil), a.DigestOID...)
	c.PublicKeyOID = append(asn1.ObjectIdentifier(nil), a.PublicKeyOID...)
	return &c
}

// SignatureAlgorithmByOID returns the GOST signature algorithm named by a
// signature OID, Kazakh or Russian. The result is a fresh copy.
func SignatureAlgorithmByOID(oid asn1.ObjectIdentifier) (*Algorithm, bool) {
	a, ok := registryOnce().signatures[oid.String()]
	if !ok {
		return nil, false
	}
	return copyAlgorithm(a), true
}

// Algorithms returns all supported signature algorithms (fresh copies).
func Algorithms() []*Algorithm {
	reg := registryOnce()
	out := make([]*Algorithm, 0, len(reg.signatures))
	for _, oid := range []string{OIDKZSignature2004, OIDKZSignature2015256, OIDKZSignature2015512,
		OIDRUSignature2001, OIDRUSignature2012256, OIDRUSignature2012512} {
		out = append(out, copyAlgorithm(reg.signatures[oid]))
	}
	return out
}

// DigestByOID returns the constructor of the GOST hash named by a digest OID,
// Kazakh or Russian. 1.2.398.3.10.1.3.1 (GOST 34.311-95) uses the test
// parameter set; 1.2.643.2.2.9 (GOST R 34.11-94) the CryptoPro one.
func DigestByOID(oid asn1.ObjectIdentifier) (func() hash.Hash, bool) {
	h, ok := registryOnce().digests[oid.String()]
	return h, ok
}

// IsGOSTSignatureOID reports whether oid is a GOST signature algorithm this
// package verifies.
func IsGOSTSignatureOID(oid asn1.ObjectIdentifier) bool {
	_, ok := registryOnce().signatures[oid.String()]
	return ok
}

// IsGOSTPublicKeyOID reports whether oid is a GOST SubjectPublicKeyInfo
// algorithm this package parses.
func IsGOSTPublicKeyOID(oid asn1.ObjectIdentifier) bool {
	_, ok := registryOnce().publicKeys[oid.String()]
	return ok
}
