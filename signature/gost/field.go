package gost

import (
	"math/big"
	"math/bits"
)

// limbs is the storage of a residue: 4 or 8 little-endian 64-bit words.
// The generic code below is instantiated once per size, so loop bounds are
// constants and bounds checks disappear.
type limbs interface{ [4]uint64 | [8]uint64 }

// wide holds a double-width product (up to 2·8 words).
type wide [16]uint64

// modulus implements arithmetic modulo an odd m < 2^(64·n) on fully reduced
// residues (every value handed out is in [0, m)).
//
// Two representations are used:
//   - pseudo-Mersenne, when m = 2^(64·n) − c for a small c (all the named GOST
//     curves): residues are plain integers and reduction folds the high half
//     back multiplied by c;
//   - Montgomery otherwise (the orders q and the RFC test curves): residues are
//     kept as a·R mod m with R = 2^(64·n).
//
// The 4-limb pseudo-Mersenne fields (CryptoPro-A, TC26-256-A) take the
// unrolled code of field256.go: add, sub, mul and sqr dispatch to it with a
// cheap type assertion (limbs in local variables rather than arrays roughly
// halve the cost of a field operation there).
//
// None of this is constant time: it only ever processes public data
// (signatures, digests, public keys). See doc.go.
type modulus[T limbs] struct {
	m     T      // the modulus
	c     uint64 // m = 2^(64n) − c when non-zero
	m0inv uint64 // −m⁻¹ mod 2^64 (Montgomery)
	rr    T      // R² mod m (Montgomery)
	one   T      // 1 in the internal representation
}

// newModulus prepares arithmetic modulo m, which must be odd and fit in T.
func newModulus[T limbs](m *big.Int) *modulus[T] {
	md := &modulus[T]{}
	md.m = intToLimbs[T](m)
	n := len(md.m)
	r := new(big.Int).Lsh(big.NewInt(1), uint(64*n))
	if c := new(big.Int).Sub(r, m); c.IsUint64() && c.Uint64() < 1<<24 {
		md.c = c.Uint64()
		md.one[0] = 1
		return md
	}
	// −m⁻¹ mod 2^64 by Newton iteration: each step doubles the correct bits.
	inv := uint64(1)
	for range 6 {
		inv *= 2 - md.m[0]*inv
	}
	md.m0inv = -inv
	md.rr = intToLimbs[T](new(big.Int).Mod(new(big.Int).Mul(r, r), m))
	md.one = intToLimbs[T](new(big.Int).Mod(r, m))
	return md
}

// intToLimbs converts 0 ≤ x < 2^(64·n) to limbs.
func intToLimbs[T limbs](x *big.Int) T {
	var z T
	for i, w := range x.Bits() {
		if i < len(z) {
			z[i] = uint64(w)
		}
	}
	return z
}

// getLE reads a little-endian integer of exactly 8·n bytes.
func getLE[T limbs](z *T, b []byte) {
	for i := range len(*z) {
		var w uint64
		for j := 7; j >= 0; j-- {
			w = w<<8 | uint64(b[8*i+j])
		}
		(*z)[i] = w
	}
}

// less reports a < b as integers.
func less[T limbs](a, b *T) bool {
	for i := len(*a) - 1; i >= 0; i-- {
		if (*a)[i] != (*b)[i] {
			return (*a)[i] < (*b)[i]
		}
	}
	return false
}

func isZero[T limbs](a *T) bool {
	var acc uint64
	for i := range len(*a) {
		acc |= (*a)[i]
	}
	return acc == 0
}

// addCarry sets z = a + b mod 2^(64n) and returns the carry out.
func addCarry[T limbs](z, a, b *T) uint64 {
	var c uint64
	for i := range len(*z) {
		(*z)[i], c = bits.Add64((*a)[i], (*b)[i], c)
	}
	return c
}

// subBorrow sets z = a − b mod 2^(64n) and returns the borrow out.
func subBorrow[T limbs](z, a, b *T) uint64 {
	var c uint64
	for i := range len(*z) {
		(*z)[i], c = bits.Sub64((*a)[i], (*b)[i], c)
	}
	return c
}

// inRange reports 0 ≤ x < m for a plain integer x.
func (md *modulus[T]) inRange(x *T) bool { return less(x, &md.m) }

