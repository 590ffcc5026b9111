package gost

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/gost/internal/bigec"
)

// TestSmallSubgroupKeys: on TC26-256-A (cofactor 4) a public key must lie in
// the subgroup of order q. Points of order 2 or 4, and points Q + T of order
// 2q or 4q, are on the curve but refused; so are points off the curve and
// coordinates not below p.
func TestSmallSubgroupKeys(t *testing.T) {
	c := CurveTC26256A()
	ref := refCurve(c)
	n := c.Size()
	enc := func(p bigec.Point) []byte { return append(le(p.X, n), le(p.Y, n)...) }

	// Torsion points: q·R for points R of the whole group.
	exp := new(big.Int).Rsh(new(big.Int).Add(ref.P, big.NewInt(1)), 2) // p ≡ 3 (mod 4)
	torsion := map[int]bigec.Point{}
	for x := int64(1); x < 200 && len(torsion) < 2; x++ {
		bx := big.NewInt(x)
		rhs := new(big.Int).Mul(bx, bx)
		rhs.Add(rhs, ref.A).Mul(rhs, bx).Add(rhs, ref.B).Mod(rhs, ref.P)
		y := new(big.Int).Exp(rhs, exp, ref.P)
		r := bigec.Point{X: bx, Y: y}
		if !ref.OnCurve(r) {
			continue
		}
		tp := ref.ScalarMult(r, ref.Q)
		if tp.Inf {
			continue
		}
		order := 4
		if ref.Add(tp, tp).Inf {
			order = 2
		}
		torsion[order] = tp
	}
	require.NotEmpty(t, torsion, "no torsion point found")

	d := big.NewInt(0x5eed)
	q := ref.ScalarMult(ref.G(), d)
	_, err := NewPublicKey(c, enc(q))
	require.NoError(t, err)
	for order, tp := range torsion {
		require.True(t, ref.OnCurve(tp))
		_, err := NewPublicKey(c, enc(tp))
		require.ErrorIs(t, err, ErrInvalidPublicKey, "order %d", order)
		require.ErrorContains(t, err, "subgroup")
		mixed := ref.Add(q, tp)
		require.True(t, ref.OnCurve(mixed))
		_, err = NewPublicKey(c, enc(mixed))
		require.ErrorIs(t, err, ErrInvalidPublicKey, "order %d·q", order)
		require.ErrorContains(t, err, "subgroup")
	}

	off := bigec.Point{X: q.X, Y: new(big.Int).Add(q.Y, big.NewInt(1))}
	_, err = NewPublicKey(c, enc(off))
	require.ErrorIs(t, err, ErrInvalidPublicKey)
	require.ErrorContains(t, err, "not on the curve")
	big1 := bigec.Point{X: new(big.Int).Add(q.X, ref.P), Y: q.Y} // same residue, not below p
	if big1.X.BitLen() <= 8*n {
		_, err = NewPublicKey(c, enc(big1))
		require.ErrorIs(t, err, ErrInvalidPublicKey)
	}
	_, err = NewPublicKey(c, enc(bigec.Point{X: ref.P, Y: big.NewInt(0)}))
	require.ErrorIs(t, err, ErrInvalidPublicKey)
}
