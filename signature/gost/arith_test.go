package gost

import (
	"math/big"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/gost/internal/bigec"
)

// Test curves of the RFCs (never accepted from certificates: they exist to
// exercise the Montgomery field code and to check the published examples).
var (
	// RFC 7091 §7.1 = RFC 5832 §7.1 = id-GostR3410-2001-TestParamSet.
	defTest256 = curveDef{
		name: "id-GostR3410-2001-TestParamSet",
		p:    "8000000000000000000000000000000000000000000000000000000000000431",
		a:    "07",
		b:    "5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E",
		q:    "8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3",
		gx:   "02",
		gy:   "08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8",
		// cofactor 1
		cofactor: 1,
	}
	// RFC 9215 Appendix E = id-tc26-gost-3410-2012-512-paramSetTest.
	defTest512 = curveDef{
		name: "id-tc26-gost-3410-2012-512-paramSetTest",
		p: "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DF1D852741AF4704A0458047E80E4546D" +
			"35B8336FAC224DD81664BBF528BE6373",
		a: "07",
		b: "1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC4361834013B2AD7322480A89CA58E0CF74" +
			"BC9E540C2ADD6897FAD0A3084F302ADC",
		q: "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DA82F2D7ECB1DBAC719905C5EECC423F1" +
			"D86E25EDBE23C595D644AAF187E6E6DF",
		gx: "24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762FD60611262CD838DC6B60AA7EEE804E2" +
			"8BC849977FAC33B4B530F1B120248A9A",
		gy: "2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C83AB156D77F1496BF7EB3351E1EE4E43" +
			"DC1A18B91B24640B6DBB92CB1ADD371E",
		cofactor: 1,
	}
)

// The test curves are built once per test binary (their tables of multiples
// of G take a moment, more so under -race).
var (
	testCurve256Once = sync.OnceValue(func() *Curve { return newCurve(defTest256, 256) })
	testCurve512Once = sync.OnceValue(func() *Curve { return newCurve(defTest512, 512) })
)

func testCurve256(t testing.TB) *Curve { t.Helper(); return testCurve256Once() }
func testCurve512(t testing.TB) *Curve { t.Helper(); return testCurve512Once() }

// allCurves are the named curves plus the RFC test curves.
func allCurves(t testing.TB) []*Curve {
	return []*Curve{CurveTC26512A(), CurveTC26256A(), CurveCryptoProA(), testCurve256(t), testCurve512(t)}
}

func refCurve(c *Curve) *bigec.Curve {
	p := c.Params()
	return &bigec.Curve{P: p.P, A: p.A, B: p.B, Q: p.Q, Gx: p.Gx, Gy: p.Gy}
}

func randInt(rng *rand.Rand, below *big.Int) *big.Int {
	b := make([]byte, (below.BitLen()+7)/8+8)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return new(big.Int).Mod(new(big.Int).SetBytes(b), below)
}

// edgeValues are residues where carries and reductions misbehave first.
func edgeValues(m *big.Int, bits int) []*big.Int {
	one := big.NewInt(1)
	top := new(big.Int).Lsh(one, uint(bits))
	vals := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2),
		new(big.Int).Sub(m, one), new(big.Int).Sub(m, big.NewInt(2)),
		new(big.Int).Rsh(m, 1), new(big.Int).Sub(top, one)}
	for k := 63; k < bits; k += 64 {
		vals = append(vals, new(big.Int).Lsh(one, uint(k)), new(big.Int).Sub(new(big.Int).Lsh(one, uint(k)), one))
	}
	out := vals[:0]
	for _, v := range vals {
		out = append(out, v.Mod(v, m))
	}
	return out
}

