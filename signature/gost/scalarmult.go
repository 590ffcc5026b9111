package gost

import "math/big"

// Window widths of the width-w NAF recodings used by verification: the fixed
// base G uses a precomputed affine table of 2^(gWindow−2) odd multiples, the
// public key a per-call Jacobian table of 2^(qWindow−2) odd multiples.
const (
	gWindow = 7
	qWindow = 5
	// maxDigits bounds the signed digits of a scalar below 2^512.
	maxDigits = 8*64 + 1
)

// group is the arithmetic of one named curve: the field, the scalar ring
// modulo the subgroup order q, and the precomputed multiples of G.
type group[T limbs] struct {
	w      weierstrass[T]
	fq     *modulus[T] // scalars modulo q (Montgomery)
	q      T           // subgroup order, plain
	g      affine[T]   // base point, internal representation
	gTable [1 << (gWindow - 2)]affine[T]
	// cofactor is h = #E/q; public keys are checked to lie in the
	// subgroup of order q when h ≠ 1.
	cofactor uint64
}

// newGroup builds the arithmetic for the curve y² = x³ + ax + b over GF(p)
// with base point (gx, gy) of prime order q.
func newGroup[T limbs](p, a, b, q, gx, gy *big.Int, cofactor uint64) *group[T] {
	fp := newModulus[T](p)
	g := &group[T]{fq: newModulus[T](q), q: intToLimbs[T](q), cofactor: cofactor}
	g.w.f = fp
	g.w.identity = jacobian[T]{x: fp.one, y: fp.one}
	g.w.a = g.fieldFromInt(new(big.Int).Mod(a, p))
	g.w.b = g.fieldFromInt(new(big.Int).Mod(b, p))
	g.w.aMinus3 = new(big.Int).Mod(new(big.Int).Add(a, big.NewInt(3)), p).Sign() == 0
	g.g = affine[T]{x: g.fieldFromInt(gx), y: g.fieldFromInt(gy)}
	// Odd multiples G, 3G, 5G, … converted to affine once.
	var gj, g2, acc jacobian[T]
	g.w.fromAffine(&gj, &g.g)
	g.w.double(&g2, &gj)
	acc = gj
	for i := range g.gTable {
		if i > 0 {
			g.w.add(&acc, &acc, &g2)
		}
		g.toAffine(&g.gTable[i], &acc)
	}
	return g
}

func (g *group[T]) fieldFromInt(x *big.Int) T {
	v := intToLimbs[T](x)
	var z T
	g.w.f.toInternal(&z, &v)
	return z
}

// toAffine converts p (not infinity) to affine coordinates.
func (g *group[T]) toAffine(r *affine[T], p *jacobian[T]) {
	f := g.w.f
	var zi, zi2 T
	f.inv(&zi, &p.z)
	f.sqr(&zi2, &zi)
	f.mul(&r.x, &p.x, &zi2)
	f.mul(&zi2, &zi2, &zi)
	f.mul(&r.y, &p.y, &zi2)
}

// wnaf writes the width-w non-adjacent form of k into digits (least
// significant first) and returns the number of digits used. Every non-zero
// digit is odd and lies in (−2^(w−1), 2^(w−1)).
func wnaf[T limbs](digits *[maxDigits]int8, k *T, w uint) int {
	n := len(*k) * 64
	*digits = [maxDigits]int8{}
	bit := func(i int) uint64 {
		if i >= n {
			return 0
		}
		return ((*k)[i/64] >> (uint(i) % 64)) & 1
	}
	bitsAt := func(i int, cnt uint) uint64 {
		var v uint64
		for j := int(cnt) - 1; j >= 0; j-- {
			v = v<<1 | bit(i+j)
		}
		return v
	}
	var carry uint64
	last := 0
	for i := 0; i < n+1; {
		if bit(i) == carry {
			i++
			continue
		}
		word := bitsAt(i, w) + carry
		carry = (word >> (w - 1)) & 1
		d := int64(word) - int64(carry<<w)
		digits[i] = int8(d)
		last = i + 1
		i += int(w)
	}
	return last
}

// mulAdd sets r = z1·G + z2·P for plain scalars z1, z2 < 2^(64n) by
// interleaved wNAF (Shamir's trick): one doubling chain, additions from the
// fixed G table and from a small table of odd multiples of P.
func (g *group[T]) mulAdd(r *jacobian[T], z1, z2 *T, p *affine[T]) {
	var d1, d2 [maxDigits]int8
	n1 := wnaf(&d1, z1, gWindow)
	n2 := wnaf(&d2, z2, qWindow)

	var pTable [1 << (qWindow - 2)]jacobian[T]
	var p2 jacobian[T]
	g.w.fromAffine(&pTable[0], p)
	g.w.double(&p2, &pTable[0])
	for i := 1; i < len(pTable); i++ {
		g.w.add(&pTable[i], &pTable[i-1], &p2)
	}

	acc := g.w.identity
	var neg affine[T]
	var negJ jacobian[T]
	for i := max(n1, n2) - 1; i >= 0; i-- {
		if !g.w.isInfinity(&acc) {
			g.w.double(&acc, &acc)
		}
		if d := d1[i]; d > 0 {
			g.w.addAffine(&acc, &acc, &g.gTable[d>>1])
		} else if d < 0 {
			e := &g.gTable[(-d)>>1]
			neg.x = e.x
			g.w.f.neg(&neg.y, &e.y)
			g.w.addAffine(&acc, &acc, &neg)
		}
		if d := d2[i]; d > 0 {
			g.w.add(&acc, &acc, &pTable[d>>1])
		} else if d < 0 {
			e := &pTable[(-d)>>1]
			negJ.x, negJ.z = e.x, e.z
			g.w.f.neg(&negJ.y, &e.y)
			g.w.add(&acc, &acc, &negJ)
		}
	}
	*r = acc
}

// scalarMult sets r = k·P for a plain scalar k (simple wNAF; used for the
// subgroup check of public keys on curves with a cofactor).
func (g *group[T]) scalarMult(r *jacobian[T], k *T, p *affine[T]) {
	var zero T
	g.mulAdd(r, &zero, k, p)
}
