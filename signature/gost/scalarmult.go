package gost

import "math/big"

// Scalar multiplication for verification, z1·G + z2·Q, by interleaved
// width-w NAF (Straus–Shamir): one chain of doublings, additions of odd
// multiples taken from tables.
//
// Both scalars are recoded once over their full length; the digits are then
// read in chunks of chunkBits(n) = 64n/chunks bits. Digit i of chunk j weighs
// 2^(j·L + i); with a table of odd multiples of 2^(j·L)·B for each chunk j,
// it is added when the accumulator still has i doublings to go. So a base
// with chunk tables costs only L+1 doublings, a base without them (the
// public key of a one-off verification) all 64n.
//
//   - G: chunk tables of 2^(gWindow−2) affine points each, built with the
//     curve (once, on first use) and never changed.
//   - Q, first verification of a key: one table of 2^(qWindow−2) odd
//     multiples, built per call (made affine with one inversion); 64n
//     doublings.
//   - Q, from the second verification of the same *PublicKey on: affine chunk
//     tables of 2^(kWindow−2) points each (keyTable), built once and cached
//     with the key; L+1 doublings. See keyTableBytes for the memory it takes.
//
// Nothing here is constant time, and nothing needs to be: verification only
// handles public values (see doc.go).
const (
	chunks  = 8 // chunk tables per fixed base
	gWindow = 8 // G: 8 chunks × 64 affine points
	kWindow = 5 // a cached key: 8 chunks × 8 affine points
	qWindow = 5 // a key without cache: 8 affine points
	// maxDigits bounds the signed digits of a scalar below 2^512.
	maxDigits = 8*64 + 1
)

// chunkTables holds, for each chunk j, the odd multiples
// 1, 3, …, 2^(w−1) − 1 of 2^(j·L)·B in affine coordinates (internal
// representation).
type chunkTables[T limbs] [chunks][]affine[T]

// keyTable is the cached precomputation of one public key.
type keyTable[T limbs] struct{ t chunkTables[T] }

// keyTableBytes is the memory a cached key table takes: chunks·2^(kWindow−2)
// affine points of two n-limb coordinates (8 KiB for 512-bit keys, 4 KiB for
// 256-bit ones).
func keyTableBytes(n int) int { return chunks << (kWindow - 2) * 2 * 8 * n }

// chunkBits is L, the bit length of a chunk of a 64n-bit scalar.
func chunkBits(n int) int { return 64 * n / chunks }

// group is the arithmetic of one named curve: the field, the scalar ring
// modulo the subgroup order q, and the precomputed multiples of G.
type group[T limbs] struct {
	w      weierstrass[T]
	fq     *modulus[T] // scalars modulo q (Montgomery)
	q      T           // subgroup order, plain
	g      affine[T]   // base point, internal representation
	gTable chunkTables[T]
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
	// G has prime order q > 2^(64n−2): no multiple in the tables is ∞.
	g.buildChunkTables(&g.gTable, &g.g, gWindow)
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
	f.invert(&zi, &p.z)
	f.sqr(&zi2, &zi)
	f.mul(&r.x, &p.x, &zi2)
	f.mul(&zi2, &zi2, &zi)
	f.mul(&r.y, &p.y, &zi2)
}

// batchToAffine converts points to affine with one field inversion
// (Montgomery's trick); prefix is scratch space of len(p). It reports false,
// converting nothing, when one of the points is infinity.
func (g *group[T]) batchToAffine(r []affine[T], p []jacobian[T], prefix []T) bool {
	f := g.w.f
	// prefix[i] = z_0·…·z_i
	acc := f.one
	for i := range p {
		if g.w.isInfinity(&p[i]) {
			return false
		}
		f.mul(&acc, &acc, &p[i].z)
		prefix[i] = acc
	}
	var inv, zi, zi2 T
	f.invert(&inv, &acc) // (z_0·…·z_last)⁻¹
	for i := len(p) - 1; i >= 0; i-- {
		if i > 0 {
			f.mul(&zi, &inv, &prefix[i-1]) // z_i⁻¹
			f.mul(&inv, &inv, &p[i].z)     // (z_0·…·z_(i−1))⁻¹
		} else {
			zi = inv
		}
		f.sqr(&zi2, &zi)
		f.mul(&r[i].x, &p[i].x, &zi2)
		f.mul(&zi2, &zi2, &zi)
		f.mul(&r[i].y, &p[i].y, &zi2)
	}
	return true
}

// buildChunkTables fills t with the odd multiples of 2^(j·L)·b for every
// chunk j, 2^(w−2) points each. It reports false, leaving t empty, when a
// multiple is infinity (impossible for a point of the prime order q).
func (g *group[T]) buildChunkTables(t *chunkTables[T], b *affine[T], w uint) bool {
	per := 1 << (w - 2)
	jac := make([]jacobian[T], chunks*per)
	var base, twice jacobian[T]
	g.w.fromAffine(&base, b)
	for j := range chunks {
		if j > 0 {
			for range chunkBits(len(b.x)) {
				g.w.double(&base, &base)
			}
		}
		row := jac[j*per : (j+1)*per]
		row[0] = base
		g.w.double(&twice, &base)
		for i := 1; i < per; i++ {
			g.w.add(&row[i], &row[i-1], &twice)
		}
	}
	aff := make([]affine[T], len(jac))
	if !g.batchToAffine(aff, jac, make([]T, len(jac))) {
		return false
	}
	for j := range chunks {
		t[j] = aff[j*per : (j+1)*per : (j+1)*per]
	}
	return true
}

