package gost

import (
	"encoding/asn1"
	"math/big"
	"sync"
)

// Curve is an elliptic curve of GOST R 34.10 (short Weierstrass form) with a
// base point of prime order q. Curves are immutable; the three named curves
// are built once, on first use.
type Curve struct {
	name     string
	bitSize  int // size of the coordinates, the digest and r, s: 256 or 512
	oid      asn1.ObjectIdentifier
	kzOID    asn1.ObjectIdentifier // nil when Kazakhstan has no OID for it
	p, a, b  *big.Int
	q, gx    *big.Int
	gy       *big.Int
	cofactor int64
	ops      curveOps
}

// CurveParams are the domain parameters of a Curve, as fresh copies.
type CurveParams struct {
	Name     string
	BitSize  int
	P        *big.Int // field prime
	A, B     *big.Int // y² = x³ + A·x + B
	Q        *big.Int // order of the base point
	Gx, Gy   *big.Int // base point
	Cofactor int64    // #E / Q
}

// Name returns the curve's conventional name, e.g. "id-tc26-gost-3410-12-512-paramSetA".
func (c *Curve) Name() string { return c.name }

// BitSize is 256 or 512: the size of coordinates, digests and r, s.
func (c *Curve) BitSize() int { return c.bitSize }

// Size is BitSize/8: the byte length of one coordinate, of the digest, and of
// each of r and s.
func (c *Curve) Size() int { return c.bitSize / 8 }

// OID returns the curve's parameter-set object identifier (the Russian one,
// 1.2.643…).
func (c *Curve) OID() asn1.ObjectIdentifier { return append(asn1.ObjectIdentifier(nil), c.oid...) }

// KazakhOID returns the parameter-set OID of the Kazakh arc 1.2.398.3.10, or
// nil when the curve has none.
func (c *Curve) KazakhOID() asn1.ObjectIdentifier {
	if c.kzOID == nil {
		return nil
	}
	return append(asn1.ObjectIdentifier(nil), c.kzOID...)
}

// Params returns copies of the domain parameters.
func (c *Curve) Params() *CurveParams {
	cp := func(x *big.Int) *big.Int { return new(big.Int).Set(x) }
	return &CurveParams{
		Name: c.name, BitSize: c.bitSize,
		P: cp(c.p), A: cp(c.a), B: cp(c.b), Q: cp(c.q), Gx: cp(c.gx), Gy: cp(c.gy),
		Cofactor: c.cofactor,
	}
}

// String returns the curve name.
func (c *Curve) String() string { return c.name }

// curveDef holds domain parameters as big-endian hex, as printed in the RFCs.
type curveDef struct {
	name               string
	oid, kzOID         asn1.ObjectIdentifier
	p, a, b, q, gx, gy string
	cofactor           int64
}

func hexInt(s string) *big.Int { return new(big.Int).SetBytes(unhex(s)) }

// newCurve builds a curve from its definition; bitSize is 256 or 512.
func newCurve(d curveDef, bitSize int) *Curve {
	c := &Curve{
		name: d.name, bitSize: bitSize, oid: d.oid, kzOID: d.kzOID,
		p: hexInt(d.p), a: hexInt(d.a), b: hexInt(d.b),
		q: hexInt(d.q), gx: hexInt(d.gx), gy: hexInt(d.gy),
		cofactor: d.cofactor,
	}
	if bitSize == 512 {
		c.ops = newGroup[[8]uint64](c.p, c.a, c.b, c.q, c.gx, c.gy, uint64(d.cofactor))
	} else {
		c.ops = newGroup[[4]uint64](c.p, c.a, c.b, c.q, c.gx, c.gy, uint64(d.cofactor))
	}
	return c
}

// Domain parameters. Sources: RFC 7836 Appendix A.1 (TC26 512 A), A.2 (TC26
// 256 A, given there in canonical Weierstrass form too), RFC 4357 §11.4
// (CryptoPro-A).
var (
	curveTC26512A = sync.OnceValue(func() *Curve {
		return newCurve(curveDef{
			name:     "id-tc26-gost-3410-12-512-paramSetA",
			oid:      OID(OIDRUCurveTC26512A),
			kzOID:    OID(OIDKZCurve2015512),
			p:        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
			a:        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4",
			b:        "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
			q:        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
			gx:       "03",
			gy:       "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4",
			cofactor: 1,
		}, 512)
	})
	curveTC26256A = sync.OnceValue(func() *Curve {
		return newCurve(curveDef{
			name:     "id-tc26-gost-3410-2012-256-paramSetA",
			oid:      OID(OIDRUCurveTC26256A),
			p:        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
			a:        "C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335",
			b:        "295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513",
			q:        "400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67",
			gx:       "91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28",
			gy:       "32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C",
			cofactor: 4,
		}, 256)
	})
	curveCryptoProA = sync.OnceValue(func() *Curve {
		return newCurve(curveDef{
			name:     "id-GostR3410-2001-CryptoPro-A-ParamSet",
			oid:      OID(OIDRUCurveCryptoProA),
			kzOID:    OID(OIDKZCurve2004),
			p:        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
			a:        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
			b:        "A6",
			q:        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
			gx:       "01",
			gy:       "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14",
			cofactor: 1,
		}, 256)
	})
)

// CurveTC26512A returns GOST R 34.10-2012 id-tc26-gost-3410-12-512-paramSetA
// (RFC 7836), the curve of Kazakh GOST 34.10-2015 512-bit keys.
func CurveTC26512A() *Curve { return curveTC26512A() }

// CurveTC26256A returns id-tc26-gost-3410-2012-256-paramSetA (RFC 7836), a
// twisted Edwards curve used here in its Weierstrass form (cofactor 4).
func CurveTC26256A() *Curve { return curveTC26256A() }

// CurveCryptoProA returns id-GostR3410-2001-CryptoPro-A-ParamSet (RFC 4357),
// the curve of Kazakh GOST 34.310-2004 keys.
func CurveCryptoProA() *Curve { return curveCryptoProA() }