// checkModulus compares every operation of the fixed-limb arithmetic with
// math/big on edge and random values.
func checkModulus[T limbs](t *testing.T, m *big.Int) {
	md := newModulus[T](m)
	var probe T
	bits := 64 * len(probe)
	rng := rand.New(rand.NewPCG(uint64(m.BitLen()), m.Uint64()))
	vals := edgeValues(m, bits)
	for range 200 {
		vals = append(vals, randInt(rng, m))
	}
	in := func(x *big.Int) T {
		v := intToLimbs[T](x)
		var z T
		md.toInternal(&z, &v)
		return z
	}
	out := func(z T) *big.Int {
		var v T
		md.fromInternal(&v, &z)
		return limbsToInt(&v)
	}
	mod := func(x *big.Int) *big.Int { return x.Mod(x, m) }
	for i, a := range vals {
		b := vals[(i*7+3)%len(vals)]
		ai, bi := in(a), in(b)
		eqInt(t, a, out(ai), "round trip %x", a)
		var z T
		md.add(&z, &ai, &bi)
		eqInt(t, mod(new(big.Int).Add(a, b)), out(z), "add %x %x", a, b)
		md.sub(&z, &ai, &bi)
		eqInt(t, mod(new(big.Int).Sub(a, b)), out(z), "sub %x %x", a, b)
		md.neg(&z, &ai)
		eqInt(t, mod(new(big.Int).Neg(a)), out(z), "neg %x", a)
		md.mul(&z, &ai, &bi)
		eqInt(t, mod(new(big.Int).Mul(a, b)), out(z), "mul %x %x", a, b)
		md.sqr(&z, &ai)
		eqInt(t, mod(new(big.Int).Mul(a, a)), out(z), "sqr %x", a)
		if a.Sign() != 0 && i%8 == 0 {
			md.inv(&z, &ai)
			eqInt(t, new(big.Int).ModInverse(a, m), out(z), "inv %x", a)
		}
		if a.Sign() != 0 {
			al := intToLimbs[T](a)
			md.invVartime(&z, &al)
			eqInt(t, new(big.Int).ModInverse(a, m), limbsToInt(&z), "invVartime %x", a)
		}
		if a.Sign() != 0 && (md.c != 0 || i%8 == 0) { // Montgomery: Fermat, slow
			md.invert(&z, &ai)
			eqInt(t, new(big.Int).ModInverse(a, m), out(z), "invert %x", a)
		}
	}
	// toInternal reduces any value below 2^(64n).
	for _, x := range []*big.Int{new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits)), big.NewInt(1)), m} {
		v := intToLimbs[T](x)
		var z T
		md.toInternal(&z, &v)
		eqInt(t, new(big.Int).Mod(x, m), out(z))
	}
}

func TestFieldArithmetic(t *testing.T) {
	for _, c := range allCurves(t) {
		t.Run(c.name, func(t *testing.T) {
			for _, m := range []*big.Int{c.p, c.q} {
				if c.bitSize == 512 {
					checkModulus[[8]uint64](t, m)
				} else {
					checkModulus[[4]uint64](t, m)
				}
			}
		})
	}
}

func TestPseudoMersenneDetected(t *testing.T) {
	assert.Equal(t, uint64(569), CurveTC26512A().ops.(*group[[8]uint64]).w.f.c)
	assert.Equal(t, uint64(617), CurveCryptoProA().ops.(*group[[4]uint64]).w.f.c)
	assert.Equal(t, uint64(617), CurveTC26256A().ops.(*group[[4]uint64]).w.f.c)
	assert.Zero(t, testCurve512(t).ops.(*group[[8]uint64]).w.f.c, "test curve uses Montgomery")
	assert.Zero(t, CurveTC26512A().ops.(*group[[8]uint64]).fq.c, "orders use Montgomery")
}

// TestCurveParameters checks each curve against itself: G on the curve,
// q·G = ∞ (reference arithmetic), cofactor·q consistent with Hasse's bound.
func TestCurveParameters(t *testing.T) {
	for _, c := range allCurves(t) {
		t.Run(c.name, func(t *testing.T) {
			ref := refCurve(c)
			require.True(t, ref.OnCurve(ref.G()))
			require.True(t, ref.ScalarMult(ref.G(), c.q).Inf, "q·G = ∞")
			require.True(t, c.q.ProbablyPrime(20))
			require.True(t, c.p.ProbablyPrime(20))
			n := new(big.Int).Mul(c.q, big.NewInt(c.cofactor))
			diff := new(big.Int).Sub(n, new(big.Int).Add(c.p, big.NewInt(1)))
			bound := new(big.Int).Lsh(new(big.Int).Sqrt(c.p), 1)
			require.True(t, diff.CmpAbs(bound) <= 0, "Hasse bound")
			require.Equal(t, c.bitSize, 8*c.Size())
			// The aMinus3 shortcut is taken exactly when a = −3.
			aPlus3 := new(big.Int).Mod(new(big.Int).Add(c.a, big.NewInt(3)), c.p)
			if c.bitSize == 512 {
				assert.Equal(t, aPlus3.Sign() == 0, c.ops.(*group[[8]uint64]).w.aMinus3)
			} else {
				assert.Equal(t, aPlus3.Sign() == 0, c.ops.(*group[[4]uint64]).w.aMinus3)
			}
		})
	}
	assert.Equal(t, int64(4), CurveTC26256A().Params().Cofactor)
}