// add sets z = a + b mod m.
func (md *modulus[T]) add(z, a, b *T) {
	if z4, ok := any(z).(*[4]uint64); ok && md.c != 0 {
		pm256{md.c}.add(z4, any(a).(*[4]uint64), any(b).(*[4]uint64))
		return
	}
	var s, d T
	carry := addCarry(&s, a, b)
	borrow := subBorrow(&d, &s, &md.m)
	if carry != 0 || borrow == 0 {
		*z = d
	} else {
		*z = s
	}
}

// sub sets z = a − b mod m.
func (md *modulus[T]) sub(z, a, b *T) {
	if z4, ok := any(z).(*[4]uint64); ok && md.c != 0 {
		pm256{md.c}.sub(z4, any(a).(*[4]uint64), any(b).(*[4]uint64))
		return
	}
	var d, e T
	if subBorrow(&d, a, b) != 0 {
		addCarry(&e, &d, &md.m)
		*z = e
		return
	}
	*z = d
}

// neg sets z = −a mod m.
func (md *modulus[T]) neg(z, a *T) {
	var zero T
	md.sub(z, &zero, a)
}

// mul sets z = a·b mod m (internal representation).
func (md *modulus[T]) mul(z, a, b *T) {
	if z4, ok := any(z).(*[4]uint64); ok && md.c != 0 {
		pm256{md.c}.mul(z4, any(a).(*[4]uint64), any(b).(*[4]uint64))
		return
	}
	var t wide
	n := len(*a)
	for i := range n {
		var carry uint64
		ai := (*a)[i]
		for j := range n {
			carry, t[i+j] = mac(ai, (*b)[j], t[i+j], carry)
		}
		t[i+n] = carry
	}
	md.reduce(z, &t)
}

// sqr sets z = a² mod m, computing each cross product once.
func (md *modulus[T]) sqr(z, a *T) {
	if z4, ok := any(z).(*[4]uint64); ok && md.c != 0 {
		pm256{md.c}.sqr(z4, any(a).(*[4]uint64))
		return
	}
	var t wide
	n := len(*a)
	// Off-diagonal products a[i]·a[j], i < j.
	for i := range n - 1 {
		var carry uint64
		ai := (*a)[i]
		for j := i + 1; j < n; j++ {
			carry, t[i+j] = mac(ai, (*a)[j], t[i+j], carry)
		}
		t[i+n] = carry
	}
	// Double them.
	var top uint64
	for i := 1; i < 2*n; i++ {
		w := t[i]
		t[i] = w<<1 | top
		top = w >> 63
	}
	// Add the squares on the diagonal.
	var c uint64
	for i := range n {
		hi, lo := bits.Mul64((*a)[i], (*a)[i])
		t[2*i], c = bits.Add64(t[2*i], lo, c)
		t[2*i+1], c = bits.Add64(t[2*i+1], hi, c)
	}
	md.reduce(z, &t)
}

// reduce maps a double-width t < m·2^(64n) to a fully reduced residue.
func (md *modulus[T]) reduce(z *T, t *wide) {
	n := len(*z)
	if md.c != 0 {
		// t = lo + hi·2^(64n) ≡ lo + hi·c (mod m).
		var r T
		var carry uint64
		for i := range n {
			carry, r[i] = mac(t[i+n], md.c, t[i], carry)
		}
		// Fold the top word (≤ c) once more; if that carries out, the
		// remainder is tiny and one more +c cannot carry.
		_, lo := bits.Mul64(carry, md.c)
		var c uint64
		r[0], c = bits.Add64(r[0], lo, 0)
		for i := 1; i < n; i++ {
			r[i], c = bits.Add64(r[i], 0, c)
		}
		if c != 0 {
			r[0], c = bits.Add64(r[0], md.c, 0)
			for i := 1; i < n; i++ {
				r[i], c = bits.Add64(r[i], 0, c)
			}
		}
		// r ≥ m exactly when r + c overflows 2^(64n).
		var s T
		c = 0
		s[0], c = bits.Add64(r[0], md.c, 0)
		for i := 1; i < n; i++ {
			s[i], c = bits.Add64(r[i], 0, c)
		}
		if c != 0 {
			r = s
		}
		*z = r
		return
	}
	// Montgomery reduction (separated operand scanning): add multiples of m
	// that clear the low n words, then divide by 2^(64n).
	var extra uint64
	for i := range n {
		u := t[i] * md.m0inv
		var carry uint64
		for j := range n {
			carry, t[i+j] = mac(u, md.m[j], t[i+j], carry)
		}
		var c uint64
		k := i + n
		t[k], c = bits.Add64(t[k], carry, 0)
		for k++; c != 0 && k < 2*n; k++ {
			t[k], c = bits.Add64(t[k], 0, c)
		}
		extra += c
	}
	var r, d T
	for i := range n {
		r[i] = t[n+i]
	}
	borrow := subBorrow(&d, &r, &md.m)
	if extra != 0 || borrow == 0 {
		r = d
	}
	*z = r
}

