package gost

import "errors"

// curveOps is what a Curve needs from its size-specific arithmetic.
type curveOps interface {
	// decodePoint validates X‖Y (each little-endian, coordinate size bytes)
	// and returns an opaque handle for verify.
	decodePoint(xyLE []byte) (any, error)
	// verify checks the GOST R 34.10 equation for a digest (little-endian,
	// exactly coordinate size bytes long) and (r, s), little-endian in the
	// first coordinate size bytes of their arrays (passed by value so that
	// nothing escapes to the heap).
	verify(pub any, digestLE []byte, rLE, sLE [64]byte) verifyResult
}

type verifyResult int

const (
	verifyFailed verifyResult = iota
	verifyOK
	verifyOutOfRange // r or s is 0 or ≥ q
)

var (
	errPointSize  = errors.New("coordinates have the wrong length")
	errPointRange = errors.New("coordinate not below the field prime")
	errPointCurve = errors.New("point is not on the curve")
	errPointOrder = errors.New("point is not in the subgroup of order q")
)

func (g *group[T]) decodePoint(xy []byte) (any, error) {
	var x, y T
	size := 8 * len(x)
	if len(xy) != 2*size {
		return nil, errPointSize
	}
	getLE(&x, xy[:size])
	getLE(&y, xy[size:])
	f := g.w.f
	if !f.inRange(&x) || !f.inRange(&y) {
		return nil, errPointRange
	}
	p := &affine[T]{}
	f.toInternal(&p.x, &x)
	f.toInternal(&p.y, &y)
	if !g.w.onCurve(p) {
		return nil, errPointCurve
	}
	if g.cofactor != 1 {
		var r jacobian[T]
		g.scalarMult(&r, &g.q, p)
		if !g.w.isInfinity(&r) {
			return nil, errPointOrder
		}
	}
	return p, nil
}

// verify implements GOST R 34.10-2012 §6.2 (identical to 34.10-2001):
//
//	0 < r, s < q;  e = α mod q (1 if 0);  v = e⁻¹;  z1 = s·v;  z2 = −r·v;
//	C = z1·G + z2·Q;  accept iff x_C mod q = r.
//
// The final comparison avoids a field inversion: x_C ≡ r (mod q) with
// x_C < p holds iff X = x·Z² for one of x = r, r+q, r+2q, … below p.
func (g *group[T]) verify(pub any, digest []byte, rb, sb [64]byte) verifyResult {
	p, ok := pub.(*affine[T])
	if !ok {
		return verifyFailed
	}
	var e, r, s T
	if len(digest) != 8*len(e) {
		return verifyFailed
	}
	getLE(&e, digest)
	getLE(&r, rb[:])
	getLE(&s, sb[:])
	if isZero(&r) || isZero(&s) || !less(&r, &g.q) || !less(&s, &g.q) {
		return verifyOutOfRange
	}
	fq := g.fq
	var em, v, z1, z2, negR T
	fq.toInternal(&em, &e) // Montgomery form of α mod q
	if isZero(&em) {
		em = fq.one // e = 1
	}
	fq.fromInternal(&e, &em) // plain e
	fq.invPlain(&v, &e)      // plain e⁻¹ (binary extended Euclid)
	fq.toInternal(&v, &v)    // its Montgomery form
	fq.mul(&z1, &s, &v)      // plain s·e⁻¹ (one Montgomery factor cancels)
	subBorrow(&negR, &g.q, &r)
	fq.mul(&z2, &negR, &v) // plain −r·e⁻¹

	var c jacobian[T]
	g.mulAdd(&c, &z1, &z2, p)
	if g.w.isInfinity(&c) {
		return verifyFailed
	}
	f := g.w.f
	var zz, xi, t T
	f.sqr(&zz, &c.z)
	x := r
	for f.inRange(&x) {
		f.toInternal(&xi, &x)
		f.mul(&t, &xi, &zz)
		if f.equal(&t, &c.x) {
			return verifyOK
		}
		if addCarry(&x, &x, &g.q) != 0 {
			break
		}
	}
	return verifyFailed
}
