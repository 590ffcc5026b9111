// Package bigec is a deliberately plain math/big implementation of short
// Weierstrass curve arithmetic and of GOST R 34.10 signing and verification,
// written straight from RFC 7091 §6 in affine coordinates.
//
// It exists for tests and test-support code only: as an independent
// reference for the fast fixed-limb code of package gost (differential tests)
// and to sign test material. It is slow and NOT constant time; it must never
// handle a real private key.
package bigec

import (
	"errors"
	"io"
	"math/big"
)

// Curve is y² = x³ + A·x + B over GF(P) with base point (Gx, Gy) of order Q.
type Curve struct {
	P, A, B, Q, Gx, Gy *big.Int
}

// Point is an affine point; Inf marks the point at infinity.
type Point struct {
	X, Y *big.Int
	Inf  bool
}

func (c *Curve) mod(x *big.Int) *big.Int { return x.Mod(x, c.P) }

// OnCurve reports whether p satisfies the curve equation.
func (c *Curve) OnCurve(p Point) bool {
	if p.Inf {
		return true
	}
	if p.X.Sign() < 0 || p.X.Cmp(c.P) >= 0 || p.Y.Sign() < 0 || p.Y.Cmp(c.P) >= 0 {
		return false
	}
	lhs := c.mod(new(big.Int).Mul(p.Y, p.Y))
	rhs := new(big.Int).Mul(p.X, p.X)
	rhs.Add(rhs, c.A)
	rhs.Mul(rhs, p.X)
	rhs.Add(rhs, c.B)
	return lhs.Cmp(c.mod(rhs)) == 0
}

// Add returns p + q.
func (c *Curve) Add(p, q Point) Point {
	if p.Inf {
		return q
	}
	if q.Inf {
		return p
	}
	var lambda *big.Int
	if p.X.Cmp(q.X) == 0 {
		if c.mod(new(big.Int).Add(p.Y, q.Y)).Sign() == 0 {
			return Point{Inf: true}
		}
		// Tangent: λ = (3x² + a) / 2y.
		num := new(big.Int).Mul(p.X, p.X)
		num.Mul(num, big.NewInt(3))
		num.Add(num, c.A)
		den := new(big.Int).Lsh(p.Y, 1)
		lambda = num.Mul(num, den.ModInverse(c.mod(den), c.P))
	} else {
		num := new(big.Int).Sub(q.Y, p.Y)
		den := c.mod(new(big.Int).Sub(q.X, p.X))
		lambda = num.Mul(num, den.ModInverse(den, c.P))
	}
	c.mod(lambda)
	x := new(big.Int).Mul(lambda, lambda)
	x.Sub(x, p.X)
	x.Sub(x, q.X)
	c.mod(x)
	y := new(big.Int).Sub(p.X, x)
	y.Mul(y, lambda)
	y.Sub(y, p.Y)
	c.mod(y)
	return Point{X: x, Y: y}
}

// ScalarMult returns k·p by double-and-add (k ≥ 0).
func (c *Curve) ScalarMult(p Point, k *big.Int) Point {
	r := Point{Inf: true}
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = c.Add(r, r)
		if k.Bit(i) == 1 {
			r = c.Add(r, p)
		}
	}
	return r
}

// ScalarMultJacobian returns k·p like ScalarMult, in Jacobian coordinates
// (x = X/Z², y = Y/Z³) with one inversion at the end instead of one per
// step, reusing its temporaries: several times faster, and it leaves far
// less garbage (test signing runs inside benchmarks). Signing uses it;
// ScalarMult stays the plain affine reference, and a test holds the two
// to the same answers.
func (c *Curve) ScalarMultJacobian(p Point, k *big.Int) Point {
	if p.Inf || k.Sign() == 0 {
		return Point{Inf: true}
	}
	if k.Sign() < 0 || k.Cmp(c.Q) >= 0 {
		return c.ScalarMult(p, k) // outside [1, q−1]: the reference
	}
	j := jacobian{c: c}
	x, y := new(big.Int).Set(p.X), new(big.Int).Set(p.Y)
	j.X.Set(x)
	j.Y.Set(y)
	j.Z.SetInt64(1)
	for i := k.BitLen() - 2; i >= 0; i-- {
		j.double()
		if k.Bit(i) == 1 {
			j.addAffine(x, y)
		}
	}
	if j.Z.Sign() == 0 {
		return Point{Inf: true}
	}
	zi := new(big.Int).ModInverse(&j.Z, c.P)
	zi2 := c.mod(new(big.Int).Mul(zi, zi))
	ax := c.mod(new(big.Int).Mul(&j.X, zi2))
	ay := c.mod(new(big.Int).Mul(&j.Y, c.mod(zi2.Mul(zi2, zi))))
	return Point{X: ax, Y: ay}
}

