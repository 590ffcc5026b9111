package gost

import (
	"errors"
	"sync/atomic"
)

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
	// precompute builds the key's cached tables now (see keyPoint).
	precompute(pub any)
}

// keyPoint is a validated public key point with its cached precomputation.
// The first verification with a key multiplies without tables; the second
// builds them (once, keyTableBytes of memory, kept as long as the key) and
// every later one uses them. Keys of a curve with a cofactor get theirs when
// parsed (decodePoint). Concurrent verifications never wait for the build:
// while one goroutine builds, the others go on without tables.
type keyPoint[T limbs] struct {
	p        affine[T]
	uses     atomic.Uint32
	building atomic.Bool
	table    atomic.Pointer[keyTable[T]]
}

// keyTable returns the cached table, building it when this is not the first
// use; nil means "multiply without".
func (g *group[T]) keyTable(k *keyPoint[T]) *keyTable[T] {
	if t := k.table.Load(); t != nil {
		return t
	}
	if k.uses.Add(1) < 2 {
		return nil
	}
	return g.buildKeyTable(k)
}

// buildKeyTable builds and stores the key's table unless another goroutine
// is at it (then it returns nil).
func (g *group[T]) buildKeyTable(k *keyPoint[T]) *keyTable[T] {
	if !k.building.CompareAndSwap(false, true) {
		return k.table.Load()
	}
	t := g.newKeyTable(&k.p)
	if t != nil {
		k.table.Store(t)
	}
	return t
}

func (g *group[T]) precompute(pub any) {
	if k, ok := pub.(*keyPoint[T]); ok && k.table.Load() == nil {
		g.buildKeyTable(k)
	}
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
	k := &keyPoint[T]{}
	p := &k.p
	f.toInternal(&p.x, &x)
	f.toInternal(&p.y, &y)
	if !g.w.onCurve(p) {
		return nil, errPointCurve
	}
	if g.cofactor != 1 {
		// q·P = ∞ is the subgroup check. The key's chunk tables make it
		// cheap (L+1 doublings instead of 64n), and building them costs
		// less than the doublings saved; the key keeps them, so its
		// verifications use them from the first on. A point of small order
		// has ∞ among its multiples: no table, the plain multiplication
		// (which refuses it too).
		var r jacobian[T]
		var zero T
		kt := g.newKeyTable(p)
		if kt != nil {
			g.mulAdd(&r, &zero, &g.q, p, kt)
		} else {
			g.scalarMult(&r, &g.q, p)
		}
		if !g.w.isInfinity(&r) {
			return nil, errPointOrder
		}
		k.building.Store(true)
		k.table.Store(kt)
	}
	return k, nil
}

// verify implements GOST R 34.10-2012 §6.2 (identical to 34.10-2001):
//
//	0 < r, s < q;  e = α mod q (1 if 0);  v = e⁻¹;  z1 = s·v;  z2 = −r·v;
//	C = z1·G + z2·Q;  accept iff x_C mod q = r.
//
// The final comparison avoids a field inversion: x_C ≡ r (mod q) with
// x_C < p holds iff X = x·Z² for one of x = r, r+q, r+2q, … below p.
func (g *group[T]) verify(pub any, digest []byte, rb, sb [64]byte) verifyResult {
	k, ok := pub.(*keyPoint[T])
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
	fq.fromInternal(&e, &em)    // plain e
	if !fq.invVartime(&v, &e) { // plain e⁻¹; 0 < e < q prime: always
		return verifyFailed
	}
	fq.toInternal(&v, &v) // its Montgomery form
	fq.mul(&z1, &s, &v)   // plain s·e⁻¹ (one Montgomery factor cancels)
	subBorrow(&negR, &g.q, &r)
	fq.mul(&z2, &negR, &v) // plain −r·e⁻¹

	var c jacobian[T]
	g.mulAdd(&c, &z1, &z2, &k.p, g.keyTable(k))
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