// toInternal converts a plain integer x < 2^(64n) to the internal
// representation of x mod m.
func (md *modulus[T]) toInternal(z, x *T) {
	if md.c != 0 {
		r := *x
		for !md.inRange(&r) {
			subBorrow(&r, &r, &md.m)
		}
		*z = r
		return
	}
	md.mul(z, x, &md.rr)
}

// fromInternal converts to the plain integer in [0, m).
func (md *modulus[T]) fromInternal(z, x *T) {
	if md.c != 0 {
		*z = *x
		return
	}
	var one T
	one[0] = 1
	md.mul(z, x, &one)
}

// inv sets z = a⁻¹ mod m (m prime) by Fermat's little theorem, a^(m−2).
// Variable time: only used on public values. z = 0 when a = 0.
func (md *modulus[T]) inv(z, a *T) {
	var two, e T
	two[0] = 2
	subBorrow(&e, &md.m, &two)
	// 4-bit fixed window over the exponent.
	var table [16]T
	table[0] = md.one
	table[1] = *a
	for i := 2; i < 16; i++ {
		md.mul(&table[i], &table[i-1], a)
	}
	r := md.one
	for i := len(e)*64 - 4; i >= 0; i -= 4 {
		for range 4 {
			md.sqr(&r, &r)
		}
		w := (e[i/64] >> (uint(i) % 64)) & 15
		if w != 0 {
			md.mul(&r, &r, &table[w])
		}
	}
	*z = r
}

// invPlain sets z = a⁻¹ mod m for a plain integer 0 < a < m (m odd), by the
// binary extended Euclidean algorithm. Variable time, for public values; it
// is several times faster than Fermat inversion. The result is plain too.
func (md *modulus[T]) invPlain(z, a *T) {
	var one T
	one[0] = 1
	var zero T
	u, v := *a, md.m
	x1, x2 := one, zero
	for u != one && v != one {
		if isZero(&u) || isZero(&v) {
			*z = zero // a = 0 (or a shares a factor with m): no inverse
			return
		}
		for u[0]&1 == 0 {
			shiftRight1(&u, 0)
			md.halve(&x1)
		}
		for v[0]&1 == 0 {
			shiftRight1(&v, 0)
			md.halve(&x2)
		}
		if !less(&u, &v) {
			subBorrow(&u, &u, &v)
			md.sub(&x1, &x1, &x2)
		} else {
			subBorrow(&v, &v, &u)
			md.sub(&x2, &x2, &x1)
		}
	}
	if u == one {
		*z = x1
	} else {
		*z = x2
	}
}

// halve sets x = x/2 mod m for x in [0, m): x/2 when x is even, else
// (x + m)/2, whose 64n+1-bit intermediate keeps its top bit in the carry.
func (md *modulus[T]) halve(x *T) {
	var top uint64
	if (*x)[0]&1 != 0 {
		top = addCarry(x, x, &md.m)
	}
	shiftRight1(x, top)
}

// shiftRight1 sets x = (top·2^(64n) + x) >> 1 for top ∈ {0, 1}.
func shiftRight1[T limbs](x *T, top uint64) {
	n := len(*x)
	for i := range n - 1 {
		(*x)[i] = (*x)[i]>>1 | (*x)[i+1]<<63
	}
	(*x)[n-1] = (*x)[n-1]>>1 | top<<63
}
