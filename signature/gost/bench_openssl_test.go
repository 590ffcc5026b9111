package gost_test

import (
	"math/rand/v2"
	"testing"

	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
	"github.com/strongauth/strongauth/signature/gost/internal/osslgost"
	"github.com/strongauth/strongauth/signature/gost/internal/testenv"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// The OpenSSL 3 GOST engine, called in-process through cgo (package
// osslgost), is the speed reference of goal 2 of issue 21: TC26-512-A
// verification at most 0.8× the engine's time, measured by interleaving both
// in one loop (sigtest.Ratio) so that a busy machine slows both alike.

type osslCase struct {
	name  string
	curve func() *gost.Curve
}

var osslCases = []osslCase{
	{"TC26-512-A", gost.CurveTC26512A},
	{"TC26-256-A", gost.CurveTC26256A},
	{"CryptoPro-A", gost.CurveCryptoProA},
}

// osslInput is one key, digest and RFC 4491 signature, known to both sides.
type osslInput struct {
	spki, digest, sig []byte
	pub               *gost.PublicKey
}

func newOsslInput(tb testing.TB, c *gost.Curve, seed byte) osslInput {
	tb.Helper()
	if err := osslgost.Available(); err != nil {
		testenv.Missing(tb, "%v", err)
	}
	rng := rand.NewChaCha8([32]byte{seed, 21})
	priv, err := gosttest.GenerateKey(c, rng)
	if err != nil {
		tb.Fatal(err)
	}
	spki, err := gosttest.MarshalPublicKey(priv.Public(), false) // the engine knows Russian OIDs only
	if err != nil {
		tb.Fatal(err)
	}
	pub, err := gost.ParsePublicKey(spki)
	if err != nil {
		tb.Fatal(err)
	}
	digest := make([]byte, c.Size())
	for i := range digest {
		digest[i] = byte(rng.Uint64())
	}
	sig, err := gosttest.Sign(rng, priv, digest, gost.LayoutRFC4491)
	if err != nil {
		tb.Fatal(err)
	}
	return osslInput{spki: spki, digest: digest, sig: sig, pub: pub}
}

// TestOpenSSLInProcess: the engine, called in-process, accepts the very
// signatures the benchmark times and refuses tampered ones, so the benchmark
// compares two successful verifications of the same input.
func TestOpenSSLInProcess(t *testing.T) {
	for _, oc := range osslCases {
		t.Run(oc.name, func(t *testing.T) {
			in := newOsslInput(t, oc.curve(), 1)
			v, err := osslgost.NewVerifier(in.spki)
			if err != nil {
				t.Fatal(err)
			}
			if !v.Verify(in.digest, in.sig) {
				t.Fatal("engine refuses a valid signature")
			}
			if err := gost.VerifyDigest(in.pub, in.digest, in.sig, gost.LayoutRFC4491); err != nil {
				t.Fatal(err)
			}
			for _, i := range []int{0, len(in.sig) / 2, len(in.sig) - 1} {
				bad := append([]byte(nil), in.sig...)
				bad[i] ^= 0x10
				if v.Verify(in.digest, bad) {
					t.Fatalf("engine accepts a signature with byte %d changed", i)
				}
				if gost.Verify(in.pub, in.digest, bad, gost.LayoutRFC4491) {
					t.Fatalf("we accept a signature with byte %d changed", i)
				}
			}
			bad := append([]byte(nil), in.digest...)
			bad[0] ^= 1
			if v.Verify(bad, in.sig) || gost.Verify(in.pub, bad, in.sig, gost.LayoutRFC4491) {
				t.Fatal("a changed digest verifies")
			}
		})
	}
}

// BenchmarkVsOpenSSL reports our verification time over the engine's
// ("x-median", "x-fastest"; goal for TC26-512-A: ≤ 0.8) for:
//
//   - Key: a returning signer, one parsed key verifying again and again (both
//     sides keep their parsed key: our *PublicKey, the engine's EVP_PKEY_CTX);
//   - FreshKey: the key is parsed (and validated) for every verification on
//     both sides.
//
// Run: go test -run '^$' -bench VsOpenSSL -count 5 ./signature/gost/
func BenchmarkVsOpenSSL(b *testing.B) {
	for _, oc := range osslCases {
		b.Run(oc.name+"/Key", func(b *testing.B) {
			in := newOsslInput(b, oc.curve(), 2)
			v, err := osslgost.NewVerifier(in.spki)
			if err != nil {
				b.Fatal(err)
			}
			sigtest.Ratio(b, func(b *testing.B) {
				if !v.Verify(in.digest, in.sig) {
					b.Fatal("engine refuses the signature")
				}
			}, func(b *testing.B) {
				if err := gost.VerifyDigest(in.pub, in.digest, in.sig, gost.LayoutRFC4491); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(oc.name+"/FreshKey", func(b *testing.B) {
			in := newOsslInput(b, oc.curve(), 3)
			sigtest.Ratio(b, func(b *testing.B) {
				v, err := osslgost.NewVerifier(in.spki)
				if err != nil || !v.Verify(in.digest, in.sig) {
					b.Fatal("engine refuses the signature", err)
				}
			}, func(b *testing.B) {
				pub, err := gost.ParsePublicKey(in.spki)
				if err != nil {
					b.Fatal(err)
				}
				if err := gost.VerifyDigest(pub, in.digest, in.sig, gost.LayoutRFC4491); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