// TestMulAddMatchesReference compares z1·G + z2·P of the fast code with the
// math/big reference, including the exceptional additions (P = ±G, z = 0,
// z = q − 1).
func TestMulAddMatchesReference(t *testing.T) {
	for _, c := range allCurves(t) {
		t.Run(c.name, func(t *testing.T) {
			if c.bitSize == 512 {
				checkMulAdd(t, c.ops.(*group[[8]uint64]), refCurve(c))
			} else {
				checkMulAdd(t, c.ops.(*group[[4]uint64]), refCurve(c))
			}
		})
	}
}

func checkMulAdd[T limbs](t *testing.T, g *group[T], ref *bigec.Curve) {
	rng := rand.New(rand.NewPCG(7, uint64(ref.P.BitLen())))
	qm1 := new(big.Int).Sub(ref.Q, big.NewInt(1))
	toAffine := func(p bigec.Point) *affine[T] {
		a := &affine[T]{}
		a.x = g.fieldFromInt(p.X)
		a.y = g.fieldFromInt(p.Y)
		return a
	}
	fromJac := func(p *jacobian[T]) bigec.Point {
		if g.w.isInfinity(p) {
			return bigec.Point{Inf: true}
		}
		var a affine[T]
		g.toAffine(&a, p)
		var x, y T
		g.w.f.fromInternal(&x, &a.x)
		g.w.f.fromInternal(&y, &a.y)
		return bigec.Point{X: limbsToInt(&x), Y: limbsToInt(&y)}
	}
	d := randInt(rng, ref.Q)
	pub := ref.ScalarMult(ref.G(), d)
	cases := [][3]*big.Int{ // z1, z2, d
		{big.NewInt(0), big.NewInt(1), d},
		{big.NewInt(1), big.NewInt(0), d},
		{big.NewInt(0), big.NewInt(0), d},
		{qm1, qm1, d},
		{big.NewInt(5), new(big.Int).Sub(ref.Q, big.NewInt(5)), big.NewInt(1)}, // 5G − 5G = ∞
		{big.NewInt(3), big.NewInt(3), big.NewInt(1)},                          // 3G + 3G: doubling inside add
		{big.NewInt(1), big.NewInt(1), qm1},                                    // G + (−G)
	}
	// Scalars whose recoding carries across a chunk boundary or out of the
	// top (the digit 64n of the last chunk), up to 2^(64n) − 1 > q.
	var probe T
	n := 64 * len(probe)
	l := chunkBits(len(probe))
	ones := func(k int) *big.Int { return new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(k)), big.NewInt(1)) }
	cases = append(cases,
		[3]*big.Int{ones(n), ones(n), d},
		[3]*big.Int{ones(l), ones(2 * l), d},
		[3]*big.Int{new(big.Int).Lsh(big.NewInt(1), uint(n-1)), new(big.Int).Lsh(big.NewInt(3), uint(l-1)), d},
		[3]*big.Int{new(big.Int).Add(ones(n), new(big.Int).Neg(ones(l))), ones(l + 1), d},
	)
	for range 4 {
		cases = append(cases, [3]*big.Int{randInt(rng, ref.Q), randInt(rng, ref.Q), d})
	}
	// Per key: its point and its table, computed once. The expected result
	// is (z1 + z2·key mod q)·G: one reference multiplication per case.
	type keyData struct {
		p  *affine[T]
		kt *keyTable[T]
	}
	keys := map[string]keyData{}
	for _, cs := range cases {
		z1, z2, key := cs[0], cs[1], cs[2]
		kd, ok := keys[key.String()]
		if !ok {
			p := ref.ScalarMult(ref.G(), key)
			require.False(t, p.Inf)
			kd.p = toAffine(p)
			kd.kt = g.newKeyTable(kd.p)
			keys[key.String()] = kd
		}
		k := new(big.Int).Mul(z2, key)
		k.Add(k, z1).Mod(k, ref.Q)
		want := ref.ScalarMult(ref.G(), k)
		pa, kt := kd.p, kd.kt
		require.NotNil(t, kt)
		for _, table := range []*keyTable[T]{nil, kt} {
			var r jacobian[T]
			z1l, z2l := intToLimbs[T](z1), intToLimbs[T](z2)
			g.mulAdd(&r, &z1l, &z2l, pa, table)
			got := fromJac(&r)
			require.Equal(t, want.Inf, got.Inf, "z1=%x z2=%x table=%v", z1, z2, table != nil)
			if !want.Inf {
				eqInt(t, want.X, got.X, "z1=%x z2=%x table=%v", z1, z2, table != nil)
				eqInt(t, want.Y, got.Y, "z1=%x z2=%x table=%v", z1, z2, table != nil)
			}
		}
		// The fallback for points of tiny order (unreachable on the
		// supported curves, whose points all have order q or 2q, 4q).
		var d1, d2 [maxDigits]int8
		z1l, z2l := intToLimbs[T](z1), intToLimbs[T](z2)
		wnaf(&d1, &z1l, gWindow)
		n2 := wnaf(&d2, &z2l, qWindow)
		acc := g.w.identity
		g.slowMulAdd(&acc, &d1, &d2, pa, chunkBits(len(z1l)), n2)
		got := fromJac(&acc)
		require.Equal(t, want.Inf, got.Inf, "slowMulAdd z1=%x z2=%x", z1, z2)
		if !want.Inf {
			eqInt(t, want.X, got.X, "slowMulAdd z1=%x z2=%x", z1, z2)
		}
	}
	_ = pub
}

