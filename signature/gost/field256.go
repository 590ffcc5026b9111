package gost

import "math/bits"

// Unrolled arithmetic modulo p = 2^256 − c (c small), the field of
// CryptoPro-A and TC26-256-A. The generic code keeps limbs in arrays, which
// Go never holds in registers; here every limb is a local variable. The
// results are identical to the generic path (checked by TestFieldArithmetic),
// only faster.

// mac returns a·b + c + d as a 128-bit (hi, lo); it cannot overflow.
func mac(a, b, c, d uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(a, b)
	var k uint64
	lo, k = bits.Add64(lo, c, 0)
	hi += k
	lo, k = bits.Add64(lo, d, 0)
	hi += k
	return hi, lo
}

// pm256 is p = 2^256 − c.
type pm256 struct{ c uint64 }

func (f pm256) mul(z, a, b *[4]uint64) {
	a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
	b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
	var h, t0, t1, t2, t3, t4, t5, t6, t7 uint64
	h, t0 = bits.Mul64(a0, b0)
	h, t1 = mac(a0, b1, h, 0)
	h, t2 = mac(a0, b2, h, 0)
	t4, t3 = mac(a0, b3, h, 0)

	h, t1 = mac(a1, b0, t1, 0)
	h, t2 = mac(a1, b1, t2, h)
	h, t3 = mac(a1, b2, t3, h)
	t5, t4 = mac(a1, b3, t4, h)

	h, t2 = mac(a2, b0, t2, 0)
	h, t3 = mac(a2, b1, t3, h)
	h, t4 = mac(a2, b2, t4, h)
	t6, t5 = mac(a2, b3, t5, h)

	h, t3 = mac(a3, b0, t3, 0)
	h, t4 = mac(a3, b1, t4, h)
	h, t5 = mac(a3, b2, t5, h)
	t7, t6 = mac(a3, b3, t6, h)
	f.reduce(z, t0, t1, t2, t3, t4, t5, t6, t7)
}

func (f pm256) sqr(z, a *[4]uint64) {
	a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
	var h, t1, t2, t3, t4, t5, t6, t7, k uint64
	// Cross products a_i·a_j, i < j.
	h, t1 = bits.Mul64(a0, a1)
	h, t2 = mac(a0, a2, h, 0)
	t4, t3 = mac(a0, a3, h, 0)
	h, t3 = mac(a1, a2, t3, 0)
	t5, t4 = mac(a1, a3, t4, h)
	t6, t5 = mac(a2, a3, t5, 0)
	// Double.
	t7 = t6 >> 63
	t6 = t6<<1 | t5>>63
	t5 = t5<<1 | t4>>63
	t4 = t4<<1 | t3>>63
	t3 = t3<<1 | t2>>63
	t2 = t2<<1 | t1>>63
	t1 <<= 1
	// Add the squares.
	var hi, lo, t0 uint64
	hi, t0 = bits.Mul64(a0, a0)
	t1, k = bits.Add64(t1, hi, 0)
	hi, lo = bits.Mul64(a1, a1)
	t2, k = bits.Add64(t2, lo, k)
	t3, k = bits.Add64(t3, hi, k)
	hi, lo = bits.Mul64(a2, a2)
	t4, k = bits.Add64(t4, lo, k)
	t5, k = bits.Add64(t5, hi, k)
	hi, lo = bits.Mul64(a3, a3)
	t6, k = bits.Add64(t6, lo, k)
	t7, _ = bits.Add64(t7, hi, k)
	f.reduce(z, t0, t1, t2, t3, t4, t5, t6, t7)
}

// reduce sets z = t mod p for the 512-bit t = t7…t0, fully reduced.
func (f pm256) reduce(z *[4]uint64, t0, t1, t2, t3, t4, t5, t6, t7 uint64) {
	c := f.c
	var h, r0, r1, r2, r3, k uint64
	h, r0 = mac(t4, c, t0, 0)
	h, r1 = mac(t5, c, t1, h)
	h, r2 = mac(t6, c, t2, h)
	h, r3 = mac(t7, c, t3, h)
	// h ≤ c: fold h·c (< 2^64) once more.
	r0, k = bits.Add64(r0, h*c, 0)
	r1, k = bits.Add64(r1, 0, k)
	r2, k = bits.Add64(r2, 0, k)
	r3, k = bits.Add64(r3, 0, k)
	if k != 0 { // wrapped: the value is now tiny, +c cannot carry
		r0 += c
	}
	f.final(z, r0, r1, r2, r3)
}

// final stores r − p when r ≥ p (that is, when r + c carries), else r.
func (f pm256) final(z *[4]uint64, r0, r1, r2, r3 uint64) {
	s0, k := bits.Add64(r0, f.c, 0)
	s1, k := bits.Add64(r1, 0, k)
	s2, k := bits.Add64(r2, 0, k)
	s3, k := bits.Add64(r3, 0, k)
	if k != 0 {
		r0, r1, r2, r3 = s0, s1, s2, s3
	}
	z[0], z[1], z[2], z[3] = r0, r1, r2, r3
}

func (f pm256) add(z, a, b *[4]uint64) {
	s0, k := bits.Add64(a[0], b[0], 0)
	s1, k := bits.Add64(a[1], b[1], k)
	s2, k := bits.Add64(a[2], b[2], k)
	s3, k := bits.Add64(a[3], b[3], k)
	if k != 0 {
		// a + b = 2^256 + s ≡ s + c, and s + c < p.
		s0, k = bits.Add64(s0, f.c, 0)
		s1, k = bits.Add64(s1, 0, k)
		s2, k = bits.Add64(s2, 0, k)
		s3 += k
		z[0], z[1], z[2], z[3] = s0, s1, s2, s3
		return
	}
	f.final(z, s0, s1, s2, s3)
}

func (f pm256) sub(z, a, b *[4]uint64) {
	d0, k := bits.Sub64(a[0], b[0], 0)
	d1, k := bits.Sub64(a[1], b[1], k)
	d2, k := bits.Sub64(a[2], b[2], k)
	d3, k := bits.Sub64(a[3], b[3], k)
	if k != 0 {
		// a − b + 2^256 ≡ a − b + c (mod p), and it exceeds c.
		d0, k = bits.Sub64(d0, f.c, 0)
		d1, k = bits.Sub64(d1, 0, k)
		d2, k = bits.Sub64(d2, 0, k)
		d3 -= k
	}
	z[0], z[1], z[2], z[3] = d0, d1, d2, d3
}
