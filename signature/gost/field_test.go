package gost

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The pseudo-Mersenne fields work on lazily reduced values: any integer
// below 2^(64n), so x and x + p (x < c) are both legal inputs and outputs.
// TestFieldArithmetic (arith_test.go) feeds canonical values only; these
// tests feed everything below 2^(64n), and FuzzFieldArithmetic lets the
// fuzzer pick.

// lazyValues are inputs where carries, borrows and the rare second folds of
// field_pm.go happen: around 0, p and 2^(64n), words of all ones, single top
// bits, and random values over the whole 2^(64n) range.
func lazyValues(p *big.Int, bits int, rng *rand.Rand) []*big.Int {
	one := big.NewInt(1)
	top := new(big.Int).Lsh(one, uint(bits))
	c := new(big.Int).Sub(top, p)
	add := func(a, b *big.Int) *big.Int { return new(big.Int).Add(a, b) }
	sub := func(a, b *big.Int) *big.Int { return new(big.Int).Sub(a, b) }
	vals := []*big.Int{
		big.NewInt(0), one, big.NewInt(2), sub(c, one), c, add(c, one),
		sub(p, one), sub(p, big.NewInt(2)), p, add(p, one), add(p, sub(c, one)), // p + c − 1 = 2^(64n) − 1
		sub(top, big.NewInt(2)), new(big.Int).Rsh(top, 1), sub(new(big.Int).Rsh(top, 1), one),
	}
	for k := 63; k < bits; k += 64 {
		vals = append(vals, new(big.Int).Lsh(one, uint(k)), sub(new(big.Int).Lsh(one, uint(k)), one))
	}
	for range 24 {
		vals = append(vals, randInt(rng, top))
	}
	return vals
}

// checkLazy compares add, sub, neg, mul, sqr, canon, isZero and equal of
// modulus md (pseudo-Mersenne) with math/big for every pair of inputs.
func checkLazy[T limbs](t *testing.T, md *modulus[T], a, b *big.Int) {
	t.Helper()
	p := limbsToInt(&md.m)
	ai, bi := intToLimbs[T](a), intToLimbs[T](b)
	mod := func(x *big.Int) string { return new(big.Int).Mod(x, p).Text(16) }
	got := func(z *T) string {
		var c T
		md.canon(&c, z)
		require.True(t, less(&c, &md.m), "canon result not below p")
		return limbsToInt(&c).Text(16)
	}
	var z T
	md.add(&z, &ai, &bi)
	require.Equal(t, mod(new(big.Int).Add(a, b)), got(&z), "add %x %x", a, b)
	md.sub(&z, &ai, &bi)
	require.Equal(t, mod(new(big.Int).Sub(a, b)), got(&z), "sub %x %x", a, b)
	md.neg(&z, &ai)
	require.Equal(t, mod(new(big.Int).Neg(a)), got(&z), "neg %x", a)
	md.mul(&z, &ai, &bi)
	require.Equal(t, mod(new(big.Int).Mul(a, b)), got(&z), "mul %x %x", a, b)
	md.sqr(&z, &ai)
	require.Equal(t, mod(new(big.Int).Mul(a, a)), got(&z), "sqr %x", a)
	for _, k := range []uint64{0, 1, 3, 4, 8, 1<<32 - 1} {
		md.mulSmall(&z, &ai, k)
		require.Equal(t, mod(new(big.Int).Mul(a, new(big.Int).SetUint64(k))), got(&z), "mulSmall %x %d", a, k)
	}
	// Aliased operands, as the point formulas use them.
	z = ai
	md.mul(&z, &z, &z)
	require.Equal(t, mod(new(big.Int).Mul(a, a)), got(&z), "mul aliased %x", a)
	z = ai
	md.add(&z, &z, &z)
	require.Equal(t, mod(new(big.Int).Add(a, a)), got(&z), "add aliased %x", a)

	require.Equal(t, new(big.Int).Mod(a, p).Sign() == 0, md.isZero(&ai), "isZero %x", a)
	require.Equal(t, mod(a) == mod(b), md.equal(&ai, &bi), "equal %x %x", a, b)
	var plain T
	md.fromInternal(&plain, &ai)
	require.Equal(t, mod(a), limbsToInt(&plain).Text(16), "fromInternal %x", a)
	md.invert(&z, &ai)
	if inv := new(big.Int).ModInverse(new(big.Int).Mod(a, p), p); inv != nil {
		require.Equal(t, inv.Text(16), got(&z), "invert %x", a)
	} else {
		require.True(t, md.isZero(&z), "invert %x", a)
	}
}

func TestLazyFieldArithmetic(t *testing.T) {
	for _, c := range []*Curve{CurveTC26512A(), CurveCryptoProA()} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(21, uint64(c.bitSize)))
			vals := lazyValues(c.p, c.bitSize, rng)
			edges := len(vals) - 24
			for i, a := range vals {
				for j, b := range vals {
					if (i >= edges || j >= edges) && (i+j)%4 != 0 {
						continue // every pair of edge values, a quarter of the others
					}
					if c.bitSize == 512 {
						checkLazy(t, c.ops.(*group[[8]uint64]).w.f, a, b)
					} else {
						checkLazy(t, c.ops.(*group[[4]uint64]).w.f, a, b)
					}
				}
			}
		})
	}
}