// jacobian is a point (X, Y, Z) with its temporaries; Z = 0 is infinity.
type jacobian struct {
	c                      *Curve
	X, Y, Z                big.Int
	t0, t1, t2, t3, t4, t5 big.Int
	prod, quo              big.Int // mul's, reused
}

// mul sets z = a·b mod P for a, b in [0, P), without garbage.
func (j *jacobian) mul(z, a, b *big.Int) {
	j.prod.Mul(a, b)
	j.quo.QuoRem(&j.prod, j.c.P, z)
}

// norm brings z, within a few P of [0, P), into it.
func (j *jacobian) norm(z *big.Int) {
	for z.Sign() < 0 {
		z.Add(z, j.c.P)
	}
	for z.Cmp(j.c.P) >= 0 {
		z.Sub(z, j.c.P)
	}
}

// double sets j = 2j (RFC 6090-style formulas for a general A).
func (j *jacobian) double() {
	c := j.c
	if j.Z.Sign() == 0 || j.Y.Sign() == 0 {
		j.Z.SetInt64(0)
		return
	}
	xx, yy, zz, s, m, t := &j.t0, &j.t1, &j.t2, &j.t3, &j.t4, &j.t5
	j.mul(xx, &j.X, &j.X)
	j.mul(yy, &j.Y, &j.Y)
	j.mul(zz, &j.Z, &j.Z)
	j.mul(s, &j.X, yy) // S = 4·X·Y²
	s.Lsh(s, 2)
	j.norm(s)
	j.mul(t, zz, zz) // M = 3·X² + A·Z⁴
	j.mul(m, t, c.A)
	t.Lsh(xx, 1).Add(t, xx)
	m.Add(m, t)
	j.norm(m)
	j.mul(&j.Z, &j.Z, &j.Y) // Z3 = 2·Y·Z
	j.Z.Lsh(&j.Z, 1)
	j.norm(&j.Z)
	j.mul(&j.X, m, m) // X3 = M² − 2S
	t.Lsh(s, 1)
	j.X.Sub(&j.X, t)
	j.norm(&j.X)
	j.mul(t, yy, yy) // Y3 = M·(S − X3) − 8·Y⁴
	t.Lsh(t, 3)
	s.Sub(s, &j.X)
	j.norm(s)
	j.mul(&j.Y, m, s)
	j.Y.Sub(&j.Y, t)
	j.norm(&j.Y)
}

// addAffine sets j = j + (x, y) for an affine point (x, y).
func (j *jacobian) addAffine(x, y *big.Int) {
	if j.Z.Sign() == 0 {
		j.X.Set(x)
		j.Y.Set(y)
		j.Z.SetInt64(1)
		return
	}
	zz, u2, s2, h, r, t := &j.t0, &j.t1, &j.t2, &j.t3, &j.t4, &j.t5
	j.mul(zz, &j.Z, &j.Z)
	j.mul(u2, x, zz)   // U2 = x·Z1²
	j.mul(t, &j.Z, zz) // S2 = y·Z1³
	j.mul(s2, y, t)
	h.Sub(u2, &j.X)
	j.norm(h) // H = U2 − X1
	r.Sub(s2, &j.Y)
	j.norm(r) // R = S2 − Y1
	if h.Sign() == 0 {
		if r.Sign() == 0 {
			j.double() // the same point
		} else {
			j.Z.SetInt64(0) // p + (−p)
		}
		return
	}
	hh := zz // Z1² is no longer needed
	j.mul(hh, h, h)
	hhh := u2
	j.mul(hhh, h, hh)
	v := s2
	j.mul(v, &j.X, hh) // V = X1·H²
	j.mul(&j.Z, &j.Z, h)
	j.mul(&j.X, r, r) // X3 = R² − H³ − 2V
	j.X.Sub(&j.X, hhh)
	t.Lsh(v, 1)
	j.X.Sub(&j.X, t)
	j.norm(&j.X)
	v.Sub(v, &j.X) // Y3 = R·(V − X3) − Y1·H³
	j.norm(v)
	j.mul(v, r, v)
	j.mul(t, &j.Y, hhh)
	j.Y.Sub(v, t)
	j.norm(&j.Y)
}

