package gost

import (
	"math/big"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// testKey returns a public key of c with private scalar d, a digest and a
// valid LayoutNCA signature of it.
func testKey(t testing.TB, c *Curve, seed uint64) (pub *PublicKey, d *big.Int, digest, sig []byte) {
	t.Helper()
	ref := refCurve(c)
	rng := rand.New(rand.NewPCG(seed, 3))
	d = randInt(rng, ref.Q)
	if d.Sign() == 0 {
		d.SetInt64(1)
	}
	q := ref.ScalarMult(ref.G(), d)
	n := c.Size()
	pub, err := NewPublicKey(c, append(le(q.X, n), le(q.Y, n)...))
	require.NoError(t, err)
	digest = le(randInt(rng, new(big.Int).Lsh(big.NewInt(1), uint(8*n))), n)
	r, s, err := ref.SignWithK(d, new(big.Int).SetBytes(reverse(digest)), new(big.Int).Add(randInt(rng, new(big.Int).Sub(ref.Q, big.NewInt(1))), big.NewInt(1)))
	require.NoError(t, err)
	return pub, d, digest, append(le(r, n), le(s, n)...)
}

// keyState reports whether the key's table has been built.
func keyState(pub *PublicKey) (uses uint32, built bool) {
	switch k := pub.pt.(type) {
	case *keyPoint[[8]uint64]:
		return k.uses.Load(), k.table.Load() != nil
	case *keyPoint[[4]uint64]:
		return k.uses.Load(), k.table.Load() != nil
	}
	panic("unknown key type")
}

func tamper(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i%len(c)] ^= 0x20
	return c
}

// TestKeyTableBuiltOnSecondUse: the first verification with a key runs
// without a table, the second builds it, and verification answers the same
// with and without it, for valid and tampered signatures. Keys of curves with
// a cofactor (TC26-256-A) get theirs when parsed, for the subgroup check.
func TestKeyTableBuiltOnSecondUse(t *testing.T) {
	for _, c := range []*Curve{CurveTC26512A(), CurveCryptoProA()} {
		t.Run(c.name, func(t *testing.T) {
			pub, _, digest, sig := testKey(t, c, 1)
			_, built := keyState(pub)
			require.False(t, built)
			require.NoError(t, VerifyDigest(pub, digest, sig, LayoutNCA))
			_, built = keyState(pub)
			require.False(t, built, "built on first use")
			require.ErrorIs(t, VerifyDigest(pub, digest, tamper(sig, 3), LayoutNCA), ErrVerification)
			_, built = keyState(pub)
			require.True(t, built, "not built on second use")
			for i := range 4 {
				require.NoError(t, VerifyDigest(pub, digest, sig, LayoutNCA))
				require.ErrorIs(t, VerifyDigest(pub, digest, tamper(sig, 17*i+5), LayoutNCA), ErrVerification)
				require.ErrorIs(t, VerifyDigest(pub, tamper(digest, i), sig, LayoutNCA), ErrVerification)
			}

			fresh, err := NewPublicKey(c, pub.Bytes())
			require.NoError(t, err)
			fresh.Precompute()
			_, built = keyState(fresh)
			require.True(t, built, "Precompute")
			require.NoError(t, VerifyDigest(fresh, digest, sig, LayoutNCA))
			require.ErrorIs(t, VerifyDigest(fresh, digest, tamper(sig, 40), LayoutNCA), ErrVerification)
		})
	}
	t.Run(CurveTC26256A().name, func(t *testing.T) {
		pub, _, digest, sig := testKey(t, CurveTC26256A(), 1)
		_, built := keyState(pub)
		require.True(t, built, "cofactor curve: built by the subgroup check")
		require.NoError(t, VerifyDigest(pub, digest, sig, LayoutNCA))
		require.ErrorIs(t, VerifyDigest(pub, digest, tamper(sig, 3), LayoutNCA), ErrVerification)
	})
	var none *PublicKey
	none.Precompute() // no panic
	(&PublicKey{}).Precompute()
}

// TestKeyTableConcurrent shares a fresh key between goroutines (run with
// -race): the table is built once while the others go on without it, and
// every answer is right.
func TestKeyTableConcurrent(t *testing.T) {
	pub, _, digest, sig := testKey(t, CurveTC26512A(), 2)
	bad := tamper(sig, 9)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 6 {
				if err := VerifyDigest(pub, digest, sig, LayoutNCA); err != nil {
					errs <- err
				}
				if (w+i)%2 == 0 && VerifyDigest(pub, digest, bad, LayoutNCA) == nil {
					errs <- ErrVerification
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_, built := keyState(pub)
	require.True(t, built)
}

// TestVerifyIdentity: a signature with s = r·d (mod q) makes
// z1·G + z2·Q the point at infinity; it must fail, without and with the
// key's table.
func TestVerifyIdentity(t *testing.T) {
	for _, c := range []*Curve{CurveTC26512A(), CurveTC26256A(), CurveCryptoProA()} {
		t.Run(c.name, func(t *testing.T) {
			pub, d, digest, _ := testKey(t, c, 3)
			n := c.Size()
			r := big.NewInt(0x1234567)
			s := new(big.Int).Mod(new(big.Int).Mul(r, d), c.q)
			sig := append(le(r, n), le(s, n)...)
			for range 3 { // cold, building, cached
				require.ErrorIs(t, VerifyDigest(pub, digest, sig, LayoutNCA), ErrVerification)
			}
			_, built := keyState(pub)
			require.True(t, built)
		})
	}
}

// TestKeyTableSize: keyTableBytes matches what a table holds.
func TestKeyTableSize(t *testing.T) {
	for _, c := range []*Curve{CurveTC26512A(), CurveCryptoProA()} {
		pub, _, _, _ := testKey(t, c, 4)
		pub.Precompute()
		size := 0
		switch k := pub.pt.(type) {
		case *keyPoint[[8]uint64]:
			for _, row := range k.table.Load().t {
				size += len(row) * 2 * 64
			}
		case *keyPoint[[4]uint64]:
			for _, row := range k.table.Load().t {
				size += len(row) * 2 * 32
			}
		}
		require.Equal(t, keyTableBytes(c.bitSize/64), size)
	}
	require.Equal(t, 8<<10, keyTableBytes(8))
	require.Equal(t, 4<<10, keyTableBytes(4))
}