// TestLazyZeroAndInfinity: a point whose Z is p (≡ 0, not the integer 0) is
// infinity, and Y = p counts as Y = 0 for doubling.
func TestLazyZeroAndInfinity(t *testing.T) {
	g := CurveTC26512A().ops.(*group[[8]uint64])
	inf := jacobian[[8]uint64]{x: g.w.f.one, y: g.w.f.one, z: g.w.f.m}
	require.True(t, g.w.isInfinity(&inf))
	var r jacobian[[8]uint64]
	g.w.double(&r, &inf)
	require.True(t, g.w.isInfinity(&r))
	pt := jacobian[[8]uint64]{x: g.w.f.one, y: g.w.f.m, z: g.w.f.one} // Y ≡ 0: a 2-torsion shape
	g.w.double(&r, &pt)
	require.True(t, g.w.isInfinity(&r))
	var gj jacobian[[8]uint64]
	g.w.fromAffine(&gj, &g.g)
	g.w.add(&r, &gj, &inf)
	require.Equal(t, gj, r, "P + ∞ = P")
}

// FuzzFieldArithmetic compares the fixed-limb arithmetic with math/big on
// inputs the fuzzer picks: sel chooses 2^512 − 569 (TC26-512-A), 2^256 − 617
// (CryptoPro-A, TC26-256-A; lazily reduced inputs below 2^(64n)) or the
// Montgomery arithmetic modulo TC26-512-A's q (canonical inputs), each with
// the binary-GCD inverse.
func FuzzFieldArithmetic(f *testing.F) {
	f.Add(uint8(0), []byte{1}, []byte{2})
	f.Add(uint8(1), bytesOf(0xff, 32), bytesOf(0xff, 32))
	f.Add(uint8(0), bytesOf(0xff, 64), []byte{})
	f.Add(uint8(2), bytesOf(0x80, 64), bytesOf(0x7f, 64))
	p512 := CurveTC26512A().ops.(*group[[8]uint64])
	p256 := CurveCryptoProA().ops.(*group[[4]uint64])
	f.Fuzz(func(t *testing.T, sel uint8, a, b []byte) {
		switch sel % 3 {
		case 0:
			checkLazy(t, p512.w.f, leBytesInt(a, 64), leBytesInt(b, 64))
		case 1:
			checkLazy(t, p256.w.f, leBytesInt(a, 32), leBytesInt(b, 32))
		default:
			checkMontgomery(t, p512.fq, leBytesInt(a, 64), leBytesInt(b, 64))
		}
	})
}

// checkMontgomery compares the Montgomery arithmetic with math/big for a, b
// reduced modulo m.
func checkMontgomery[T limbs](t *testing.T, md *modulus[T], a, b *big.Int) {
	m := limbsToInt(&md.m)
	a, b = new(big.Int).Mod(a, m), new(big.Int).Mod(b, m)
	in := func(x *big.Int) T {
		v := intToLimbs[T](x)
		var z T
		md.toInternal(&z, &v)
		return z
	}
	out := func(z *T) string {
		var v T
		md.fromInternal(&v, z)
		return limbsToInt(&v).Text(16)
	}
	mod := func(x *big.Int) string { return x.Mod(x, m).Text(16) }
	ai, bi := in(a), in(b)
	var z T
	md.add(&z, &ai, &bi)
	require.Equal(t, mod(new(big.Int).Add(a, b)), out(&z))
	md.sub(&z, &ai, &bi)
	require.Equal(t, mod(new(big.Int).Sub(a, b)), out(&z))
	md.mul(&z, &ai, &bi)
	require.Equal(t, mod(new(big.Int).Mul(a, b)), out(&z))
	md.sqr(&z, &ai)
	require.Equal(t, mod(new(big.Int).Mul(a, a)), out(&z))
	md.mulSmall(&z, &ai, 8)
	require.Equal(t, mod(new(big.Int).Lsh(a, 3)), out(&z))
	checkInvOne(t, md, a)
}

// leBytesInt reads up to n bytes of b as a little-endian integer (missing
// bytes are zero, extra ones ignored).
func leBytesInt(b []byte, n int) *big.Int {
	if len(b) > n {
		b = b[:n]
	}
	return new(big.Int).SetBytes(reverse(b))
}

func bytesOf(v byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = v
	}
	return b
}

// TestInvVartime compares the binary-GCD inverse with math/big for every
// modulus (field primes and group orders, named and test curves) on edge
// and random values; 0 and multiples of m have no inverse.
func TestInvVartime(t *testing.T) {
	for _, c := range allCurves(t) {
		t.Run(c.name, func(t *testing.T) {
			for _, m := range []*big.Int{c.p, c.q} {
				if c.bitSize == 512 {
					checkInv[[8]uint64](t, newModulus[[8]uint64](m))
				} else {
					checkInv[[4]uint64](t, newModulus[[4]uint64](m))
				}
			}
		})
	}
}

func checkInv[T limbs](t *testing.T, md *modulus[T]) {
	m := limbsToInt(&md.m)
	var probe T
	rng := rand.New(rand.NewPCG(5, m.Uint64()))
	vals := edgeValues(m, 64*len(probe))
	for range 100 {
		vals = append(vals, randInt(rng, m))
	}
	for k := 1; k < m.BitLen(); k += 31 { // bit lengths around the approximation windows
		vals = append(vals, new(big.Int).Lsh(big.NewInt(1), uint(k)), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(k)), big.NewInt(1)))
	}
	for _, a := range vals {
		a = new(big.Int).Mod(a, m)
		checkInvOne(t, md, a)
	}
}

func checkInvOne[T limbs](t *testing.T, md *modulus[T], a *big.Int) {
	m := limbsToInt(&md.m)
	al := intToLimbs[T](a)
	var z T
	ok := md.invVartime(&z, &al)
	want := new(big.Int).ModInverse(a, m)
	if want == nil {
		require.False(t, ok, "inverse of %x mod %x", a, m)
		require.True(t, isZero(&z))
		return
	}
	require.True(t, ok, "no inverse of %x mod %x", a, m)
	require.Equal(t, want.Text(16), limbsToInt(&z).Text(16), "inverse of %x mod %x", a, m)
}