// TestWNAF checks that the recoding sums back to the scalar and obeys the
// digit rules.
func TestWNAF(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, w := range []uint{2, 4, 5, 7} {
		for i := range 200 {
			var k [8]uint64
			for j := range k {
				k[j] = rng.Uint64()
			}
			if i == 0 {
				k = [8]uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
			}
			var digits [maxDigits]int8
			n := wnaf(&digits, &k, w)
			sum := new(big.Int)
			lastNonZero := 1 << 30
			for j := n - 1; j >= 0; j-- {
				sum.Lsh(sum, 1)
				d := int64(digits[j])
				sum.Add(sum, big.NewInt(d))
				if d != 0 {
					require.True(t, d%2 != 0, "odd digit")
					require.Less(t, abs(d), int64(1)<<(w-1))
					require.GreaterOrEqual(t, lastNonZero-j, int(w), "non-adjacency")
					lastNonZero = j
				}
			}
			eqInt(t, limbsToInt(&k), sum)
		}
	}
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// eqInt compares integers by value (big.Int internals differ for equal values).
func eqInt(t testing.TB, want, got *big.Int, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, want.Text(16), got.Text(16), msgAndArgs...)
}

// limbsToInt converts limbs to a big.Int .
func limbsToInt[T limbs](x *T) *big.Int {
	b := make([]byte, 8*len(*x))
	putLE(b, x)
	return new(big.Int).SetBytes(reverse(b))
}

// putLE writes x as a little-endian integer of exactly 8·n bytes.
func putLE[T limbs](b []byte, x *T) {
	for i := range len(*x) {
		w := (*x)[i]
		for j := range 8 {
			b[8*i+j] = byte(w >> (8 * j))
		}
	}
}

// reverse returns a reversed copy of b.
func reverse(b []byte) []byte {
	r := make([]byte, len(b))
	for i, v := range b {
		r[len(b)-1-i] = v
	}
	return r
}

// The reference's Jacobian scalar multiplication (what test signing uses)
// agrees with its affine one on every curve: random scalars, the edges of
// [1, q−1], q and 0 (infinity), and a base other than G.
func TestRefScalarMultJacobian(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range allCurves(t) {
		ref := refCurve(c)
		qm1 := new(big.Int).Sub(ref.Q, big.NewInt(1))
		ks := []*big.Int{big.NewInt(1), big.NewInt(2), big.NewInt(3), qm1, new(big.Int).Set(ref.Q), big.NewInt(0)}
		for range 6 {
			ks = append(ks, randInt(rng, ref.Q))
		}
		for _, base := range []bigec.Point{ref.G(), ref.ScalarMult(ref.G(), big.NewInt(12345))} {
			for _, k := range ks {
				want, got := ref.ScalarMult(base, k), ref.ScalarMultJacobian(base, k)
				require.Equal(t, want.Inf, got.Inf, "%s k=%x", c.name, k)
				if !want.Inf {
					require.Zero(t, want.X.Cmp(got.X), "%s k=%x", c.name, k)
					require.Zero(t, want.Y.Cmp(got.Y), "%s k=%x", c.name, k)
				}
			}
		}
	}
}
