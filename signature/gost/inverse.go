package gost

import "math/bits"

// Modular inversion by T. Pornin's optimised binary GCD ("Optimized Binary
// GCD for Modular Inversion", 2020, algorithm 2), variable time (public
// values only, see doc.go): 31 steps of the binary GCD run on 64-bit
// approximations of a and b (their low 31 and top 33 bits, which decide the
// steps exactly or nearly so), and their combined effect, a 2×2 matrix of
// factors below 2^31, is then applied to the full-size a, b and to the
// coefficients u, v with a ≡ u·y and b ≡ v·y (mod m). About 2·bits/31 rounds
// of a few multi-word multiplications: several times faster than the
// bit-by-bit binary algorithm.

const (
	gcdSteps = 31
	gcdMask  = 1<<gcdSteps - 1
)

// wideInt is a two's complement integer of n+1 words: lo holds the low n
// words, hi the top word (sign and any bits beyond 64n).
type wideInt[T limbs] struct {
	lo T
	hi uint64
}

func (s *wideInt[T]) negative() bool { return int64(s.hi) < 0 }

// neg sets s = −s.
func (s *wideInt[T]) neg() {
	var c uint64 = 1
	for i := range len(s.lo) {
		s.lo[i], c = bits.Add64(^s.lo[i], 0, c)
	}
	s.hi, _ = bits.Add64(^s.hi, 0, c)
}

// mulWord sets s = x·f for x < 2^(64n) and |f| < 2^63.
func (s *wideInt[T]) mulWord(x *T, f int64) {
	af := uint64(f)
	if f < 0 {
		af = uint64(-f)
	}
	var carry uint64
	for i := range len(*x) {
		carry, s.lo[i] = mac((*x)[i], af, carry, 0)
	}
	s.hi = carry
	if f < 0 {
		s.neg()
	}
}

// add sets s = s + t.
func (s *wideInt[T]) add(t *wideInt[T]) {
	var c uint64
	for i := range len(s.lo) {
		s.lo[i], c = bits.Add64(s.lo[i], t.lo[i], c)
	}
	s.hi, _ = bits.Add64(s.hi, t.hi, c)
}

// shr sets s = s >> gcdSteps (arithmetic shift; exact where it is used).
func (s *wideInt[T]) shr() {
	n := len(s.lo)
	for i := range n - 1 {
		s.lo[i] = s.lo[i]>>gcdSteps | s.lo[i+1]<<(64-gcdSteps)
	}
	s.lo[n-1] = s.lo[n-1]>>gcdSteps | s.hi<<(64-gcdSteps)
	s.hi = uint64(int64(s.hi) >> gcdSteps)
}

// linComb returns x·f + y·g.
func linComb[T limbs](x, y *T, f, g int64) wideInt[T] {
	var s, t wideInt[T]
	s.mulWord(x, f)
	t.mulWord(y, g)
	s.add(&t)
	return s
}

// approx returns the low 31 bits of x plus, above them, the 33 bits of x
// from bit n−33 on, where n ≥ 64 is the bit length of the larger operand.
func approx[T limbs](x *T, n int) uint64 {
	s := n - 33
	w := (*x)[s/64] >> (uint(s) % 64)
	if s%64 > 64-33 && s/64+1 < len(*x) {
		w |= (*x)[s/64+1] << (64 - uint(s)%64)
	}
	return (*x)[0]&gcdMask | (w&(1<<33-1))<<gcdSteps
}

func bitLen[T limbs](x *T) int {
	for i := len(*x) - 1; i >= 0; i-- {
		if (*x)[i] != 0 {
			return 64*i + bits.Len64((*x)[i])
		}
	}
	return 0
}

// invVartime sets z = y⁻¹ mod m for a plain integer 0 < y < m, as a plain
// integer in [0, m), and reports whether y is invertible (z = 0 if not).
func (md *modulus[T]) invVartime(z, y *T) bool {
	a, b := *y, md.m
	var u, v, zero T
	u[0] = 1
	// Each round removes 31 bits from len(a) + len(b) ≤ 2·64n, but for
	// the first bit of b (Pornin's bound: ⌈(2·len(m) − 1)/31⌉ rounds).
	for round := 0; !isZero(&a); round++ {
		if round > 2*64*len(a)/gcdSteps+4 { // cannot happen
			*z = zero
			return false
		}
		n := max(bitLen(&a), bitLen(&b), 64)
		xa, xb := approx(&a, n), approx(&b, n)
		f0, g0, f1, g1 := int64(1), int64(0), int64(0), int64(1)
		for range gcdSteps {
			if xa&1 != 0 {
				if xa < xb {
					xa, xb = xb, xa
					f0, g0, f1, g1 = f1, g1, f0, g0
				}
				xa -= xb
				f0 -= f1
				g0 -= g1
			}
			xa >>= 1
			f1 <<= 1
			g1 <<= 1
		}
		na := linComb(&a, &b, f0, g0)
		nb := linComb(&a, &b, f1, g1)
		na.shr()
		nb.shr()
		if na.negative() {
			na.neg()
			f0, g0 = -f0, -g0
		}
		if nb.negative() {
			nb.neg()
			f1, g1 = -f1, -g1
		}
		a, b = na.lo, nb.lo
		var nu, nv T
		if !md.coefficient(&nu, &u, &v, f0, g0) || !md.coefficient(&nv, &u, &v, f1, g1) {
			*z = zero // cannot happen
			return false
		}
		u, v = nu, nv
	}
	var one T
	one[0] = 1
	if b != one {
		*z = zero
		return false
	}
	*z = v
	return true
}

// coefficient sets r = (u·f + v·g)/2^31 mod m in [0, m) for u, v in [0, m)
// and |f| + |g| ≤ 2^31. It reports false only if that bound was broken.
func (md *modulus[T]) coefficient(r, u, v *T, f, g int64) bool {
	t := linComb(u, v, f, g)
	// Add k·m, k = −t·m⁻¹ mod 2^31 (m0inv = −m⁻¹ mod 2^64), so that 2^31
	// divides the sum.
	k := (t.lo[0] * md.m0inv) & gcdMask
	var km wideInt[T]
	km.mulWord(&md.m, int64(k))
	t.add(&km)
	t.shr()
	// |t| < (2^31·m + 2^31·m)/2^31 = 2m now: at most two corrections.
	for range 2 {
		if !t.negative() {
			break
		}
		var c uint64
		for i := range len(t.lo) {
			t.lo[i], c = bits.Add64(t.lo[i], md.m[i], c)
		}
		t.hi += c
	}
	for range 2 {
		if t.hi == 0 && less(&t.lo, &md.m) {
			break
		}
		var c uint64
		for i := range len(t.lo) {
			t.lo[i], c = bits.Sub64(t.lo[i], md.m[i], c)
		}
		t.hi -= c
	}
	*r = t.lo
	return t.hi == 0 && less(&t.lo, &md.m)
}