// newKeyTable precomputes the chunk tables of a public key, or returns nil
// when that is impossible (see buildChunkTables).
func (g *group[T]) newKeyTable(p *affine[T]) *keyTable[T] {
	kt := &keyTable[T]{}
	if !g.buildChunkTables(&kt.t, p, kWindow) {
		return nil
	}
	return kt
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

// addChunkDigits adds, for every chunk j, digit i of chunk j (digit j·L + i
// of the whole recoding) times the chunk's base, from its table. Digit 64n,
// a final carry of the recoding, belongs to the last chunk as its digit L.
func (g *group[T]) addChunkDigits(acc *jacobian[T], d *[maxDigits]int8, t *chunkTables[T], i int) {
	l := chunkBits(len(acc.x))
	last := chunks - 1
	if i == l {
		g.addDigit(acc, d[last*l+i], t[last])
		return
	}
	for j := range chunks {
		g.addDigit(acc, d[j*l+i], t[j])
	}
}

// addDigit adds d·B for an odd multiple table of B (nothing when d = 0).
func (g *group[T]) addDigit(acc *jacobian[T], d int8, t []affine[T]) {
	switch {
	case d > 0:
		g.w.addAffine(acc, acc, &t[d>>1])
	case d < 0:
		e := &t[(-d)>>1]
		neg := affine[T]{x: e.x}
		g.w.f.neg(&neg.y, &e.y)
		g.w.addAffine(acc, acc, &neg)
	}
}

// mulAdd sets r = z1·G + z2·P for plain scalars z1, z2 < 2^(64n), with the
// chunk tables of P when kt is not nil.
func (g *group[T]) mulAdd(r *jacobian[T], z1, z2 *T, p *affine[T], kt *keyTable[T]) {
	var d1, d2 [maxDigits]int8
	wnaf(&d1, z1, gWindow)
	l := chunkBits(len(*z1))
	acc := g.w.identity
	if kt != nil {
		wnaf(&d2, z2, kWindow)
		for i := l; i >= 0; i-- {
			if !g.w.isInfinity(&acc) {
				g.w.double(&acc, &acc)
			}
			g.addChunkDigits(&acc, &d1, &g.gTable, i)
			g.addChunkDigits(&acc, &d2, &kt.t, i)
		}
		*r = acc
		return
	}

	n2 := wnaf(&d2, z2, qWindow)
	// Odd multiples P, 3P, …, made affine with one inversion: mixed
	// additions then save more than the inversion costs.
	var pj [1 << (qWindow - 2)]jacobian[T]
	var pa [len(pj)]affine[T]
	var scratch [len(pj)]T
	var p2 jacobian[T]
	g.w.fromAffine(&pj[0], p)
	g.w.double(&p2, &pj[0])
	for i := 1; i < len(pj); i++ {
		g.w.add(&pj[i], &pj[i-1], &p2)
	}
	if !g.batchToAffine(pa[:], pj[:], scratch[:]) {
		// A multiple is ∞: P has a tiny order (only the subgroup check
		// of a hostile key gets here); the reference double-and-add.
		g.slowMulAdd(&acc, &d1, &d2, p, l, n2)
		*r = acc
		return
	}
	for i := max(l+1, n2) - 1; i >= 0; i-- {
		if !g.w.isInfinity(&acc) {
			g.w.double(&acc, &acc)
		}
		if i <= l {
			g.addChunkDigits(&acc, &d1, &g.gTable, i)
		}
		g.addDigit(&acc, d2[i], pa[:])
	}
	*r = acc
}

// slowMulAdd is the main loop of mulAdd for a point of tiny order, with P's
// digits added one multiple at a time (no table).
func (g *group[T]) slowMulAdd(acc *jacobian[T], d1, d2 *[maxDigits]int8, p *affine[T], l, n2 int) {
	neg := affine[T]{x: p.x}
	g.w.f.neg(&neg.y, &p.y)
	for i := max(l+1, n2) - 1; i >= 0; i-- {
		if !g.w.isInfinity(acc) {
			g.w.double(acc, acc)
		}
		if i <= l {
			g.addChunkDigits(acc, d1, &g.gTable, i)
		}
		d := d2[i]
		for ; d > 0; d-- {
			g.w.addAffine(acc, acc, p)
		}
		for ; d < 0; d++ {
			g.w.addAffine(acc, acc, &neg)
		}
	}
}

// scalarMult sets r = k·P for a plain scalar k (simple wNAF; used for the
// subgroup check of public keys on curves with a cofactor).
func (g *group[T]) scalarMult(r *jacobian[T], k *T, p *affine[T]) {
	var zero T
	g.mulAdd(r, &zero, k, p, nil)
}