// G returns the base point.
func (c *Curve) G() Point {
	return Point{X: new(big.Int).Set(c.Gx), Y: new(big.Int).Set(c.Gy)}
}

// E returns e = α mod q, or 1 when that is 0 (RFC 7091 §6.1 step 2).
func (c *Curve) E(alpha *big.Int) *big.Int {
	e := new(big.Int).Mod(alpha, c.Q)
	if e.Sign() == 0 {
		e.SetInt64(1)
	}
	return e
}

// SignWithK computes (r, s) for the integer alpha of the digest with a given
// nonce k (RFC 7091 §6.1 steps 2–5). It fails when r or s is 0.
func (c *Curve) SignWithK(d, alpha, k *big.Int) (r, s *big.Int, err error) {
	if k.Sign() <= 0 || k.Cmp(c.Q) >= 0 {
		return nil, nil, errors.New("bigec: nonce out of range")
	}
	e := c.E(alpha)
	pt := c.ScalarMultJacobian(c.G(), k)
	r = new(big.Int).Mod(pt.X, c.Q)
	if r.Sign() == 0 {
		return nil, nil, errors.New("bigec: r = 0")
	}
	s = new(big.Int).Mul(r, d)
	s.Add(s, new(big.Int).Mul(k, e))
	s.Mod(s, c.Q)
	if s.Sign() == 0 {
		return nil, nil, errors.New("bigec: s = 0")
	}
	return r, s, nil
}

// Sign draws nonces from rand until (r, s) is valid.
func (c *Curve) Sign(rand io.Reader, d, alpha *big.Int) (r, s *big.Int, err error) {
	for range 100 {
		k, err := c.RandScalar(rand)
		if err != nil {
			return nil, nil, err
		}
		if r, s, err = c.SignWithK(d, alpha, k); err == nil {
			return r, s, nil
		}
	}
	return nil, nil, errors.New("bigec: no valid signature after 100 nonces")
}

// RandScalar returns a uniform integer in [1, q−1] by rejection sampling.
func (c *Curve) RandScalar(rand io.Reader) (*big.Int, error) {
	buf := make([]byte, (c.Q.BitLen()+7)/8)
	excess := uint(len(buf)*8 - c.Q.BitLen())
	for range 1000 {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, err
		}
		buf[0] &= 0xff >> excess
		k := new(big.Int).SetBytes(buf)
		if k.Sign() > 0 && k.Cmp(c.Q) < 0 {
			return k, nil
		}
	}
	return nil, errors.New("bigec: random source keeps yielding out-of-range scalars")
}

// Verify checks (r, s) for alpha against the public key q (RFC 7091 §6.2).
func (c *Curve) Verify(pub Point, alpha, r, s *big.Int) bool {
	if r.Sign() <= 0 || r.Cmp(c.Q) >= 0 || s.Sign() <= 0 || s.Cmp(c.Q) >= 0 {
		return false
	}
	v := new(big.Int).ModInverse(c.E(alpha), c.Q)
	z1 := new(big.Int).Mul(s, v)
	z1.Mod(z1, c.Q)
	z2 := new(big.Int).Mul(r, v)
	z2.Neg(z2).Mod(z2, c.Q)
	pt := c.Add(c.ScalarMult(c.G(), z1), c.ScalarMult(pub, z2))
	if pt.Inf {
		return false
	}
	return new(big.Int).Mod(pt.X, c.Q).Cmp(r) == 0
}
